"""Numbers as people write them in chat become digits; ranges and rough counts stay as written."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from connectors.chat_numbers import normalise


@pytest.mark.parametrize(
    ("text", "plain"),
    [
        ("1k个", "1000个"),
        ("1.5k桶", "1500桶"),
        ("2w个", "20000个"),
        ("1百套", "100套"),
        ("两百五 条", "250 条"),
        ("一百二 箱", "120 箱"),
        ("3打", "36个"),
        ("两打", "24个"),
        ("转向节 三百", "转向节 300"),
        ("３００件", "300件"),
        ("3️⃣0️⃣0️⃣件", "300件"),
        ("下週一", "下周一"),
        ("三月十五日", "3月15日"),
    ],
)
def test_spoken_and_shorthand_numbers_become_digits(text, plain):
    assert normalise(text) == plain


@pytest.mark.parametrize("text", ["二三十箱", "十来条", "几桶", "5W-30 4L", "下周三", "三角臂", "W712/95"])
def test_ranges_grades_and_words_stay_as_written(text):
    assert normalise(text) == text


@given(st.integers(min_value=1, max_value=99), st.sampled_from(["k", "K", "w", "W"]))
def test_a_multiplier_letter_multiplies(n, letter):
    factor = 1000 if letter in "kK" else 10000
    assert normalise(f"{n}{letter}个") == f"{n * factor}个"


@given(st.integers(min_value=1, max_value=500))
def test_dozens_are_twelve(n):
    assert normalise(f"{n}打") == f"{n * 12}个"
