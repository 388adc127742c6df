"""A field a file gives only inside other columns, as the import and the channel intake both apply it (the
model only: mapping.derive reads it; intake.model can hold it without importing the importer)."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict


class Derived(BaseModel):
    """A field the file gives only inside other columns: `divide` (unit price = goods total ÷ quantity),
    `carrier_in` (the carrier named in a combined tracking cell, YT123…-圆通速递), `contact_in` (a receiver's
    name, phone or address out of a Tmall 收货地址 "周强，86-139…，江苏省 扬州市 …，"), `date_in_key` (the order
    date a Pinduoduo number starts with, 250901-…, where the time column is blank), `refund` (a refund or
    after-sale column whose 退款成功 makes the order `state`)."""

    model_config = ConfigDict(extra="forbid")

    field: str
    kind: Literal["divide", "carrier_in", "contact_in", "date_in_key", "refund"]
    column: str
    by: str | None = None  # divide: the quantity column
    state: str | None = None  # refund: the state a refunded order is in
    part: Literal["name", "phone", "address"] | None = None  # contact_in: which part of the cell
