"""Date and datetime fields; reads the formats Chinese spreadsheets use and Excel serial numbers.

Datetimes are stored naive, in the workspace's local time (Asia/Shanghai by default).
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any, ClassVar, Literal

import polars as pl

from engine.fields.base import BLANKS, NOT_QUICK, FieldBase, Kind, first_problem, problem_when

DATETIME_FORMATS = (
    "%Y-%m-%d %H:%M:%S",
    "%Y-%m-%dT%H:%M:%S",
    "%Y-%m-%d %H:%M",
    "%Y/%m/%d %H:%M:%S",
    "%Y/%m/%d %H:%M",
    "%Y年%m月%d日 %H:%M:%S",
    "%Y年%m月%d日 %H:%M",
    "%Y年%m月%d日%H:%M",
    "%Y-%m-%d",
    "%Y/%m/%d",
    "%Y.%m.%d",
    "%Y年%m月%d日",
    "%Y%m%d",
    # US exports (TikTok Shop): month first with AM/PM; a day-first sheet sets its column's date format.
    "%m/%d/%Y %I:%M:%S %p",
    "%m/%d/%Y %I:%M %p",
)
# Excel counts days from 1899-12-30 (it keeps Lotus's 1900 leap-year bug); serials 1..2958465 cover 1900..9999.
EXCEL_EPOCH = datetime(1899, 12, 30)
ISO_SECONDS = "%Y-%m-%d %H:%M:%S"
SERIAL_MIN, SERIAL_MAX = 1.0, 2958465.0
US_PER_DAY = 86_400_000_000


def parse_datetime(raw: pl.Expr, dtype: pl.DataType) -> pl.Expr:
    """Read a raw column as Datetime(us): text in known formats, Excel serials, dates and datetimes."""
    if dtype == pl.Datetime or isinstance(dtype, pl.Datetime):
        return raw.dt.replace_time_zone(None).cast(pl.Datetime("us"))
    if dtype == pl.Date:
        return raw.cast(pl.Datetime("us"))
    if dtype.is_numeric():
        return from_serial(raw.cast(pl.Float64))
    if dtype != pl.String:
        return pl.lit(None, pl.Datetime("us"))
    # A seconds fraction goes (…:05.123); a dotted date (2025.10.8) keeps its dots.
    text = raw.str.replace("Z$", "").str.replace(r"(:\d{2})\.\d+$", "$1")
    # Digits such as 0000011 fit %Y%m%d as year 0, which no date can hold (years run 1…9999): not a date.
    parsed = [
        pl.when(p.dt.year() >= 1).then(p)
        for p in (text.str.to_datetime(fmt, strict=False, time_unit="us") for fmt in DATETIME_FORMATS)
    ]
    serial = from_serial(
        raw.str.strip_chars().cast(pl.Float64, strict=False)
    )  # before the seconds-fraction cut
    return pl.coalesce(*parsed, serial)


def from_serial(days: pl.Expr) -> pl.Expr:
    """Convert Excel serial day numbers to datetimes; out-of-range numbers become null."""
    valid = (days >= SERIAL_MIN) & (days <= SERIAL_MAX)
    micros = (days * US_PER_DAY).round(0).cast(pl.Int64, strict=False)
    return pl.when(valid).then(pl.lit(EXCEL_EPOCH) + pl.duration(microseconds=micros))


class DateField(FieldBase):
    """A calendar date."""

    kind: ClassVar[Kind] = "time"

    type: Literal["date"] = "date"
    widget = "date"
    minimum: date | None = None
    maximum: date | None = None
    ordered = True

    def polars_dtype(self) -> pl.DataType:
        return pl.Date()

    def widens_to(self, other: FieldBase) -> bool:
        return isinstance(other, DateField | DatetimeField)

    def quick_value(self, raw: Any) -> Any:
        if type(raw) is not date or not (self.minimum is None or raw >= self.minimum):
            return NOT_QUICK
        return raw if self.maximum is None or raw <= self.maximum else NOT_QUICK

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        value = parse_datetime(raw, dtype).dt.date()
        problems = [problem_when(value.is_null(), raw, "is not a date (e.g. 2026-03-15)")]
        if self.minimum is not None:
            problems.append(problem_when(value < self.minimum, raw, f"is before {self.minimum}"))
        if self.maximum is not None:
            problems.append(problem_when(value > self.maximum, raw, f"is after {self.maximum}"))
        return value, first_problem(*problems)


class DatetimeField(FieldBase):
    """A date and time, to the second."""

    kind: ClassVar[Kind] = "time"

    type: Literal["datetime"] = "datetime"
    widget = "datetime"
    minimum: datetime | None = None
    maximum: datetime | None = None
    ordered = True

    def polars_dtype(self) -> pl.DataType:
        return pl.Datetime("us")

    def is_clean_column(self, column: pl.Series) -> bool:
        # Datetimes from a frame (not text) are clean when whole seconds and inside the limits: cheap aggregates.
        if not isinstance(column.dtype, pl.Datetime) or column.dtype.time_zone is not None:
            return False
        values = column.drop_nulls()
        if values.is_empty():
            return True
        whole = bool((values.dt.truncate("1s") == values).all())
        low, high = values.min(), values.max()
        return (
            whole
            and (self.minimum is None or low >= self.minimum)  # type: ignore[operator]
            and (self.maximum is None or high <= self.maximum)  # type: ignore[operator]
        )

    def fast_column(self, column: pl.Series) -> pl.Series | None:
        # Excel datetimes read as text all look like 2026-03-15 09:12:00: one format instead of ten.
        if column.dtype != pl.String:
            return None
        text = column.str.strip_chars(BLANKS)
        parsed = text.str.to_datetime(ISO_SECONDS, strict=False, time_unit="us")
        blank = text.is_null() | (text == "")
        return parsed if bool((parsed.is_not_null() | blank).all()) else None

    def quick_value(self, raw: Any) -> Any:
        if type(raw) is not datetime or raw.tzinfo is not None or raw.year < 1900:
            return NOT_QUICK
        value = raw.replace(microsecond=0)
        ok = (self.minimum is None or value >= self.minimum) and (
            self.maximum is None or value <= self.maximum
        )
        return value if ok else NOT_QUICK

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        value = parse_datetime(raw, dtype).dt.truncate("1s")
        problems = [problem_when(value.is_null(), raw, "is not a date and time (e.g. 2026-03-15 14:05)")]
        if self.minimum is not None:
            problems.append(problem_when(value < self.minimum, raw, f"is before {self.minimum}"))
        if self.maximum is not None:
            problems.append(problem_when(value > self.maximum, raw, f"is after {self.maximum}"))
        return value, first_problem(*problems)

    def display(self, value: object) -> str:
        return value.strftime("%Y-%m-%d %H:%M") if isinstance(value, datetime) else super().display(value)
