"""Customers and SKUs named in a chat message: whole names, aliases and codes (one-typo fuzzy matches), and the
words of long catalog names (博世 刹车片 A100型), which together pick one SKU or leave candidates for a person.
A known word inside a longer unknown product (雨刮 in 雨刮电机) is not a match."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

FUZZY = 0.75  # a one-character typo: probably right, but a person should look
AMBIGUOUS = 0.5
# Words that make a longer product of the one before them (雨刮 + 电机, 机油 + 泵, 轮胎 + 螺丝): the product's
# own head words (片, 芯, 格: 雨刷片 is a 雨刷) are not among them.
PART_WORDS = ("电机", "马达", "支架", "螺丝", "螺栓", "螺母", "皮带", "轴承", "开关", "传感器", "继电器", "模块",
              "灯泡", "气门", "泵", "架", "杆", "管", "线", "垫", "圈", "壳", "盖", "阀", "臂", "壶", "罩", "胶",
              "钳", "网", "嘴", "灯", "油", "液", "座")  # fmt: skip
PART_CHARS = {w for w in PART_WORDS if len(w) == 1}
JOINERS = re.compile(r"^[\s\d的型号/-]*$")  # what may stand between the words of one product (博世 的 刹车片)
CJK = re.compile(r"[\u4e00-\u9fff]+")


@dataclass(frozen=True)
class Entry:
    """A catalog entry: a customer or a SKU with the words people use for it, and the words of its name."""

    key: str
    name: str
    words: tuple[str, ...]
    extra: dict[str, Any] = field(default_factory=dict)
    tokens: tuple[str, ...] = ()


@dataclass(frozen=True)
class Catalog:
    customers: tuple[Entry, ...]
    products: tuple[Entry, ...]


@dataclass(frozen=True)
class Mention:
    start: int
    end: int
    entry: Entry | None  # None: several SKUs fit, see candidates
    confidence: float
    text: str
    candidates: tuple[Entry, ...] = ()


def _free(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= a or start >= b for a, b in spans)


def _one_off(piece: str, word: str) -> bool:
    """One character different, and not a part word (刹车油 is not a typo of 刹车片)."""
    if len(piece) != len(word):
        return False
    diff = [a for a, b in zip(piece, word, strict=True) if a != b]
    return len(diff) == 1 and diff[0] not in PART_CHARS


def _owners(entries: tuple[Entry, ...], attr: str) -> list[tuple[str, tuple[Entry, ...]]]:
    by_word: dict[str, list[Entry]] = {}
    for e in entries:
        for w in getattr(e, attr):
            if w and e not in by_word.setdefault(w.lower(), []):
                by_word[w.lower()].append(e)
    return sorted(((w, tuple(es)) for w, es in by_word.items()), key=lambda x: -len(x[0]))


def _mention(start: int, end: int, owners: tuple[Entry, ...], confidence: float, text: str) -> Mention:
    if len(owners) == 1:
        return Mention(start, end, owners[0], confidence, text)
    return Mention(start, end, None, min(confidence, AMBIGUOUS), text, owners)


def find_mentions(
    text: str, entries: tuple[Entry, ...], taken: list[tuple[int, int]], fuzzy: bool = True
) -> list[Mention]:
    """Catalog words in the text, longest first and not overlapping; a word several entries use gives candidates."""
    lowered = text.lower()
    found: list[Mention] = []
    spans = list(taken)
    words = _owners(entries, "words")

    def exact(w: str, owners: tuple[Entry, ...]) -> None:
        start = lowered.find(w)
        while start >= 0:
            end = start + len(w)
            if _free(spans, start, end):
                found.append(_mention(start, end, owners, 1.0, text[start:end]))
                spans.append((start, end))
            start = lowered.find(w, end)

    def approximate(w: str, owners: tuple[Entry, ...]) -> None:
        if len(w) < 3 or not CJK.fullmatch(w):
            return
        for start in range(len(text) - len(w) + 1):
            end = start + len(w)
            piece = lowered[start:end]
            if _free(spans, start, end) and CJK.fullmatch(piece) and _one_off(piece, w):
                found.append(_mention(start, end, owners, FUZZY, text[start:end]))
                spans.append((start, end))

    for w, owners in words:
        exact(w, owners)
        # A long word with one typo (机油滤心) is likelier than the short word inside it (机油).
        if fuzzy and len(w) >= 4:
            approximate(w, owners)
    found += _token_mentions(text, lowered, entries, spans)
    if fuzzy:
        for w, owners in words:
            if len(w) == 3:
                approximate(w, owners)
    return sorted(found, key=lambda m: m.start)


def _token_mentions(
    text: str, lowered: str, entries: tuple[Entry, ...], spans: list[tuple[int, int]]
) -> list[Mention]:
    """Words of long names standing together (博世 刹车片 A100) as one product: the SKUs every word belongs to."""
    hits: list[tuple[int, int, set[str]]] = []
    by_key = {e.key: e for e in entries}
    for w, owners in _owners(entries, "tokens"):
        start = lowered.find(w)
        while start >= 0:
            end = start + len(w)
            if _free(spans, start, end) and _bounded(lowered, start, end):
                hits.append((start, end, {e.key for e in owners}))
                spans.append((start, end))
            start = lowered.find(w, end)
    hits.sort()
    groups: list[list[tuple[int, int, set[str]]]] = []
    for hit in hits:
        if groups and JOINERS.match(lowered[groups[-1][-1][1] : hit[0]]):
            groups[-1].append(hit)
        else:
            groups.append([hit])
    out = []
    for group in groups:
        keys = set.intersection(*(h[2] for h in group)) or set.union(*(h[2] for h in group))
        start, end = group[0][0], _extended(lowered, group[-1][1], [by_key[k] for k in keys])
        owners = tuple(by_key[k] for k in sorted(keys))
        out.append(_mention(start, end, owners, 1.0, text[start:end]))
    return out


def _extended(lowered: str, end: int, entries: list[Entry]) -> int:
    """A product's span grown over the short words of its name that follow (美孚 1号): they are not a date."""
    rest = lowered[end:]
    gap = len(rest) - len(rest.lstrip())
    for e in entries:
        for part in e.name.lower().split():
            if part not in e.tokens and rest[gap:].startswith(part):
                return end + gap + len(part)
    return end


def _bounded(lowered: str, start: int, end: int) -> bool:
    """A model code is a whole word: A100 is not inside XA1000."""
    before = lowered[start - 1] if start else " "
    after = lowered[end] if end < len(lowered) else " "
    word = lowered[start:end]
    return not (word[0].isascii() and before.isascii() and before.isalnum()) and not (
        word[-1].isascii() and after.isascii() and after.isalnum()
    )


def longer_unknown(text: str, mention: Mention, others: list[Mention]) -> str | None:
    """The longer product a mention is only the start of (雨刮电机, 机油泵), or None."""
    rest = text[mention.end :]
    if any(o.start == mention.end for o in others):
        return None
    part = next((w for w in PART_WORDS if rest.startswith(w)), None)
    return mention.text + part if part else None


def _name_tokens(name: str, words: tuple[str, ...]) -> tuple[str, ...]:
    """The words of a long name worth matching alone: Chinese words of two or more characters, model codes with
    a letter (A100型 and A100, W712/95 and W712, 5W-30); plain numbers and sizes like 4L are too common."""
    out: list[str] = []
    for part in name.split():
        pieces = [part, part.removesuffix("型"), part.split("/")[0]]
        for p in pieces:
            cjk_word = CJK.fullmatch(p) and len(p) >= 2
            code = len(p) >= 3 and re.search(r"[A-Za-z]", p) and re.fullmatch(r"[\w./-]+", p)
            if (cjk_word or code) and p not in out:
                out.append(p)
    return tuple(t for t in out if t not in words) if len(name.split()) > 1 else ()


def catalog_from_rows(customers: list[dict[str, Any]], products: list[dict[str, Any]]) -> Catalog:
    """Catalog entries from customer and SKU rows (name, company, aliases; code, name, aliases)."""

    def words(*values: Any) -> tuple[str, ...]:
        out: list[str] = []
        for v in values:
            if v:
                out += [w.strip() for w in re.split(r"[,，、;；]", str(v)) if w.strip()]
        return tuple(dict.fromkeys(out))

    def product(p: dict[str, Any]) -> Entry:
        name = str(p["name"])
        own = words(p.get("key"), name, name.replace(" ", "") if " " in name else None, p.get("aliases"))
        return Entry(str(p["key"]), name, own, p, _name_tokens(name, own))

    return Catalog(
        tuple(
            Entry(str(c["key"]), str(c["name"]), words(c.get("name"), c.get("company"), c.get("aliases")), c)
            for c in customers
        ),
        tuple(product(p) for p in products),
    )
