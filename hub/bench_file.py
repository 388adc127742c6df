"""A realistic history workbook for the import benchmark: generated orders under Chinese column names,
with a title row, dates as Excel dates, statuses in their Chinese labels."""

from __future__ import annotations

from datetime import datetime
from pathlib import Path

import polars as pl
import xlsxwriter

from engine.forms import label_of
from engine.schema import Table

COLUMNS = (
    "order_no", "channel", "customer_no", "customer_name", "phone", "province", "city", "address", "sku", "qty",
    "unit_price", "unit_cost", "warehouse", "status", "ordered_at", "paid_at", "promised_at", "shipped_at",
    "signed_at", "carrier",
)  # fmt: skip


def write_history_workbook(
    path: Path, table: Table, orders: pl.DataFrame, title: str = "历史订单汇总"
) -> int:
    """Write the orders (20 columns) as one sheet, labels as headers and select values as labels; returns rows."""
    labels = {f.name: label_of(f, "zh") for f in table.fields}
    options = {
        f.name: {o.value: o.label for o in f.options}  # type: ignore[attr-defined]
        for f in table.fields
        if hasattr(f, "options") and f.name in COLUMNS
    }
    frame = orders.select(COLUMNS).with_columns(
        [pl.col(n).replace_strict(m, default=pl.col(n)) for n, m in options.items()]
    )
    book = xlsxwriter.Workbook(path, {"constant_memory": True})
    sheet = book.add_worksheet("订单")
    when = book.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    sheet.write(0, 0, title)
    sheet.write_row(1, 0, [labels[c] for c in COLUMNS])
    for r, row in enumerate(frame.iter_rows(), start=2):
        for c, value in enumerate(row):
            if isinstance(value, datetime):
                sheet.write_datetime(r, c, value, when)
            elif value is not None:
                sheet.write(r, c, value)
    book.close()
    return frame.height
