"""Orders written as chat messages ("王总 发300件转向节,3月15日前到"): customer, products with quantity and
unit, and the date wanted, matched against the workspace's customers and SKUs (names, aliases, codes; one-typo
fuzzy matches), with a confidence; below the threshold a message goes to a person instead of becoming an order.
Pure functions: no database, the catalog is passed in."""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from typing import Any

UNITS = "件套箱个只条台盒包桶卷米对支瓶袋副组根块片把张"
CN_DIGITS = {
    "零": 0,
    "〇": 0,
    "一": 1,
    "二": 2,
    "两": 2,
    "俩": 2,
    "三": 3,
    "四": 4,
    "五": 5,
    "六": 6,
    "七": 7,
    "八": 8,
    "九": 9,
}
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CN_NUM = "零〇一二两俩三四五六七八九十百千万"
WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
FULL = str.maketrans("０１２３４５６７８９，：；（）＊Ｘｘ！？", "0123456789,:;()*Xx!?")
CLAUSE = re.compile(r"[,;。!?\n，；]|(?:另外|还有|再要|外加)")
FUZZY = 0.75  # a one-character typo: probably right, but a person should look
ORDER_WORDS = ("发", "要", "订", "来", "送", "备", "拿", "出", "补", "下单", "采购")


@dataclass(frozen=True)
class Entry:
    """A catalog entry: a customer or a SKU with the words people use for it."""

    key: str
    name: str
    words: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass(frozen=True)
class Catalog:
    customers: tuple[Entry, ...]
    products: tuple[Entry, ...]


@dataclass
class Item:
    sku: str | None
    product: str  # the words of the message that named it
    qty: float | None
    unit: str | None
    confidence: float

    def as_dict(self) -> dict[str, Any]:
        qty = int(self.qty) if self.qty is not None and float(self.qty).is_integer() else self.qty
        return {"sku": self.sku, "product": self.product, "qty": qty, "unit": self.unit}


@dataclass
class Parsed:
    customer: str | None
    customer_text: str | None
    items: list[Item]
    due: date | None
    confidence: float
    reasons: list[str]
    is_order: bool

    def as_dict(self) -> dict[str, Any]:
        return {
            "customer": self.customer,
            "customer_text": self.customer_text,
            "items": [i.as_dict() for i in self.items],
            "due": self.due.isoformat() if self.due else None,
            "confidence": round(self.confidence, 2),
            "reasons": self.reasons,
            "is_order": self.is_order,
        }


def cn_number(text: str) -> int | None:
    """三百 → 300, 两千五 → 2500, 十五 → 15, 一二 → 12 (digit by digit); None when not a numeral."""
    if not text or any(c not in CN_NUM for c in text):
        return None
    if not any(c in CN_UNITS for c in text):
        return int("".join(str(CN_DIGITS[c]) for c in text))
    total, section, digit, last_unit = 0, 0, 0, 1
    for c in text:
        if c in CN_DIGITS:
            digit = CN_DIGITS[c]
        elif c == "万":
            total += (section + digit) * 10000
            section, digit, last_unit = 0, 0, 10000
        else:
            unit = CN_UNITS[c]
            section += (digit or 1) * unit
            digit, last_unit = 0, unit
    # 两千五 means 2500: a trailing digit counts in the unit below the last one.
    if digit and last_unit >= 100 and text[-1] in CN_DIGITS and len(text) >= 3 and text[-2] in CN_UNITS:
        digit *= last_unit // 10
    return total + section + digit


def normalise(text: str) -> str:
    """Half-width digits and punctuation; Chinese numerals before a unit or date word as digits."""
    out = text.translate(FULL).replace("\u3000", " ")

    def swap(m: re.Match[str]) -> str:
        n = cn_number(m.group(1))
        return f"{n}" if n is not None else m.group(1)

    return re.sub(rf"([{CN_NUM}]+)(?=[{UNITS}号日月天周点])", swap, out)


# --- dates ---------------------------------------------------------------------------------------------


def _future(today: date, month: int, day: int) -> date | None:
    try:
        d = date(today.year, month, day)
    except ValueError:
        return None
    # A deadline already past this year means next year's (said in December about January).
    return d if d >= today - timedelta(days=31) else date(today.year + 1, month, day)


def _weekday(today: date, prefix: str, name: str) -> date:
    target = WEEKDAYS.get(name, int(name) - 1 if name.isdigit() else 0)
    monday = today - timedelta(days=today.weekday())
    if prefix.startswith("下下"):
        return monday + timedelta(days=14 + target)
    if prefix.startswith("下"):
        return monday + timedelta(days=7 + target)
    this_week = monday + timedelta(days=target)
    if prefix in ("这", "本", "这个", "本"):
        return this_week
    return this_week if this_week >= today else this_week + timedelta(days=7)


DATE_RULES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"(20\d\d)[-/年.](\d{1,2})[-/月.](\d{1,2})[日号]?"), lambda m, t: _safe(int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"下个?月(\d{1,2})[号日]"), lambda m, t: _next_month(t, int(m[1]))),
    (re.compile(r"下个?月底"), lambda m, t: _month_end(_next_month(t, 1) or t)),
    (re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})[日号]?"), lambda m, t: _future(t, int(m[1]), int(m[2]))),
    (re.compile(r"(?<![\d.])(\d{1,2})[/.](\d{1,2})(?=\s*(?:前|之前|以前|到|交|发|送|号|日|要|$|[,，。 ]))(?![件套箱个])"),
     lambda m, t: _future(t, int(m[1]), int(m[2])) if 1 <= int(m[1]) <= 12 else None),
    (re.compile(r"月底"), lambda m, t: _month_end(t)),
    (re.compile(r"(?<![\d月/.])(\d{1,2})[号日](?!元)"), lambda m, t: _day_of_month(t, int(m[1]))),
    (re.compile(r"大后天"), lambda m, t: t + timedelta(days=3)),
    (re.compile(r"后天"), lambda m, t: t + timedelta(days=2)),
    (re.compile(r"明天|明日|明早|明儿"), lambda m, t: t + timedelta(days=1)),
    (re.compile(r"今天|今日|今晚|当天"), lambda m, t: t),
    (re.compile(r"(下下|下个|下|这个|这|本)?(?:周|星期|礼拜)([一二三四五六日天末1-7])"), lambda m, t: _weekday(t, m[1] or "", m[2])),
    (re.compile(r"(\d{1,3})天(?:内|之内|以内|后)"), lambda m, t: t + timedelta(days=int(m[1]))),
    (re.compile(r"下周"), lambda m, t: t - timedelta(days=t.weekday()) + timedelta(days=11)),  # 下周 alone: its Friday
]  # fmt: skip


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _month_end(t: date) -> date:
    return date(t.year, t.month, calendar.monthrange(t.year, t.month)[1])


def _next_month(t: date, day: int) -> date | None:
    y, m = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
    return _safe(y, m, min(day, calendar.monthrange(y, m)[1]))


def _day_of_month(t: date, day: int) -> date | None:
    if not 1 <= day <= 31:
        return None
    d = _safe(t.year, t.month, day)
    return d if d and d >= t else _next_month(t, day)


def find_date(text: str, today: date) -> tuple[date | None, list[tuple[int, int]]]:
    """The date a message asks for, and the spans of text it used (those numbers are not quantities)."""
    for pattern, make in DATE_RULES:
        m = pattern.search(text)
        if m:
            found = make(m, today)
            if found is not None:
                return found, [m.span()]
    return None, []


# --- catalog matching ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entry: Entry
    confidence: float
    text: str


def _free(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= a or start >= b for a, b in spans)


def _one_off(a: str, b: str) -> bool:
    return len(a) == len(b) and sum(x != y for x, y in zip(a, b, strict=True)) == 1


def find_mentions(
    text: str, entries: tuple[Entry, ...], taken: list[tuple[int, int]], fuzzy: bool = True
) -> list[Mention]:
    """Catalog words in the text, longest first and not overlapping; words used by two entries are ambiguous."""
    lowered = text.lower()
    words = sorted(((w.lower(), e) for e in entries for w in e.words if w), key=lambda x: -len(x[0]))
    owners: dict[str, set[str]] = {}
    for w, e in words:
        owners.setdefault(w, set()).add(e.key)
    found: list[Mention] = []
    spans = list(taken)

    def exact(w: str, e: Entry) -> None:
        start = lowered.find(w)
        while start >= 0:
            end = start + len(w)
            if _free(spans, start, end):
                found.append(Mention(start, end, e, 0.5 if len(owners[w]) > 1 else 1.0, text[start:end]))
                spans.append((start, end))
            start = lowered.find(w, end)

    def approximate(w: str, e: Entry) -> None:
        if len(w) < 3 or not re.fullmatch(r"[\u4e00-\u9fff]+", w):
            return
        for start in range(len(text) - len(w) + 1):
            end = start + len(w)
            piece = lowered[start:end]
            if _free(spans, start, end) and re.fullmatch(r"[\u4e00-\u9fff]+", piece) and _one_off(piece, w):
                found.append(Mention(start, end, e, FUZZY, text[start:end]))
                spans.append((start, end))

    for w, e in words:
        exact(w, e)
        # A long word with one typo (机油滤心) is likelier than the short word inside it (机油).
        if fuzzy and len(w) >= 4:
            approximate(w, e)
    if fuzzy:
        for w, e in words:
            if len(w) == 3:
                approximate(w, e)
    # One entry named twice (alias and name) is one mention.
    return sorted(found, key=lambda m: m.start)


# --- quantities ----------------------------------------------------------------------------------------

QTY = re.compile(
    rf"(?:[x×*]\s*(\d+(?:\.\d+)?)\s*([{UNITS}])?)|(?:(\d+(?:\.\d+)?)\s*([{UNITS}]|pcs|PCS))|(?:数量[:：]?\s*(\d+))"
)


@dataclass(frozen=True)
class Qty:
    start: int
    end: int
    value: float
    unit: str | None


def find_quantities(text: str, taken: list[tuple[int, int]]) -> list[Qty]:
    out = []
    for m in QTY.finditer(text):
        if not _free(taken, m.start(), m.end()):
            continue
        value = m.group(1) or m.group(3) or m.group(5)
        unit = m.group(2) or m.group(4)
        if unit and unit.lower() == "pcs":
            unit = "件"
        # 3月15日 is a date and 2天 a duration, not quantities (units exclude 日/天); 1.5米 is fine.
        out.append(Qty(m.start(), m.end(), float(value), unit))
    return out


def _bare_numbers(text: str, taken: list[tuple[int, int]]) -> list[Qty]:
    """Numbers right after a product with no unit (转向节 300): quantities without a unit."""
    return [
        Qty(m.start(), m.end(), float(m.group(1)), None)
        for m in re.finditer(r"(\d+)", text)
        if _free(taken, m.start(), m.end())
    ]


def _pair(clause: str, products: list[Mention], qtys: list[Qty]) -> list[Item]:
    items = []
    if not products:
        return items
    if len(qtys) == 1 and len(products) > 1 and ("各" in clause or "都" in clause):
        return [Item(p.entry.key, p.text, qtys[0].value, qtys[0].unit, p.confidence) for p in products]
    before = bool(qtys) and qtys[0].start < products[0].start
    pool = list(qtys)
    for p in products:
        candidates = [q for q in pool if (q.end <= p.start if before else q.start >= p.end)] or pool
        if not candidates:
            items.append(Item(p.entry.key, p.text, None, None, p.confidence))
            continue
        q = min(candidates, key=lambda q: min(abs(q.start - p.end), abs(p.start - q.end)))
        pool.remove(q)
        items.append(
            Item(p.entry.key, p.text, q.value, q.unit, p.confidence if q.unit else min(p.confidence, 0.9))
        )
    return items


def parse(text: str, catalog: Catalog, now: datetime, sender: str | None = None) -> Parsed:
    """What an order message says, with a confidence and the reasons it is not higher."""
    norm = normalise(text)
    reasons: list[str] = []
    due, date_spans = find_date(norm, now.date())
    customers = find_mentions(norm, catalog.customers, date_spans, fuzzy=False)
    used = date_spans + [(m.start, m.end) for m in customers]
    products = find_mentions(norm, catalog.products, used, fuzzy=True)
    used += [(m.start, m.end) for m in products]
    qtys = find_quantities(norm, used)
    items: list[Item] = []
    start = 0
    clauses = [*CLAUSE.finditer(norm), None]
    for sep in clauses:
        end = sep.start() if sep else len(norm)
        in_clause = [p for p in products if start <= p.start < end]
        q_clause = [q for q in qtys if start <= q.start < end]
        if in_clause and not q_clause:
            bare = _bare_numbers(norm[start:end], [(a - start, b - start) for a, b in used])
            q_clause = [Qty(q.start + start, q.end + start, q.value, None) for q in bare]
        if not in_clause and q_clause and items and items[-1].qty is None:
            # 刹车皮还有没有，有的话来20套: the quantity comes in the next clause.
            q = q_clause[0]
            items[-1] = Item(items[-1].sku, items[-1].product, q.value, q.unit, items[-1].confidence)
            qtys = [x for x in qtys if x is not q]
        items += _pair(norm[start:end], in_clause, q_clause)
        start = sep.end() if sep else end
    confidence = 1.0
    customer = customer_text = None
    distinct = {m.entry.key for m in customers}
    if len(distinct) == 1:
        customer, customer_text = customers[0].entry.key, customers[0].text
        confidence = min(confidence, min(m.confidence for m in customers))
    elif len(distinct) > 1:
        reasons.append("several customers named: " + "、".join(sorted({m.text for m in customers})))
        confidence = min(confidence, 0.4)
    elif sender:
        by_sender = find_mentions(sender, catalog.customers, [], fuzzy=False)
        if len({m.entry.key for m in by_sender}) == 1:
            customer, customer_text = by_sender[0].entry.key, sender
            confidence = min(confidence, 0.95)
    if customer is None and not reasons:
        reasons.append("no known customer")
        confidence = min(confidence, 0.3)
    if customers and customer and customers[0].confidence < 1:
        reasons.append(f"customer matched approximately ({customers[0].text})")
    # A known customer with a quantity, or an order word with one, is an order we could not read: a person looks.
    is_order = bool(products) or (
        bool(qtys) and (customer is not None or any(w in norm for w in ORDER_WORDS))
    )
    if not products:
        reasons.append("no known product")
        confidence = min(confidence, 0.2)
    for item in items:
        if item.qty is None:
            reasons.append(f"no quantity for {item.product}")
            confidence = min(confidence, 0.5)
        elif item.confidence < 1:
            reasons.append(
                f"{item.product}: "
                + ("ambiguous product" if item.confidence <= 0.5 else "approximate match or no unit")
            )
        confidence = min(confidence, item.confidence)
    leftover = [q for q in qtys if all(not (q.value == i.qty and q.unit == i.unit) for i in items)]
    if leftover and items:
        reasons.append(
            "quantities without a product: " + ", ".join(f"{q.value:g}{q.unit or ''}" for q in leftover)
        )
        confidence = min(confidence, 0.6)
    return Parsed(customer, customer_text, items, due, confidence, reasons, is_order)


def catalog_from_rows(customers: list[dict[str, Any]], products: list[dict[str, Any]]) -> Catalog:
    """Catalog entries from customer and SKU rows (name, company, aliases; code, name, aliases)."""

    def words(*values: Any) -> tuple[str, ...]:
        out: list[str] = []
        for v in values:
            if v:
                out += [w.strip() for w in re.split(r"[,，、;；]", str(v)) if w.strip()]
        return tuple(dict.fromkeys(out))

    return Catalog(
        tuple(
            Entry(str(c["key"]), str(c["name"]), words(c.get("name"), c.get("company"), c.get("aliases")), c)
            for c in customers
        ),
        tuple(
            Entry(str(p["key"]), str(p["name"]), words(p.get("key"), p.get("name"), p.get("aliases")), p)
            for p in products
        ),
    )
