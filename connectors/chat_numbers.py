"""Numbers as people write them in chat (三百, 两百五, 一百二 箱, 1k, 2w, 1百, 3打, ３００, 3️⃣0️⃣0️⃣), turned
into plain digits before the parser looks for quantities; ranges and rough counts (二三十, 十来个, 几箱) are
left as written so they are never read as one exact quantity."""

from __future__ import annotations

import re

UNITS = "件套箱个只条台盒包桶卷米对支瓶袋副组根块片把张"
CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "俩": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
             "八": 8, "九": 9}  # fmt: skip
CN_UNITS = {"十": 10, "百": 100, "千": 1000, "万": 10000}
CN_NUM = "零〇一二两俩三四五六七八九十百千万"
FULL = str.maketrans("０１２３４５６７８９，：；（）＊Ｘｘ！？～＠", "0123456789,:;()*Xx!?~@")
MULTIPLIERS = {"k": 1000, "K": 1000, "w": 10000, "W": 10000, "百": 100, "千": 1000, "万": 10000}
DOZEN = 12
# 二三十, 三四百: two digits side by side before a unit are a range, not 23 or 34.
RANGE = re.compile(r"^[一二两三四五六七八九]{2}[十百千万]$")


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


def _spoken(m: re.Match[str]) -> str:
    words = m.group(1)
    if RANGE.match(words):
        return words
    n = cn_number(words)
    return f"{n}" if n is not None else words


def _multiplied(m: re.Match[str]) -> str:
    value = float(m.group(1)) * MULTIPLIERS[m.group(2)]
    return f"{value:g}" if not value.is_integer() else str(int(value))


def normalise(text: str) -> str:
    """Half-width digits and punctuation, keycap emoji as digits, 週 as 周; spoken numerals, 1k/2w/1百 and
    dozens (3打 → 36个) as plain digits."""
    out = text.translate(FULL).replace("\u3000", " ").replace("\ufe0f", "").replace("\u20e3", "")
    out = out.replace("週", "周").replace("禮拜", "礼拜")
    # A numeral before a unit or date word, a space allowed (一百二 箱); or one with 十/百/千/万 standing alone
    # (转向节 三百) — a bare 三 stays, it is too often part of a word (三角臂, 周三).
    out = re.sub(rf"(?<!\d)([{CN_NUM}]+)(?=\s?[{UNITS}号日月天周点打])", _spoken, out)
    out = re.sub(rf"(?<![{CN_NUM}\d])([{CN_NUM}]*[十百千万][{CN_NUM}]*)(?=[\s,，。;；!！]|$)", _spoken, out)
    # 1k, 2w, 1百: a multiplier letter right after digits, not an oil grade (5W-30) or a model (W712).
    out = re.sub(r"(\d+(?:\.\d+)?)\s?([kKwW百千万])(?![-\w])", _multiplied, out)
    out = re.sub(r"(\d+(?:\.\d+)?)\s?([kKwW百千万])(?=[\s" + UNITS + r"])", _multiplied, out)
    return re.sub(r"(\d+)\s?打", lambda m: f"{int(m.group(1)) * DOZEN}个", out)
