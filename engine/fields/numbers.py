"""Integer, decimal and money fields; text input may carry thousands separators and currency signs."""

from __future__ import annotations

import re
from decimal import Decimal
from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import Field

from engine.fields.base import NOT_QUICK, FieldBase, Kind, first_problem, problem_when

CURRENCY_MARKS = r"[,，\s¥￥元]|RMB|CNY"
# A count written with its unit (2件, 3 个, 5pcs): the unit goes, the number stays.
COUNT_UNIT = r"\s*(件|个|只|盒|箱|套|台|双|瓶|包|把|条|支|张|袋|罐|桶|份|根|片|卷|(?i:pcs|pc))$"


# What a Chinese IME types for numbers: full-width digits, point, signs and comma.
FULL_WIDTH = {chr(0xFF10 + i): str(i) for i in range(10)} | {"．": ".", "－": "-", "＋": "+", "，": ","}


def half_width(text: pl.Expr) -> pl.Expr:
    """Full-width digits, point, signs and comma as their ASCII forms."""
    return text.str.replace_many(list(FULL_WIDTH), list(FULL_WIDTH.values()))


def to_float(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Read a raw column as Float64; text is made half-width and loses separators and currency marks first."""
    if dtype == pl.String:
        return half_width(raw).str.replace_all(CURRENCY_MARKS, "").cast(pl.Float64, strict=False)
    if dtype == pl.Boolean:
        return pl.lit(None, pl.Float64)
    if dtype.is_numeric():
        return raw.cast(pl.Float64)
    return pl.lit(None, pl.Float64)


def range_problems(
    value: pl.Expr, raw: pl.Expr, minimum: float | None, maximum: float | None
) -> list[pl.Expr]:
    """Problems for values outside [minimum, maximum]."""
    out = []
    if minimum is not None:
        out.append(problem_when(value < minimum, raw, f"is below the minimum {minimum}"))
    if maximum is not None:
        out.append(problem_when(value > maximum, raw, f"is above the maximum {maximum}"))
    return out


def _in_range(value: Any, minimum: Any, maximum: Any) -> bool:
    return (minimum is None or value >= minimum) and (maximum is None or value <= maximum)


def _quick_decimal(raw: Any, scale: int) -> Decimal | None:
    """An int, or plain digits with at most `scale` decimals, as an exact Decimal; else None."""
    if type(raw) is int and abs(raw) < 10**12:
        return Decimal(raw).quantize(Decimal(1).scaleb(-scale))
    if type(raw) is str and re.fullmatch(rf"-?[0-9]{{1,12}}(\.[0-9]{{1,{scale}}})?", raw):
        return Decimal(raw).quantize(Decimal(1).scaleb(-scale))
    return None


class IntegerField(FieldBase):
    """Whole numbers (quantities, counts)."""

    kind: ClassVar[Kind] = "number"

    type: Literal["integer"] = "integer"
    widget = "integer"
    minimum: int | None = None
    maximum: int | None = None
    ordered = True

    def polars_dtype(self) -> pl.DataType:
        return pl.Int64()

    def widens_to(self, other: FieldBase) -> bool:
        return isinstance(other, IntegerField | DecimalField)

    def is_clean_column(self, column: pl.Series) -> bool:
        # Integers from a frame (not text) are clean when inside the limits: two cheap aggregates.
        if not column.dtype.is_integer():
            return False
        values = column.drop_nulls()
        if values.is_empty():
            return True
        low, high = int(values.min()), int(values.max())  # type: ignore[arg-type]
        return max(abs(low), abs(high)) < 10**15 and all(
            _in_range(v, self.minimum, self.maximum) for v in (low, high)
        )

    def quick_value(self, raw: Any) -> Any:
        value = (
            raw
            if type(raw) is int
            else int(raw)
            if type(raw) is str and re.fullmatch(r"-?[0-9]{1,15}", raw)
            else None
        )
        if value is None or abs(value) >= 10**15 or not _in_range(value, self.minimum, self.maximum):
            return NOT_QUICK
        return value

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        number = to_float(raw.str.replace(COUNT_UNIT, "") if dtype == pl.String else raw, dtype)
        whole = number.round(0) == number
        value = pl.when(whole).then(number).cast(pl.Int64, strict=False)
        problems = [
            problem_when(number.is_null(), raw, "is not a number"),
            problem_when(~whole, raw, "is not a whole number"),
            *range_problems(number, raw, self.minimum, self.maximum),
        ]
        return value, first_problem(*problems)


class DecimalField(FieldBase):
    """Fixed-point numbers; extra decimals are rounded to `scale`."""

    kind: ClassVar[Kind] = "number"

    type: Literal["decimal"] = "decimal"
    widget = "number"
    scale: int = Field(4, ge=0, le=8, description="Digits after the decimal point.")
    minimum: float | None = None
    maximum: float | None = None
    ordered = True

    def polars_dtype(self) -> pl.DataType:
        return pl.Decimal(18, self.scale)

    def widens_to(self, other: FieldBase) -> bool:
        return isinstance(other, DecimalField) and other.scale >= self.scale

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        number = to_float(raw, dtype)
        value = number.round(self.scale)
        problems = [
            problem_when(number.is_null(), raw, "is not a number"),
            *range_problems(number, raw, self.minimum, self.maximum),
        ]
        return value, first_problem(*problems)

    def display(self, value: object) -> str:
        return "" if value is None else f"{Decimal(str(value)):.{self.scale}f}"


class MoneyField(FieldBase):
    """An amount in yuan with exactly 2 decimals; more decimals are refused, not rounded."""

    kind: ClassVar[Kind] = "number"

    type: Literal["money"] = "money"
    widget = "number"
    currency: Literal["CNY"] = "CNY"
    minimum: float | None = None
    maximum: float | None = None
    ordered = True

    def polars_dtype(self) -> pl.DataType:
        return pl.Decimal(18, 2)

    def widens_to(self, other: FieldBase) -> bool:
        return isinstance(other, MoneyField) or (isinstance(other, DecimalField) and other.scale >= 2)

    def quick_value(self, raw: Any) -> Any:
        value = _quick_decimal(raw, 2)
        return NOT_QUICK if value is None or not _in_range(value, self.minimum, self.maximum) else value

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        number = to_float(raw, dtype)
        value = number.round(2)
        if dtype == pl.String:
            # Decide on the digits as written: float cents are inexact for large amounts (144912174.17).
            digits = half_width(raw).str.replace_all(CURRENCY_MARKS, "")
            excess = digits.str.contains(r"\.\d{2}\d*[1-9]")
            value = pl.coalesce(digits.cast(pl.Decimal(18, 2), strict=False), value)
        else:
            cents = number * 100
            excess = (cents - cents.round(0)).abs() > 1e-9 * cents.abs() + 1e-6
        problems = [
            problem_when(number.is_null(), raw, "is not an amount of money"),
            problem_when(excess, raw, "has more than 2 decimals"),
            *range_problems(number, raw, self.minimum, self.maximum),
        ]
        return value, first_problem(*problems)

    def display(self, value: object) -> str:
        return "" if value is None else f"¥{Decimal(str(value)):,.2f}"
