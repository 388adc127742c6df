"""The error report of a staged batch: its failing rows as .xlsx under the file's own column names, each with
what is wrong (错误说明), to fix and upload again."""

from __future__ import annotations

import io

import polars as pl
import xlsxwriter

from engine.errors import ConflictError
from engine.importer.batches import batch_errors, batch_info, raw_name
from engine.importer.mapping import Mapping
from engine.importer.sources import ROW as SOURCE_ROW
from engine.importer.sources import SHEET
from engine.records.cells import AS_WRITTEN, ROW
from engine.schema import Workspace
from engine.storage.sql import compose
from engine.storage.store import Store

ERROR_COLUMN = "错误说明"


def error_report(store: Store, ws: Workspace, batch_id: int) -> bytes:
    """The failing rows of a staged batch as .xlsx, under the file's own column names, with an 错误说明 column:
    fix the cells and upload the file again."""
    info = batch_info(store, ws, batch_id)
    if info["status"] != "staged":
        raise ConflictError(
            f"import batch #{batch_id} is {info['status']}: its rows are no longer staged",
            "staged",
            info["status"],
        )
    mapping = Mapping.model_validate_json(info["mapping"])
    errors = batch_errors(store, batch_id)
    table = ws.require_table(mapping.table)
    labels = {f.name: f.label for f in table.fields}
    # A message that names its field's label already reads as is; others get the label in front.
    reasons = (
        errors.with_columns(pl.col("field").replace_strict(labels, default=pl.col("field")).alias("label"))
        .group_by("row_no", maintain_order=True)
        .agg(
            pl.when(pl.col("message").str.starts_with(pl.col("label")))
            .then(pl.col("message"))
            .otherwise(pl.concat_str([pl.col("label"), pl.lit(": "), pl.col("message")]))
            .str.join("; ")
            .alias(ERROR_COLUMN)
        )
    )
    staged = store.cursor().execute(compose("SELECT * FROM {raw}", raw=raw_name(batch_id))).pl()
    failing = staged.join(reasons, left_on=ROW, right_on="row_no", how="inner").sort(ROW)
    columns = [(cm.column, cm.field) for cm in mapping.columns if cm.field and cm.field in failing.columns]
    buffer = io.BytesIO()
    book = xlsxwriter.Workbook(buffer, {"in_memory": True})
    sheet = book.add_worksheet("错误行")
    header = [c for c, _ in columns] + [ERROR_COLUMN, "来源工作表", "来源行"]
    sheet.write_row(0, 0, header, book.add_format({"bold": True}))
    red = book.add_format({"font_color": "#c0392b"})
    for i, row in enumerate(failing.iter_rows(named=True), start=1):
        # What the person wrote (交易成功, 03/04/2026), not what the mapping made of it (signed, ISO time).
        sheet.write_row(i, 0, [row.get(AS_WRITTEN + f, row[f]) for _, f in columns])
        sheet.write(i, len(columns), row[ERROR_COLUMN], red)
        sheet.write_row(i, len(columns) + 1, [row[SHEET], row[SOURCE_ROW]])
    book.close()
    return buffer.getvalue()
