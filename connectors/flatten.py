"""Nested JSON payloads as flat columns named by path (`consigneeInfo.mobile`, `orders.order[0].num`),
column-wise in polars, keeping each payload's raw JSON for tracing."""

from __future__ import annotations

import json
from typing import Any

import polars as pl


def _expand(frame: pl.DataFrame) -> pl.DataFrame:
    out = frame
    while True:
        structs = [n for n, d in out.schema.items() if isinstance(d, pl.Struct)]
        lists = [
            n for n, d in out.schema.items() if isinstance(d, pl.List) and isinstance(d.inner, pl.Struct)
        ]
        if not structs and not lists:
            return out
        for name in lists:
            # An order's first line item fills the order's product fields; a record is one order.
            out = out.with_columns(pl.col(name).list.first().alias(f"{name}[0]")).drop(name)
        for name in structs:
            fields = out.schema[name].fields  # type: ignore[union-attr]
            out = out.with_columns(
                pl.col(name).struct.field(f.name).alias(f"{name}.{f.name}") for f in fields
            ).drop(name)


def flatten(items: list[dict[str, Any]]) -> pl.DataFrame:
    """One row per payload: nested objects become dotted columns, `_raw` holds the payload as JSON."""
    if not items:
        return pl.DataFrame({"_raw": []}, schema={"_raw": pl.String})
    frame = pl.DataFrame(items, infer_schema_length=None)
    raw = pl.Series("_raw", [json.dumps(i, ensure_ascii=False, separators=(",", ":")) for i in items])
    return _expand(frame).with_columns(raw)
