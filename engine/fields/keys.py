"""Autonumber, relation and lookup fields: values that identify or point at rows.

A relation stores the target row's business key (readable, and what imports carry); a lookup has no
column of its own and reads a field of the related row at query time.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import Field, field_validator

from engine.fields.base import FieldBase, Kind, StringField, is_trimmed_text
from engine.fields.text import as_text, code_text, is_clean_code, quick_code

DATE_PARTS = {"": "", "YYYYMMDD": "%Y%m%d", "YYMMDD": "%y%m%d", "YYYYMM": "%Y%m"}


class AutonumberField(StringField):
    """Numbers such as SO202611230001: prefix, date part, then a counter that restarts with each date part."""

    generated: ClassVar[bool] = True

    type: Literal["autonumber"] = "autonumber"
    widget = "text"
    prefix: str = Field("", pattern=r"^[A-Za-z0-9_-]{0,12}$")
    date_part: Literal["", "YYYYMMDD", "YYMMDD", "YYYYMM"] = "YYYYMMDD"
    digits: int = Field(4, ge=1, le=12)

    def is_clean_column(self, column: pl.Series) -> bool:
        return is_clean_code(column)

    def quick_value(self, raw: Any) -> Any:
        return quick_code(raw)

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        return code_text(raw, dtype)

    def stem(self, now: datetime) -> str:
        """The part before the counter for numbers issued at `now`."""
        return self.prefix + now.strftime(DATE_PARTS[self.date_part])

    def format(self, stem: str, counter: int) -> str:
        """A full number from its stem and counter."""
        return f"{stem}{counter:0{self.digits}d}"


class RelationField(StringField):
    """A link to one row of another table, stored as that row's business key (after-sales → order)."""

    type: Literal["relation"] = "relation"
    widget = "relation"
    table: str = Field(description="Name of the target table; it must have a business key.")
    on_import: Literal["create", "match", "refuse"] = Field(
        "match",
        description="An imported row pointing to a row that does not exist yet: create that row from the file "
        "(an SKU from its code and title), keep the row with the cell flagged for repair (match), or refuse it.",
    )

    def is_clean_column(self, column: pl.Series) -> bool:
        return is_trimmed_text(column)

    def quick_value(self, raw: Any) -> Any:
        return quick_code(raw)

    def coerce_exprs(self, raw: pl.Expr, dtype: pl.DataType) -> tuple[pl.Expr, pl.Expr]:
        return as_text(raw, dtype), pl.lit(None, pl.String)


class LookupField(FieldBase):
    """Reads a field of the row a relation points to; has no column and cannot be written."""

    kind: ClassVar[Kind] = "lookup"

    type: Literal["lookup"] = "lookup"
    widget = "readonly"
    relation: str = Field(description="Name of a relation field of this table.")
    field: str = Field(description="Name of the field to read in the related table.")
    stored = False

    @field_validator("required", "unique")
    @classmethod
    def _not_writable(cls, value: bool) -> bool:
        if value:
            raise ValueError("a lookup is read-only and cannot be required or unique")
        return value

    def polars_dtype(self) -> pl.DataType:
        return pl.String()
