"""The single-record shortcut (quick_value) must give exactly what the vectorised polars path gives."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

import polars as pl
from hypothesis import example, given, settings
from hypothesis import strategies as st
from pydantic import TypeAdapter

from engine.fields import AnyField, FieldBase
from engine.fields.base import NOT_QUICK

ADAPTER = TypeAdapter(AnyField)
OPTIONS = [
    {"value": "vip", "label": "VIP"},
    {"value": "rush", "label": "加急"},
    {"value": "B2B", "label": "批发"},
]
FIELDS: dict[str, FieldBase] = {
    "text": ADAPTER.validate_python(
        {"type": "text", "name": "f", "label": "F", "max_length": 8, "min_length": 2}
    ),
    "long_text": ADAPTER.validate_python({"type": "long_text", "name": "f", "label": "F", "max_length": 30}),
    "integer": ADAPTER.validate_python(
        {"type": "integer", "name": "f", "label": "F", "minimum": -50, "maximum": 10**13}
    ),
    "money": ADAPTER.validate_python({"type": "money", "name": "f", "label": "F", "minimum": 0}),
    "boolean": ADAPTER.validate_python({"type": "boolean", "name": "f", "label": "F"}),
    "date": ADAPTER.validate_python({"type": "date", "name": "f", "label": "F", "minimum": "2000-01-01"}),
    "datetime": ADAPTER.validate_python({"type": "datetime", "name": "f", "label": "F"}),
    "single_select": ADAPTER.validate_python(
        {"type": "single_select", "name": "f", "label": "F", "options": OPTIONS}
    ),
    "multi_select": ADAPTER.validate_python(
        {"type": "multi_select", "name": "f", "label": "F", "options": OPTIONS}
    ),
    "phone": ADAPTER.validate_python({"type": "phone", "name": "f", "label": "F"}),
    "email": ADAPTER.validate_python({"type": "email", "name": "f", "label": "F"}),
    "link": ADAPTER.validate_python(
        {"type": "link", "name": "f", "label": "F", "url_template": "https://t.example/{value}"}
    ),
    "autonumber": ADAPTER.validate_python({"type": "autonumber", "name": "f", "label": "F"}),
    "relation": ADAPTER.validate_python({"type": "relation", "name": "f", "label": "F", "table": "t"}),
}

texts = st.text(
    alphabet=st.sampled_from([*"aZ09 -_.@*，、VIPvip加急批发B2B\u3000\t", "1", "3", "8"]), max_size=14
)
inputs = st.one_of(
    st.none(),
    texts,
    st.from_regex(r"1[3-9][0-9]{9}|0[0-9]{2,3}-[0-9]{7,8}|1[3-9][0-9]\*{4}[0-9]{4}", fullmatch=True),
    st.from_regex(r"-?[0-9]{1,14}(\.[0-9]{1,3})?", fullmatch=True),
    st.from_regex(r"[a-z0-9.]{1,8}@[a-z]{2,6}\.(com|cn)", fullmatch=True),
    st.integers(min_value=-(10**16), max_value=10**16),
    st.booleans(),
    st.dates(min_value=date(1990, 1, 1), max_value=date(2100, 1, 1)),
    st.datetimes(min_value=datetime(1800, 1, 1), max_value=datetime(2200, 1, 1)),
    st.lists(st.sampled_from(["VIP", "vip", "加急", "b2b", "批发", "x", " vip", ""]), max_size=4),
)


def polars_path(field: FieldBase, raw: Any) -> tuple[Any, Any]:
    if isinstance(raw, list):
        series = pl.Series("v", [raw], dtype=pl.List(pl.String))
    else:
        series = pl.Series("v", [raw])
    values, problems = field.coerce_series(series)
    value = values[0]
    return (value.to_list() if isinstance(value, pl.Series) else value), problems[0]


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(FIELDS)), inputs)
@example("datetime", "0000011")  # fits %Y%m%d as year 0, which no Python date holds
def test_form_path_agrees_with_polars(type_name: str, raw: Any) -> None:
    """field.coerce (blank check, then the shortcut, then polars) equals the vectorised path exactly."""
    field = FIELDS[type_name]
    coerced = field.coerce(raw)
    if isinstance(raw, list) and type_name != "multi_select":
        assert coerced.value is None and "cannot be read as" in str(coerced.problem)
        return
    value, problem = polars_path(field, raw)
    assert (coerced.value, coerced.problem) == (value, problem), (type_name, raw)
    assert type(coerced.value) is type(value)


def test_quick_path_is_taken_for_clean_form_values() -> None:
    assert FIELDS["integer"].quick_value(42) == 42
    assert FIELDS["single_select"].quick_value("加急") == "rush"
    assert FIELDS["phone"].quick_value("13800138000") == "13800138000"
    assert FIELDS["phone"].quick_value("138 0013 8000") is NOT_QUICK
    assert FIELDS["money"].quick_value("1.234") is NOT_QUICK  # refusals always come from the polars path


columns = st.one_of(
    st.lists(st.one_of(st.none(), texts), min_size=1, max_size=6).map(
        lambda v: pl.Series("f", v, dtype=pl.String)
    ),
    st.lists(st.one_of(st.none(), st.integers(-100, 10**14)), min_size=1, max_size=6).map(
        lambda v: pl.Series("f", v, dtype=pl.Int64)
    ),
    st.lists(
        st.one_of(st.none(), st.datetimes(min_value=datetime(1990, 1, 1), max_value=datetime(2100, 1, 1))),
        min_size=1,
        max_size=6,
    ).map(lambda v: pl.Series("f", v, dtype=pl.Datetime("us"))),
    st.lists(st.sampled_from(["vip", "rush", "B2B", "VIP", None, "x"]), min_size=1, max_size=6).map(
        lambda v: pl.Series("f", v, dtype=pl.String)
    ),
)


@settings(max_examples=400, deadline=None)
@given(st.sampled_from(sorted(FIELDS)), columns)
def test_clean_columns_come_out_unchanged(type_name: str, column: pl.Series) -> None:
    """A column a type calls clean is exactly what the full vectorised coercion would store."""
    field = FIELDS[type_name]
    if not field.is_clean_column(column):
        return
    values, problems = field.coerce_series(column)
    assert problems.null_count() == len(column), (type_name, column.to_list(), problems.to_list())
    assert values.to_list() == column.cast(field.polars_dtype()).to_list()


iso_cells = st.one_of(
    st.datetimes(min_value=datetime(1950, 1, 1), max_value=datetime(2099, 12, 31)).map(
        lambda d: d.strftime("%Y-%m-%d %H:%M:%S")
    ),
    st.sampled_from(
        ["", "  ", None, "2026/3/15 14:05", "2026-03-15 14:05", "46097.4375", "2026-02-30 10:00:00"]
    ),
)


@settings(max_examples=300, deadline=None)
@given(st.lists(iso_cells, min_size=1, max_size=12))
def test_the_fast_datetime_column_agrees_with_the_full_path(cells: list[str | None]) -> None:
    field = ADAPTER.validate_python(
        {"type": "datetime", "name": "f", "label": "F", "minimum": "1960-01-01T00:00:00"}
    )
    column = pl.Series("f", cells, dtype=pl.String)
    fast = field.fast_column(column)
    full, problems = field.coerce_series(column)
    if fast is not None and field.is_clean_column(fast):
        assert fast.to_list() == full.to_list() and problems.null_count() == len(cells)
