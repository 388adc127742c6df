"""Checks an import adds to the field registry's: dates a typo put a century away (2126 for 2026)."""

from __future__ import annotations

from datetime import datetime

import polars as pl

from engine.records.cells import ROW
from engine.schema import Table

EARLIEST = datetime(1900, 1, 1)
YEARS_AHEAD = 10  # promised dates and contracts reach a few years ahead; history never a decade


def implausible_dates(table: Table, typed: pl.DataFrame, now: datetime) -> pl.DataFrame:
    """(row, field, message) for every date before 1900 or more than ten years after `now`."""
    latest = now.replace(year=now.year + YEARS_AHEAD)
    out = []
    for name in typed.columns:
        dtype = typed.schema[name]
        if name == ROW or not (dtype == pl.Date or isinstance(dtype, pl.Datetime)):
            continue
        low, high = (EARLIEST.date(), latest.date()) if dtype == pl.Date else (EARLIEST, latest)
        value = pl.col(name)
        label = table.by_name[name].label
        message = pl.concat_str(
            pl.lit(f"{label}: "),
            value.dt.strftime("%Y-%m-%d"),
            pl.when(value > high)
            .then(pl.lit(f" is more than {YEARS_AHEAD} years after the import — a typo in the year?"))
            .otherwise(pl.lit(" is before 1900 — a typo in the year?")),
        )
        out.append(
            typed.filter((value > high) | (value < low)).select(
                pl.col(ROW), pl.lit(name).alias("field"), message.alias("message")
            )
        )
    return (
        pl.concat(out)
        if out
        else pl.DataFrame(schema={ROW: pl.Int64, "field": pl.String, "message": pl.String})
    )
