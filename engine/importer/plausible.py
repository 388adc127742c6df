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


# An id Excel showed as a number: 3.515313147329358E+18, or 3515313147329358000 once turned back into digits.
SCIENTIFIC = r"^\d(\.\d+)?[eE]\+?\d+$"
ROUNDED_DIGITS = r"^\d{16,}$"


def damaged_keys(table: Table, text: pl.DataFrame) -> pl.DataFrame:
    """(row, field, message) for business keys Excel rounded: the number is lost, so the row is refused
    (never stored under a wrong id) with the fix."""
    key = table.business_key
    if not key or key not in text.columns:
        return pl.DataFrame(schema={ROW: pl.Int64, "field": pl.String, "message": pl.String})
    value = pl.col(key).cast(pl.String)
    scientific = value.str.contains(SCIENTIFIC)
    # 16 or more digits ending in 000 from a number cell: Excel keeps 15 significant digits.
    rounded = (
        value.str.contains(ROUNDED_DIGITS) & value.str.ends_with("000") & pl.lit(_numeric_cells(text, key))
    )
    label = table.by_name[key].label
    fix = "; the real number is lost — in the export, keep the column as text and export again (保存为文本后重新导出)"
    return text.filter((scientific | rounded).fill_null(False)).select(
        pl.col(ROW).cast(pl.Int64),
        pl.lit(key).alias("field"),
        pl.concat_str(pl.lit(f"{label}: "), value, pl.lit(" was rounded by Excel" + fix)).alias("message"),
    )


def _numeric_cells(text: pl.DataFrame, key: str) -> bool:
    """Whether the key column came from number cells (any value in scientific notation or with ".0")."""
    values = text[key].cast(pl.String)
    return bool(values.str.contains(SCIENTIFIC).any() or values.str.ends_with(".0").any())
