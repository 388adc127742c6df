"""Dates chat messages ask for: month parts and public holidays, relative to when the message was sent."""

from __future__ import annotations

from datetime import date

import pytest

from connectors.chat_dates import distinct_dates, festival_day, find_date

TUESDAY = date(2026, 3, 10)


@pytest.mark.parametrize(
    ("text", "due"),
    [
        ("国庆前", date(2026, 9, 30)),
        ("国庆节之前", date(2026, 9, 30)),
        ("元旦前", date(2026, 12, 31)),
        ("春节前到", date(2027, 2, 5)),  # 2026's Spring Festival has passed: 2027-02-06
        ("过年前", date(2027, 2, 5)),
        ("月中", date(2026, 3, 15)),
        ("下个月中", date(2026, 4, 15)),
        ("月初", date(2026, 4, 5)),  # the 10th: this month's beginning has passed
        ("下月初", date(2026, 4, 5)),
        ("节后", date(2026, 4, 7)),  # the next holiday is 清明 (4-5, two days off)
        ("国庆后", date(2026, 10, 8)),
        ("元旦前后都行", None),
        ("送3号仓库", None),
        ("美孚1号", date(2026, 4, 1)),  # on its own 1号 is a day; inside a product name it is not (below)
    ],
)
def test_month_parts_and_holidays(text, due):
    assert find_date(text, TUESDAY)[0] == due


def test_text_taken_by_a_product_is_not_a_date():
    assert find_date("美孚1号 12桶", TUESDAY, [(0, 4)]) == (None, [])


def test_festivals_roll_over_to_next_year():
    assert festival_day("春节", date(2026, 2, 1)) == date(2026, 2, 17)
    assert festival_day("春节", date(2026, 3, 1)) == date(2027, 2, 6)
    assert festival_day("国庆", date(2026, 10, 20)) == date(2027, 10, 1)
    assert festival_day("中秋", date(2031, 1, 1)) is None  # beyond the table: no guess


def test_two_dates_are_counted():
    assert distinct_dates("明天 刹车片 20套 后天 刹车盘 10个", TUESDAY) == {
        date(2026, 3, 11),
        date(2026, 3, 12),
    }
