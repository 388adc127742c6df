"""A corpus of order files that are not shaped by our importer: one export per layout of
../shared/testdata/platforms/export_layouts.json, in CSV and .xlsx, with the quirks its notes describe, and two
hand-kept workbooks. Every file comes with what must land from each of its rows (`expected`, by order number),
so `python -m engine import-check` and the tests can count rows landed and cells right.

`python -m sample_data.corpus DIR` writes the files into DIR.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import xlsxwriter

from sample_data.corpus.handkept import HANDKEPT
from sample_data.corpus.layouts import LAYOUTS, Layout
from sample_data.corpus.truth import orders

START = datetime(2025, 9, 1, 9, 0)
ROWS_PER_FILE = 24


@dataclass(frozen=True)
class CorpusFile:
    """A written file: its layout, and per order number the field values that must land."""

    path: Path
    layout: str
    rows: int  # data rows in the file (what must be accounted for: landed or refused with a reason)
    expected: dict[str, dict[str, Any]]


def _lines(layout: Layout, seed: int) -> tuple[list[list[str]], dict[str, dict[str, Any]]]:
    data, expected = [], {}
    for i, order in enumerate(orders(seed, ROWS_PER_FILE, START, layout.id_style)):
        cells = layout.row(order)
        if "deleted_prefix" in layout.quirks and i % 11 == 3:  # JD marks a deleted order in its status
            cells["订单状态"] = "(删除)" + cells["订单状态"]
        data.append([_encodable(str(cells.get(c, "")), layout.encoding) for c in layout.columns])
        expected[order.order_id] = {
            k: _encodable(v, layout.encoding) or None if isinstance(v, str) else v
            for k, v in layout.expect(order).items()
        }
    return data, expected


def _encodable(text: str, encoding: str) -> str:
    """The text as a file in `encoding` can hold it (a GBK export has no emoji)."""
    return text.encode(encoding, "ignore").decode(encoding).strip() if encoding == "gbk" else text


def _write_csv(path: Path, layout: Layout, header: list[str], data: list[list[str]]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(header)
    if "description_row" in layout.quirks:
        writer.writerow([f"{c} of the order" for c in header])
    for row in data:
        writer.writerow([*row, ""] if "trailing_comma" in layout.quirks else row)
    path.write_bytes(buffer.getvalue().encode(layout.encoding))


def _write_xlsx(path: Path, layout: Layout, header: list[str], data: list[list[str]]) -> None:
    book = xlsxwriter.Workbook(str(path))
    sheet = book.add_worksheet("订单" if layout.platform else "Orders")
    sheet.write_row(0, 0, header)
    offset = 1
    if "description_row" in layout.quirks:
        sheet.write_row(1, 0, [f"{c} of the order" for c in header])
        offset = 2
    for r, row in enumerate(data):
        # Platforms protect long numbers with ="…" or a tab only in CSV; in a workbook they are text cells.
        sheet.write_row(r + offset, 0, [v.removeprefix('="').removesuffix('"').lstrip("\t'") for v in row])
    book.close()


def build(folder: Path, seed: int = 11) -> list[CorpusFile]:
    """Write every layout in each of its formats, and the hand-kept workbooks, into `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    out = []
    seeds = {name: seed + n for n, name in enumerate(LAYOUTS)}
    for layout in LAYOUTS.values():
        data, expected = _lines(layout, seeds[layout.orders_of or layout.name])
        for fmt in layout.formats:
            path = folder / f"{layout.name}.{fmt}"
            (_write_csv if fmt == "csv" else _write_xlsx)(path, layout, list(layout.columns), data)
            out.append(CorpusFile(path, layout.name, len(data), expected))
    for name, write in HANDKEPT.items():
        rows, expected = write(folder / name, seed)
        out.append(CorpusFile(folder / name, "handkept", rows, expected))
    return out


def file_names() -> list[str]:
    """The names of the files `build` writes, without writing them."""
    return [f"{layout.name}.{fmt}" for layout in LAYOUTS.values() for fmt in layout.formats] + list(HANDKEPT)
