"""Identifiers made from labels, so a builder never has to type one: 是否含定制件 → shi_fou_han_ding_zhi_jian,
"Delivery date" or "Carriers 承运商" → delivery_date, carriers; unique among those taken (…_2, …_3) and always a valid name."""

from __future__ import annotations

import re
from collections.abc import Collection

from pypinyin import lazy_pinyin

from engine.fields.base import NAME_PATTERN

MAX_LENGTH = 40


def identifier_from_label(label: str, taken: Collection[str] = (), fallback: str = "field") -> str:
    """A lowercase identifier from a label's pinyin and Latin letters, not in `taken`."""
    # A label with Latin words of its own ("Carriers 承运商") is named by them; a Chinese one by its pinyin.
    latin = re.sub(r"[^A-Za-z0-9]+", " ", label) if re.search(r"[A-Za-z]{2,}", label) else None
    words = (latin or " ".join(lazy_pinyin(label.strip()))).lower()
    stem = re.sub(r"[^a-z0-9]+", "_", words).strip("_")[:MAX_LENGTH].strip("_")
    if not re.match(r"^[a-z]", stem):
        stem = f"{fallback}_{stem}".strip("_")
    name, n = stem, 2
    while name in taken:
        suffix = f"_{n}"
        name, n = stem[: MAX_LENGTH - len(suffix)] + suffix, n + 1
    assert re.fullmatch(NAME_PATTERN, name), name
    return name
