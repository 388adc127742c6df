"""Intent first: only a new order may become an order by itself; changes, cancellations, price questions,
deferrals and after-sale requests go to a person, whatever products and quantities they name."""

from __future__ import annotations

import pytest

from connectors.chat_accuracy import load_catalog, routed_to_order
from connectors.chat_parser import parse

CATALOG, NOW = load_catalog()


@pytest.mark.parametrize(
    ("text", "intent"),
    [
        ("王总：昨天那单转向节不要了", "cancel"),
        ("王总 转向节别发了 客户退了", "cancel"),
        ("王总那单转向节改成200件", "change"),
        ("黄总 刚才发的刹车片 是40套 不是30套", "change"),
        ("赵总 发电机的单子 改天发", "change"),
        ("张老板 要300条轮胎 先报个价", "quote"),
        ("王总 今天先发50件转向节，剩下的下周再说", "defer"),
        ("黄总 转向节 300件 改天再说", "defer"),
        ("孙姐 离合片 退2套", "other"),
        ("吴师傅 火花塞一盒多少个", "other"),
        ("李姐：刹车片有的话给我来二十套，没有就算了", "order"),
        ("王总 转向节 300件，不对，是350件，周五到", "order"),
        ("王总 转向节 300件 价格还是按上次的", "order"),
    ],
)
def test_intent(text, intent):
    got = parse(text, CATALOG, NOW)
    assert got.intent == intent, got.reasons
    assert routed_to_order(got) == (intent == "order")


def test_a_change_keeps_the_new_quantity_and_says_whether_it_adds():
    set_to = parse("赵总 上午的大灯 4套改成6套", CATALOG, NOW)
    assert [(i.sku, i.qty, i.delta) for i in set_to.items] == [("DD-01", 6, 0)]
    added = parse("周老板 上午那单轮胎再加10条", CATALOG, NOW)
    assert [(i.sku, i.qty, i.delta) for i in added.items] == [("LT-01", 10, 1)]


def test_a_quoted_reply_borrows_customer_and_product():
    got = parse("「王总：转向节300件 15号前到」\n- - - - - - - -\n改成250件", CATALOG, NOW)
    assert (got.intent, got.customer, [(i.sku, i.qty) for i in got.items], got.due) == (
        "change", "C01", [("ZXJ-01", 250)], None
    )  # fmt: skip


def test_corrections_keep_the_corrected_number():
    got = parse("李姐 刹车片20套 哦不 30套 明天", CATALOG, NOW)
    assert [(i.sku, i.qty) for i in got.items] == [("SCP-01", 30)] and routed_to_order(got)


def test_an_order_number_is_not_a_quantity():
    got = parse("郑经理 订单号 SO-0307-12 机油改成60桶", CATALOG, NOW)
    assert (got.order_ref, [(i.sku, i.qty) for i in got.items]) == ("SO-0307-12", [("JY-01", 60)])
