"""What a chat message wants before what it names: a new order, a change to or cancellation of an earlier
order, a price question, an order whose remainder waits (剩下的下周再说), or nothing for the order desk. Only a
new order may become an order by itself; the rest go to a person."""

from __future__ import annotations

import re
from dataclasses import dataclass

INTENTS = ("order", "change", "cancel", "quote", "defer", "other")

CANCEL = re.compile(
    r"取消|不要了|不用了|先不要|不订了|不下了|撤单|撤销|作废|退掉|退单|别发了|不要发了|不发了|不用发|算了"
)
AFTER_SALE = re.compile(
    r"退货|要退|退回|退\s*\d|换货|补发|漏发|少发了|(?<![要别])发错|质量问题|有问题|坏了|破损|售后|投诉"
)
CHANGE = re.compile(
    r"改成|改为|改到|换成|改一下|更改|修改|加到|再加|多加|少发|多发|减到|减少|交期改|改天发|改天送|推迟|延后|提前发"
)
# 没有就算了 ("if you have none, never mind") keeps the order conditional; it cancels nothing.
CONDITIONAL = re.compile(r"(?:没有|没货|不行|来不及)(?:的话)?就?算了")
# Questions about a product, not orders of it: 一盒多少个, 什么型号.
QUESTION = re.compile(r"多少[个只套件条箱盒支根]|有几种|什么规格|什么型号|哪种|型号是|多大|多长|多重")
QUOTE = re.compile(
    r"报价|报个价|多少钱|什么价|啥价|怎么卖|便宜点|便宜些|能优惠|有优惠|批发价|询价|几块钱|单价多少"
    r"|价格(?:多少|是多少|发|报|怎么|呢|表|\?)|价钱(?:多少|怎么)"
)
DEFER = re.compile(
    r"(?:剩下|剩余|其余|其他|另外|余下)的?[^,，。;；]{0,8}?(?:再说|再定|等通知|看情况|回头|以后|晚点|到时候)"
    r"[^,，。;；]*"
)
# The whole order waits: 改天再说, 先别发 等我通知, 再考虑一下.
WAIT = re.compile(
    r"改天再说|再说吧|先别发|别急着发|等我通知|等通知|先不急|过几天再说|过两天再说|再考虑|考虑一下|再看看"
    r"|等等再说|回头再说|晚点再说|先放着|暂缓|暂停"
)
INQUIRY = re.compile(r"有货吗|还有吗|有没有|还有没有|有货没|到了|到货了|收到")
# An earlier order the message points at: 那单, 刚才的, 上午那单, 订单号…
EARLIER = re.compile(
    r"那单|这单|那个单|那个订单|这个订单|刚才|上午|昨天|前天|之前|前面|上次|订单|单子|原来|那批"
)
# In a new order, a correction of what was just written (300件，不对，是350件): the number after it counts.
CORRECTION = re.compile(r"不对|哦不|噢不|不是|说错了|打错了|写错了|更正|纠正|应该是|改成|改为|换成")


@dataclass(frozen=True)
class Intent:
    name: str
    reason: str
    ignore: tuple[tuple[int, int], ...] = ()  # text about something else (the deferred remainder)


def _changes_earlier(text: str, has_order_before: bool, quoted: bool) -> bool:
    """改成 is a change to an earlier order when the message points at one (or quotes it), or names nothing
    new before the word; otherwise it corrects the message itself."""
    return bool(EARLIER.search(text)) or quoted or not has_order_before


def find_intent(text: str, ordered_before: int | None, has_qty: bool, quoted: bool) -> Intent:
    """The message's intent. `ordered_before` is where a product with its quantity first appears (or None),
    `has_qty` whether any quantity was written, `quoted` whether it replies to an earlier message."""
    text = CONDITIONAL.sub(lambda m: " " * len(m.group()), text)
    if m := CANCEL.search(text):
        return Intent("cancel", f"a cancellation ({m.group()}), not a new order")
    if m := AFTER_SALE.search(text):
        return Intent("other", f"an after-sale request ({m.group()}), not a new order")
    if CORRECTION.search(text) and EARLIER.search(text) and not CHANGE.search(text):
        return Intent("change", "corrects an earlier order, not a new order")
    if m := CHANGE.search(text):
        before = ordered_before is not None and ordered_before < m.start()
        if _changes_earlier(text, before, quoted):
            return Intent("change", f"a change to an earlier order ({m.group()}), not a new order")
    if m := QUOTE.search(text):
        return Intent("quote", f"a price question ({m.group()}), not an order")
    if m := DEFER.search(text):
        return Intent("defer", f"part of the order waits ({m.group()}): a person decides", (m.span(),))
    if m := WAIT.search(text):
        return Intent("defer", f"the order waits ({m.group()}): a person decides")
    if m := QUESTION.search(text):
        return Intent("other", f"a question about a product ({m.group()}), not an order")
    if not has_qty and INQUIRY.search(text):
        return Intent("other", "a question or a note, not an order")
    return Intent("order", "")
