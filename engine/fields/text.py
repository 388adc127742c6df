"""Text and long-text fields: trimmed strings with optional length and pattern limits."""

from __future__ import annotations

import re
from typing import Any, Literal

import polars as pl
from pydantic import Field, field_validator

from engine.fields.base import NOT_QUICK, FieldBase, StringField, first_problem, is_trimmed_text, problem_when


def as_text(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Render any raw column as text; whole floats lose their '.0' (Excel stores 123 as 123.0)."""
    if dtype.is_float():
        whole = raw.round(0) == raw
        return (
            pl.when(whole)
            .then(raw.cast(pl.Int64, strict=False).cast(pl.String))
            .otherwise(raw.cast(pl.String))
        )
    if dtype == pl.String:
        return raw
    return raw.cast(pl.String)


def lengths_within(column: pl.Series, low: int | None, high: int | None) -> bool:
    """True if every text value's length in characters is within [low, high]."""
    if low is None and high is None:
        return True
    lengths = column.drop_nulls().str.len_chars()
    return lengths.is_empty() or (
        (low is None or lengths.min() >= low) and (high is None or lengths.max() <= high)
    )  # type: ignore[operator]


def is_clean_code(column: pl.Series) -> bool:
    """True if a column is text codes already in stored form: non-empty, no White_Space anywhere."""
    if column.dtype != pl.String:
        return False
    values = column.drop_nulls()
    return not bool((values.str.contains(r"\s") | (values.str.len_bytes() == 0)).any())


def code_text(raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
    """A code such as a tracking or order number: text without inner spaces."""
    value = as_text(raw, dtype)
    return value, problem_when(value.str.contains(r"\s"), raw, "contains spaces")


def quick_code(raw: Any) -> Any:
    """A plain ASCII code without spaces is stored as typed."""
    return raw if type(raw) is str and raw.isascii() and raw.isprintable() and " " not in raw else NOT_QUICK


class TextField(StringField):
    """Single-line text."""

    type: Literal["text"] = "text"
    widget = "text"
    min_length: int | None = Field(None, ge=0)
    max_length: int | None = Field(None, ge=1)
    pattern: str | None = Field(None, description="Regular expression the whole value must match.")

    @field_validator("pattern")
    @classmethod
    def _pattern_compiles(cls, value: str | None) -> str | None:
        if value is not None:
            try:
                re.compile(value)
            except re.error as exc:
                raise ValueError(f"pattern {value!r} is not a valid regular expression: {exc}") from exc
        return value

    def widens_to(self, other: FieldBase) -> bool:
        return isinstance(other, TextField | LongTextField)

    def is_clean_column(self, column: pl.Series) -> bool:
        return (
            self.pattern is None
            and is_trimmed_text(column)
            and lengths_within(column, self.min_length, self.max_length)
        )

    def quick_value(self, raw: Any) -> Any:
        if type(raw) is not str or self.pattern is not None:
            return NOT_QUICK
        too_long = self.max_length is not None and len(raw) > self.max_length
        too_short = self.min_length is not None and len(raw) < self.min_length
        return NOT_QUICK if too_long or too_short else raw

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        text = as_text(raw, dtype)
        problems = []
        if self.max_length is not None:
            problems.append(
                problem_when(
                    text.str.len_chars() > self.max_length, text, f"is longer than {self.max_length}"
                )
            )
        if self.min_length is not None:
            problems.append(
                problem_when(
                    text.str.len_chars() < self.min_length, text, f"is shorter than {self.min_length}"
                )
            )
        if self.pattern is not None:
            anchored = f"^(?:{self.pattern})$"
            problems.append(
                problem_when(~text.str.contains(anchored), text, f"does not match pattern {self.pattern!r}")
            )
        return text, first_problem(*problems) if problems else pl.lit(None, pl.String)


class LongTextField(StringField):
    """Multi-line text such as remarks."""

    type: Literal["long_text"] = "long_text"
    widget = "textarea"
    max_length: int | None = Field(None, ge=1)

    def widens_to(self, other: FieldBase) -> bool:
        return isinstance(other, LongTextField)

    def is_clean_column(self, column: pl.Series) -> bool:
        return is_trimmed_text(column) and lengths_within(column, None, self.max_length)

    def quick_value(self, raw: Any) -> Any:
        if type(raw) is not str or (self.max_length is not None and len(raw) > self.max_length):
            return NOT_QUICK
        return raw

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        text = as_text(raw, dtype)
        if self.max_length is None:
            return text, pl.lit(None, pl.String)
        too_long = problem_when(
            text.str.len_chars() > self.max_length, text, f"is longer than {self.max_length}"
        )
        return text, too_long
