"""Numbers as people and platforms write them (full-width digits from a Chinese IME, a unit after a count,
¥ and thousands separators) read the same through the form path (one value) and the import path (a column)."""

from __future__ import annotations

import polars as pl
from hypothesis import given
from hypothesis import strategies as st

from engine.fields.base import cached_exprs
from engine.fields.numbers import FULL_WIDTH, IntegerField, MoneyField

QTY = IntegerField(name="qty", label="数量", minimum=0)
PRICE = MoneyField(name="price", label="单价", minimum=0)
WIDE = {v: k for k, v in FULL_WIDTH.items()}


def _column(field, values: list[str]) -> list[object]:
    value, _ = cached_exprs(field, field.name, pl.String)
    return pl.DataFrame({field.name: values}).select(value)[field.name].to_list()


def _wide(text: str, mask: list[bool]) -> str:
    return "".join(WIDE.get(ch, ch) if mask[i % len(mask)] else ch for i, ch in enumerate(text))


@given(
    st.integers(0, 10**6),
    st.lists(st.booleans(), min_size=8, max_size=8),
    st.sampled_from(["", "件", " 个", "pcs", "盒"]),
)
def test_a_count_reads_the_same_on_the_form_and_in_an_import(n: int, mask: list[bool], unit: str) -> None:
    typed = _wide(str(n), mask) + unit
    assert QTY.coerce(typed).value == n
    assert _column(QTY, [typed]) == [n]


@given(st.integers(0, 10**7), st.integers(0, 99), st.lists(st.booleans(), min_size=12, max_size=12))
def test_money_reads_the_same_on_the_form_and_in_an_import(yuan: int, fen: int, mask: list[bool]) -> None:
    typed = "¥" + _wide(f"{yuan:,}.{fen:02d}", mask)
    single = PRICE.coerce(typed).value
    assert single is not None and str(single) == f"{yuan}.{fen:02d}"
    assert _column(PRICE, [typed]) == [single]


def test_a_count_in_words_is_refused_alike() -> None:
    assert QTY.coerce("两件").problem and _column(QTY, ["两件"]) == [None]
