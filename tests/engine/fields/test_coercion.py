"""Per type, a table of awkward spreadsheet values → the stored value or the reason it is refused."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

import polars as pl
import pytest
from pydantic import TypeAdapter

from engine.fields import FIELD_TYPES, AnyField, FieldBase

ADAPTER = TypeAdapter(AnyField)
OPTIONS = [{"value": "vip", "label": "VIP"}, {"value": "rush", "label": "加急"}]


def make(type_: str, **extra: Any) -> FieldBase:
    return ADAPTER.validate_python({"type": type_, "name": "f", "label": "F", **extra})


CASES: list[tuple[str, dict[str, Any], Any, Any]] = [
    ("text", {}, "  王总\u3000", "王总"),
    ("text", {}, 123.0, "123"),
    ("text", {}, "", None),
    ("integer", {}, "1,234", 1234),
    ("integer", {}, " 12 ", 12),
    ("integer", {}, 7.0, 7),
    ("decimal", {"scale": 2}, "3.14159", Decimal("3.14")),
    ("money", {}, "¥1,234.50", Decimal("1234.50")),
    ("money", {}, "￥88元", Decimal("88.00")),
    ("money", {}, 12.3, Decimal("12.30")),
    ("money", {}, "144,912,174.17", Decimal("144912174.17")),  # float cents would call this 3 decimals
    ("money", {}, "12345678901234.56", Decimal("12345678901234.56")),
    ("money", {}, "1.230", Decimal("1.23")),
    ("boolean", {}, "是", True),
    ("boolean", {}, "×", False),
    ("boolean", {}, "Yes", True),
    ("date", {}, "2026-03-15", date(2026, 3, 15)),
    ("date", {}, "2026/3/15", date(2026, 3, 15)),
    ("date", {}, "2026年3月15日", date(2026, 3, 15)),
    ("date", {}, 46096, date(2026, 3, 15)),
    ("datetime", {}, "2026/3/15 14:05", datetime(2026, 3, 15, 14, 5)),
    ("datetime", {}, "2026-03-15T14:05:09.123Z", datetime(2026, 3, 15, 14, 5, 9)),
    ("datetime", {}, 46096.5, datetime(2026, 3, 15, 12, 0)),
    ("datetime", {}, "46097.4375", datetime(2026, 3, 16, 10, 30)),  # an Excel serial read as text
    ("single_select", {"options": OPTIONS}, "加急", "rush"),
    ("single_select", {"options": OPTIONS}, "VIP", "vip"),
    ("multi_select", {"options": OPTIONS}, "VIP，加急", ["vip", "rush"]),
    ("multi_select", {"options": OPTIONS}, ["rush", "rush"], ["rush"]),
    ("phone", {}, "138 0013 8000", "13800138000"),
    ("phone", {}, "+86-138-0013-8000", "13800138000"),
    ("phone", {}, "１３８００１３８０００", "13800138000"),
    ("phone", {}, "138****1234", "138****1234"),
    ("phone", {}, "021-62345678", "021-62345678"),
    ("phone", {}, "(0755)88888888", "0755-88888888"),
    ("email", {}, "Wang@Example.COM", "wang@example.com"),
    ("link", {"url_template": "https://www.kuaidi100.com/chaxun?nu={value}"}, "SF1234567890", "SF1234567890"),
    ("autonumber", {}, "SO202611230001", "SO202611230001"),
    ("relation", {"table": "orders"}, "SO1", "SO1"),
]

REFUSED: list[tuple[str, dict[str, Any], Any, str]] = [
    ("text", {"max_length": 3}, "abcd", "longer than 3"),
    ("text", {"pattern": "[A-Z]{2}-[0-9]+"}, "bp-1", "does not match"),
    ("integer", {}, "1.5", "not a whole number"),
    ("integer", {}, "abc", "not a number"),
    ("integer", {"minimum": 1}, "0", "below the minimum 1"),
    ("integer", {"maximum": 10}, 11, "above the maximum 10"),
    ("money", {}, "1.234", "more than 2 decimals"),
    ("money", {}, "一百", "not an amount of money"),
    ("boolean", {}, "maybe", "not yes/no"),
    ("date", {}, "2026-13-45", "not a date"),
    ("date", {"minimum": "2026-01-01"}, "2025-12-31", "before 2026-01-01"),
    ("datetime", {}, "tomorrow", "not a date and time"),
    ("single_select", {"options": OPTIONS}, "普通", "not one of the options"),
    ("multi_select", {"options": OPTIONS}, "VIP,普通", "not an option"),
    ("phone", {}, "12345", "not a phone number"),
    ("phone", {"allow_masked": False}, "138****1234", "not a phone number"),
    ("email", {}, "wang@", "not an e-mail address"),
    ("link", {"url_template": "https://t.example/{value}"}, "SF 123", "contains spaces"),
]


@pytest.mark.parametrize(("type_", "extra", "raw", "expected"), CASES)
def test_accepts(type_: str, extra: dict[str, Any], raw: Any, expected: Any) -> None:
    result = make(type_, **extra).coerce(raw)
    assert result.problem is None
    assert result.value == expected


@pytest.mark.parametrize(("type_", "extra", "raw", "reason"), REFUSED)
def test_refuses_with_reason(type_: str, extra: dict[str, Any], raw: Any, reason: str) -> None:
    result = make(type_, **extra).coerce(raw)
    assert result.value is None
    assert reason in str(result.problem)
    assert repr(str(raw)).strip("'") in str(result.problem) or str(raw) in str(result.problem)


@pytest.mark.parametrize("type_", ["text", "integer", "money", "date", "phone", "boolean"])
def test_blank_is_missing_not_an_error(type_: str) -> None:
    for blank in (None, "", "   ", "\u3000"):
        assert make(type_).coerce(blank).value is None
        assert make(type_).coerce(blank).problem is None


def test_column_path_agrees_with_scalar_path() -> None:
    raws = ["1,234", "x", None, " 7 ", "1.5"]
    field = make("integer")
    values, problems = field.coerce_series(pl.Series(raws))
    for raw, value, problem in zip(raws, values, problems, strict=True):
        scalar = field.coerce(raw)
        assert (scalar.value, scalar.problem) == (value, problem)


def test_unreadable_python_object_is_a_problem_not_a_crash() -> None:
    result = make("money").coerce(object())
    assert result.value is None and "cannot be read as money" in str(result.problem)


def test_every_registered_type_has_a_case() -> None:
    covered = {c[0] for c in CASES} | {"long_text", "lookup", "computed"}
    assert covered == set(FIELD_TYPES)


def test_scalar_blanks_are_exactly_what_polars_strips() -> None:
    from engine.fields.base import BLANKS

    chars = [chr(c) for c in range(0x3100) if not 0xD800 <= c <= 0xDFFF]  # White_Space ends at U+3000
    stripped = pl.Series([c + "a" + c for c in chars]).str.strip_chars().to_list()
    assert {c for c, s in zip(chars, stripped, strict=True) if s == "a"} == set(BLANKS)
