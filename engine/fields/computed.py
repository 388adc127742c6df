"""Computed fields: an arithmetic expression over other fields, evaluated in SQL at query time."""

from __future__ import annotations

from typing import Any, ClassVar, Literal

import polars as pl
from pydantic import Field, field_validator

from engine.fields.base import FieldBase, Kind


class ComputedField(FieldBase):
    """A read-only number derived from other fields, e.g. amount = qty × unit_price."""

    kind: ClassVar[Kind] = "number"

    type: Literal["computed"] = "computed"
    widget = "readonly"
    expression: dict[str, Any] = Field(description="JSONLogic arithmetic: var, numbers, + - * /.")
    scale: int = Field(2, ge=0, le=8)
    stored = False

    @field_validator("required", "unique")
    @classmethod
    def _not_writable(cls, value: bool) -> bool:
        if value:
            raise ValueError("a computed field is read-only and cannot be required or unique")
        return value

    def polars_dtype(self) -> pl.DataType:
        return pl.Float64()

    def display(self, value: object) -> str:
        return "" if value is None else f"{float(value):,.{self.scale}f}"  # type: ignore[arg-type]
