"""The chat parser: numerals, dates, items and confidence; and its accuracy on the labelled messages."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.chat_accuracy import load_all, load_catalog, load_labelled, measure, routed_to_order
from connectors.chat_parser import cn_number, find_date, parse

DIGITS = "零一二三四五六七八九"
TUESDAY = date(2026, 3, 10)


def chinese(n: int) -> str:
    """An independent writer of Chinese numerals below 10,000 (三千零五, 一百二十, 十五)."""
    if n == 0:
        return "零"
    out, zero = "", False
    for value, name in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = n // value % 10
        if d:
            if zero and out:
                out += "零"
            out += ("" if (value == 10 and d == 1 and not out) else DIGITS[d]) + name
            zero = False
        elif out:
            zero = True
    return out


@given(st.integers(min_value=1, max_value=9999))
def test_chinese_numerals_read_back(n):
    assert cn_number(chinese(n)) == n


@pytest.mark.parametrize(
    ("text", "value"), [("两千五", 2500), ("两", 2), ("十", 10), ("一二", 12), ("三万", 30000), ("abc", None)]
)
def test_spoken_numerals(text, value):
    assert cn_number(text) == value


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("3月15日前到", date(2026, 3, 15)),
        ("明天", date(2026, 3, 11)),
        ("后天", date(2026, 3, 12)),
        ("大后天", date(2026, 3, 13)),
        ("下周三", date(2026, 3, 18)),
        ("下下周二", date(2026, 3, 24)),
        ("周一", date(2026, 3, 16)),  # this week's Monday is past
        ("本周四", date(2026, 3, 12)),
        ("月底", date(2026, 3, 31)),
        ("下个月10号", date(2026, 4, 10)),
        ("5号", date(2026, 4, 5)),  # the 5th has passed this month
        ("3天内", date(2026, 3, 13)),
        ("2026-04-01前", date(2026, 4, 1)),
        ("1月5日", date(2027, 1, 5)),  # said in March about January: next year
        ("随便", None),
    ],
)
def test_dates_relative_to_the_message(text, due):
    assert find_date(text, TUESDAY)[0] == due


def test_the_issue_example():
    catalog, now = load_catalog()
    got = parse("王总 发300件转向节,3月15日前到", catalog, now)
    assert got.as_dict() == {
        "intent": "order",
        "customer": "C01",
        "customer_text": "王总",
        "items": [{"sku": "ZXJ-01", "product": "转向节", "qty": 300, "unit": "件"}],
        "due": "2026-03-15",
        "order_ref": None,
        "confidence": 1.0,
        "reasons": [],
        "is_order": True,
    }


def test_unsure_messages_say_why():
    catalog, now = load_catalog()
    typo = parse("王总 转向结300件", catalog, now)
    assert typo.items[0].sku == "ZXJ-01" and typo.confidence < 0.8
    assert typo.reasons == ["转向结: approximate match or no unit"]
    two = parse("王总和李姐各要转向节100件", catalog, now)
    assert not routed_to_order(two) and two.reasons[0] == "several customers named: 李姐、王总"
    nothing = parse("在吗？", catalog, now)
    assert not nothing.is_order


def test_accuracy_on_the_labelled_set():
    result = measure()
    assert result["messages"] >= 300
    assert result["field_accuracy"] >= 0.97, result["misses"]
    assert result["routing_accuracy"] >= 0.97, result["misses"]
    # The figure that matters: a message that became a wrong order with nobody looking.
    assert result["wrong_order_rate"] <= 0.005, [m for m in result["misses"] if m["wrong_order"]]
    assert set(result["files"]) == {"labelled.txt", "as_typed.txt", "parts.txt"}


def test_the_labelled_set_is_varied():
    everything = load_all()
    assert {m.intent for m in everything} == {"order", "change", "cancel", "quote", "defer", "other"}
    assert sum(m.intent not in ("order", "other") for m in everything) >= 50
    spoken = " ".join(m.text for m in everything)
    assert all(w in spoken for w in ("1k", "1百", "两百五", "3打", "一百二 ", "每盒4个", "国庆前", "元旦前", "春节前",
                                     "月中", "月初", "节后", "「", "🙏", "不对", "雨刮电机"))  # fmt: skip
    labelled = load_labelled()
    texts = " ".join(m.text for m in labelled)
    units = {u for m in labelled for _, _, u in m.items if u}
    assert {"件", "套", "箱", "个"} <= units
    assert all(word in texts for word in ("下周三", "明天", "月底", "各", "两", "x", "×"))
    assert sum(len(m.items) > 1 for m in labelled) >= 20
    assert sum(m.review for m in labelled) >= 20
    assert len({m.text for m in labelled}) == len(labelled)


def test_the_sender_names_the_customer_when_the_text_does_not():
    catalog, now = load_catalog()
    got = parse("刹车片再来50套，明天到", catalog, now, sender="李秀英")
    assert (got.customer, got.confidence) == ("C02", 0.95)
    assert parse("刹车片再来50套", catalog, datetime(2026, 3, 10), sender="路人甲").customer is None
