"""Orders written as chat messages ("王总 发300件转向节,3月15日前到"): the intent (a new order, a change, a
cancellation, a price question), customer, products with quantity and unit, and the date wanted, matched
against the workspace's customers and SKUs, with a confidence; below the threshold, or for anything but a new
order, a message goes to a person instead of becoming an order. Pure functions: the catalog is passed in."""

from __future__ import annotations

import re
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from typing import Any

from connectors.chat_catalog import Catalog, Mention, catalog_from_rows, find_mentions, longer_unknown
from connectors.chat_dates import distinct_dates, find_date
from connectors.chat_intent import CHANGE, CORRECTION, Intent, find_intent
from connectors.chat_numbers import UNITS, cn_number, normalise

__all__ = ["Catalog", "Item", "Parsed", "catalog_from_rows", "cn_number", "find_date", "parse"]

CLAUSE = re.compile(r"[,;。!?\n，；~]|(?:另外|还有|再要|外加)")
ORDER_WORDS = ("发", "要", "订", "来", "送", "备", "拿", "出", "补", "下单", "采购")
BORROWED = 0.9  # a product named only in the message replied to
ROUGH = 0.6
# Text that holds numbers but no quantity: phone numbers, order numbers, prices, pack sizes (每盒4个), 一半.
NOISE = [
    re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)"),
    re.compile(r"单价\s*\d+(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:元|块钱?|rmb)(?:\s*/\s*[" + UNITS + r"])?", re.I),
    re.compile(r"每\s*[" + UNITS + r"]\s*\d+(?:\.\d+)?\s*(?:[" + UNITS + r"]|升|[lL]|ml)?"),
    re.compile(r"\d+\s*[" + UNITS + r"]\s*/\s*[" + UNITS + r"]"),
    re.compile(r"一半"),
]
ORDER_REF = re.compile(r"(?:订单号?|单号)\s*[:：]?\s*([A-Za-z0-9][A-Za-z0-9-]{3,})")
PRICE_ASKED = re.compile(r"(?:1\s*[" + UNITS + r"]\s*)?(?:多少钱|什么价|啥价)(?:\s*1\s*[" + UNITS + r"])?")
QUOTED = re.compile(r"「([^」]*)」|^>.*$|^-[\s-]{4,}$", re.M)
QTY = re.compile(
    rf"(?:[x×*]\s*(\d+(?:\.\d+)?)\s*([{UNITS}])?)|(?:(\d+(?:\.\d+)?)\s*([{UNITS}]|pcs|PCS))|(?:数量[:：]?\s*(\d+))"
)
ROUGH_QTY = [
    (re.compile(rf"[一二两三四五六七八九]{{2}}[十百千万]\s?([{UNITS}])"), False),
    (re.compile(rf"(?:\d+|[一二两三四五六七八九]?十)(?:来|多)\s?([{UNITS}])"), False),
    (re.compile(rf"几[十百千]?\s?([{UNITS}])"), False),
    (re.compile(rf"(\d+)\s?([{UNITS}])\s?(?:左右|上下|出头)"), True),
    (re.compile(rf"(?:大概|大约|差不多|约)\s?(\d+)\s?([{UNITS}])"), True),
]
VAGUE_DATE = re.compile(r"前后都|前后均|随便哪天|都行")


@dataclass
class Item:
    sku: str | None
    product: str  # the words of the message that named it
    qty: float | None
    unit: str | None
    confidence: float
    candidates: list[str] = field(default_factory=list)  # SKUs that fit when the words name no single one
    delta: int = 0  # in a change: +1 adds qty to the order's, -1 takes it off, 0 sets it

    def as_dict(self) -> dict[str, Any]:
        qty = int(self.qty) if self.qty is not None and float(self.qty).is_integer() else self.qty
        out = {"sku": self.sku, "product": self.product, "qty": qty, "unit": self.unit}
        if self.candidates:
            out["candidates"] = self.candidates
        if self.delta:
            out["delta"] = self.delta
        return out


@dataclass
class Parsed:
    customer: str | None
    customer_text: str | None
    items: list[Item]
    due: date | None
    confidence: float
    reasons: list[str]
    is_order: bool  # worth a person's look: an order, or a change, cancellation or question about one
    intent: str = "order"
    order_ref: str | None = None

    def as_dict(self) -> dict[str, Any]:
        return {
            "intent": self.intent,
            "customer": self.customer,
            "customer_text": self.customer_text,
            "items": [i.as_dict() for i in self.items],
            "due": self.due.isoformat() if self.due else None,
            "order_ref": self.order_ref,
            "confidence": round(self.confidence, 2),
            "reasons": self.reasons,
            "is_order": self.is_order,
        }


@dataclass(frozen=True)
class Qty:
    start: int
    end: int
    value: float | None
    unit: str | None
    rough: bool = False


def _free(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= a or start >= b for a, b in spans)


def split_quote(text: str) -> tuple[str, str]:
    """The message's own words, and the earlier message it quotes (「王总：转向节300件」)."""
    quoted = " ".join(m.group(1) or "" for m in QUOTED.finditer(text)).strip()
    return QUOTED.sub(" ", text).strip(), quoted


def find_quantities(text: str, taken: list[tuple[int, int]]) -> list[Qty]:
    """Quantities with their units, rough ones (二三十箱, 100个左右) marked; numbers in `taken` are skipped."""
    out: list[Qty] = []
    spans = list(taken)
    for pattern, keeps_value in ROUGH_QTY:
        for m in pattern.finditer(text):
            if _free(spans, *m.span()):
                value = float(m.group(1)) if keeps_value else None
                out.append(Qty(m.start(), m.end(), value, m.groups()[-1], rough=True))
                spans.append(m.span())
    for m in QTY.finditer(text):
        if not _free(spans, m.start(), m.end()):
            continue
        value = m.group(1) or m.group(3) or m.group(5)
        unit = m.group(2) or m.group(4)
        # 3月15日 is a date and 2天 a duration, not quantities (units exclude 日/天); 1.5米 is fine.
        out.append(Qty(m.start(), m.end(), float(value), "件" if unit and unit.lower() == "pcs" else unit))
    return sorted(out, key=lambda q: q.start)


def _bare_numbers(text: str, taken: list[tuple[int, int]], offset: int) -> list[Qty]:
    """Numbers right after a product with no unit (转向节 300): quantities without a unit."""
    return [
        Qty(m.start() + offset, m.end() + offset, float(m.group(1)), None)
        for m in re.finditer(r"(?<![A-Za-z0-9.-])(\d+)(?![A-Za-z0-9.-])", text)
        if _free(taken, m.start() + offset, m.end() + offset)
    ]


def _corrected(text: str, qtys: list[Qty], products: list[Mention]) -> tuple[list[Qty], list[Qty]]:
    """The quantities left after corrections (300件，不对，350件; 4套改成6套), and the ones struck out."""
    struck: list[Qty] = []
    for m in CORRECTION.finditer(text):
        after = [q for q in qtys if q.start >= m.end()]
        if m.group() == "不是" and after and after[0].start - m.end() <= 2:
            struck.append(after[0])  # 是40套，不是30套: the number after 不是 is the wrong one
            continue
        before = [q for q in qtys if q.end <= m.start() and q not in struck]
        if before and after:
            old, new = before[-1], after[0]
            if new in struck:
                continue
            if not any(old.end <= p.start < new.start for p in products):
                struck.append(old)
    return [q for q in qtys if q not in struck], struck


def _item(p: Mention, q: Qty | None, confidence: float | None = None) -> Item:
    base = p.confidence if confidence is None else confidence
    candidates = [e.key for e in p.candidates]
    sku = p.entry.key if p.entry else None
    if q is None:
        return Item(sku, p.text, None, None, base, candidates)
    if q.rough:
        base = min(base, ROUGH)
    return Item(sku, p.text, q.value, q.unit, base if q.unit else min(base, 0.9), candidates)


def _pair(clause: str, products: list[Mention], qtys: list[Qty]) -> list[Item]:
    if not products:
        return []
    if len(qtys) == 1 and len(products) > 1 and ("各" in clause or "都" in clause):
        return [_item(p, qtys[0]) for p in products]
    before = bool(qtys) and qtys[0].start < products[0].start
    pool, items = list(qtys), []
    for p in products:
        candidates = [q for q in pool if (q.end <= p.start if before else q.start >= p.end)] or pool
        if not candidates:
            items.append(_item(p, None))
            continue
        q = min(candidates, key=lambda q: min(abs(q.start - p.end), abs(p.start - q.end)))
        pool.remove(q)
        items.append(_item(p, q))
    return items


def _items(norm: str, products: list[Mention], qtys: list[Qty], used: list[tuple[int, int]]) -> list[Item]:
    """Products paired with quantities clause by clause; a quantity in the next clause fills a product that
    had none (刹车皮还有没有，有的话来20套)."""
    items: list[Item] = []
    start = 0
    for sep in [*CLAUSE.finditer(norm), None]:
        end = sep.start() if sep else len(norm)
        in_clause = [p for p in products if start <= p.start < end]
        q_clause = [q for q in qtys if start <= q.start < end]
        if in_clause and not q_clause:
            q_clause = _bare_numbers(norm[start:end], used, start)
        if not in_clause and q_clause and items and items[-1].qty is None:
            q = q_clause[0]
            items[-1] = replace(items[-1], qty=q.value, unit=q.unit)
        items += _pair(norm[start:end], in_clause, q_clause)
        start = sep.end() if sep else end
    # The same SKU named twice in one breath (转向节十件 羊角的): the named quantity is the item.
    counted = {i.sku for i in items if i.qty is not None and i.sku}
    return [i for i in items if i.qty is not None or i.sku not in counted]


def _drop_longer(norm: str, products: list[Mention]) -> tuple[list[Mention], list[str]]:
    kept, unknown = [], []
    for p in products:
        longer = longer_unknown(norm, p, products)
        if longer:
            unknown.append(longer)
        else:
            kept.append(p)
    return kept, unknown


def _deltas(norm: str, items: list[Item], qtys: list[Qty]) -> list[Item]:
    """In a change, 再加10条 adds to the order's quantity and 少5个 takes off; 改成 sets it."""
    out = []
    for item in items:
        q = next((q for q in qtys if q.value == item.qty and q.unit == item.unit), None)
        lead = norm[max(0, q.start - 2) : q.start] if q else ""
        delta = 1 if re.search(r"加\s*$|多\s*$", lead) else -1 if re.search(r"[少减]\s*$", lead) else 0
        out.append(replace(item, delta=delta))
    return out


def _customer(
    customers: list[Mention], quoted: list[Mention], catalog: Catalog, sender: str | None
) -> tuple[str | None, str | None, float, list[str]]:
    """The customer named in the message, else in the message replied to, else by who sent it."""
    for found, cap in ((customers, 1.0), (quoted, 0.95)):
        distinct = {m.entry.key for m in found if m.entry}
        if len(distinct) == 1:
            first = next(m for m in found if m.entry)
            reasons = [f"customer matched approximately ({first.text})"] if first.confidence < 1 else []
            return first.entry.key, first.text, min(cap, first.confidence), reasons  # type: ignore[union-attr]
        if len(distinct) > 1:
            return None, None, 0.4, ["several customers named: " + "、".join(sorted({m.text for m in found}))]
    if sender:
        by_sender = find_mentions(sender, catalog.customers, [], fuzzy=False)
        if len({m.entry.key for m in by_sender if m.entry}) == 1 and by_sender[0].entry:
            return by_sender[0].entry.key, sender, 0.95, []
    return None, None, 0.3, ["no known customer"]


def _noise(norm: str, intent: Intent) -> tuple[list[tuple[int, int]], str | None]:
    spans = [m.span() for pattern in NOISE for m in pattern.finditer(norm)] + list(intent.ignore)
    ref = ORDER_REF.search(norm)
    if ref:
        spans.append(ref.span())
    if intent.name == "quote":
        spans += [m.span() for m in PRICE_ASKED.finditer(norm)]
    return spans, ref.group(1) if ref else None


def _quoted_mentions(quoted: str, catalog: Catalog) -> tuple[list[Mention], list[Mention]]:
    if not quoted:
        return [], []
    q_norm = normalise(quoted)
    head = q_norm.split("：", 1)[0].split(":", 1)[0] if re.search("[:：]", q_norm) else ""
    customers = find_mentions(head or q_norm, catalog.customers, [], fuzzy=False)
    taken = [] if head else [(m.start, m.end) for m in customers]
    return customers, find_mentions(q_norm, catalog.products, taken, fuzzy=False)


def parse(text: str, catalog: Catalog, now: datetime, sender: str | None = None) -> Parsed:
    """What a chat message says and wants, with a confidence and the reasons it is not higher."""
    body, quoted = split_quote(text)
    norm = normalise(body)
    rough_first = next((q.start for q in find_quantities(norm, [])), None)
    intent = find_intent(norm, rough_first, rough_first is not None, bool(quoted))
    noise, order_ref = _noise(norm, intent)
    customers = find_mentions(norm, catalog.customers, noise, fuzzy=False)
    used = noise + [(m.start, m.end) for m in customers]
    products, unknown = _drop_longer(norm, find_mentions(norm, catalog.products, used, fuzzy=True))
    used += [(m.start, m.end) for m in products]
    due, date_spans = find_date(norm, now.date(), used)
    several_dates = len(distinct_dates(norm, now.date(), used)) > 1
    used += date_spans
    qtys, struck = _corrected(norm, find_quantities(norm, used), products)
    used += [(q.start, q.end) for q in struck]
    items = _items(norm, products, qtys, used)
    q_customers, q_products = _quoted_mentions(quoted, catalog)
    if not products and q_products and (qtys or intent.name in ("change", "cancel")):
        # 「客服：刹车片到货了」好的 来20套: the product is in the message replied to.
        items = [_item(p, qtys[k] if k < len(qtys) else None, BORROWED) for k, p in enumerate(q_products)]
    if intent.name == "change":
        items = _deltas(norm, items, qtys)
    customer, customer_text, confidence, reasons = _customer(customers, q_customers, catalog, sender)
    if intent.name == "order" and not items and not qtys and not unknown:
        intent = Intent("other", "")
    if intent.reason:
        reasons.append(intent.reason)
    confidence = min(confidence, 1.0 if intent.name == "order" else 0.5)
    reasons += [f"{u} is not in the catalog" for u in unknown]
    if not items:
        if intent.name == "order":
            reasons.append("no known product")
        confidence = min(confidence, 0.2)
    for item in items:
        confidence = min(confidence, _item_doubt(item, reasons))
    named = {(i.qty, i.unit) for i in items}
    leftover = [q for q in qtys if (q.value, q.unit) not in named]
    if leftover and items:
        reasons.append(
            "quantities without a product: " + ", ".join(f"{q.value or 0:g}{q.unit or ''}" for q in leftover)
        )
        confidence = min(confidence, 0.6)
    if items and (VAGUE_DATE.search(norm) or several_dates):
        reasons.append("the date is vague or several dates are named")
        confidence = min(confidence, ROUGH)
    unread = _unread_change(norm, intent, qtys)
    if unread:
        reasons.append(f"asks for a change the parser cannot read ({unread})")
        confidence = min(confidence, ROUGH)
    is_order = _needs_a_look(intent.name, items, unknown, qtys, customer is not None, norm)
    return Parsed(customer, customer_text, items, due, confidence, reasons, is_order, intent.name, order_ref)


def _unread_change(norm: str, intent: Intent, qtys: list[Qty]) -> str | None:
    """In a new order, a 改 word with no quantity after it (地址改一下): something changes that we cannot read."""
    if intent.name != "order":
        return None
    m = CHANGE.search(norm)
    return m.group() if m and not any(q.start >= m.end() for q in qtys) else None


def _needs_a_look(
    intent: str, items: list[Item], unknown: list[str], qtys: list[Qty], customer: bool, norm: str
) -> bool:
    """Whether the order desk should see the message: an order (or one we could not read), a change,
    cancellation, question or deferral; a known customer or an order word with a quantity counts."""
    if intent == "other":
        return bool(items)
    if intent != "order":
        return True
    return bool(items or unknown) or (bool(qtys) and (customer or any(w in norm for w in ORDER_WORDS)))


def _item_doubt(item: Item, reasons: list[str]) -> float:
    """How sure one item is, with the reason added when it is not."""
    if item.sku is None and item.candidates:
        reasons.append(f"{item.product}: {len(item.candidates)} SKUs fit ({'、'.join(item.candidates[:5])})")
        return min(item.confidence, 0.5)
    if item.qty is None:
        reasons.append(f"no quantity for {item.product}")
        return min(item.confidence, 0.5)
    if item.confidence <= ROUGH:
        reasons.append(f"{item.product}: rough quantity")
    elif item.confidence < 1:
        reasons.append(f"{item.product}: approximate match or no unit")
    return item.confidence
