"""The first rows and merged ranges of an .xlsx sheet, read straight from its XML and stopped early.

calamine parses a whole sheet before it gives its first row (1.2 s for 100,000 rows); finding the header
needs 30 rows. An .xlsx is a zip of XML: the sheet's rows are streamed until enough are read, shared
strings are read only as far as those rows refer, and the merged ranges come from one scan of the bytes.
Cells with a date number format are noted too: the data rows are streamed later as plain text, where a date
is only its serial number.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import PurePosixPath
from typing import Any

from defusedxml.ElementTree import iterparse

MAIN = "{http://schemas.openxmlformats.org/spreadsheetml/2006/main}"
RELS = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}"
CELL_REF = re.compile(r"([A-Z]+)(\d+)")
MERGE = re.compile(rb'<mergeCell ref="([A-Z]+\d+):([A-Z]+\d+)"')
# Built-in number formats that show a date or time (ECMA-376 18.8.30, with the CJK ones 27-36 and 50-58).
DATE_FORMAT_IDS = frozenset([*range(14, 23), *range(27, 37), *range(45, 48), *range(50, 59)])
QUOTED_OR_BRACKETED = re.compile(r'"[^"]*"|\[[^\]]*\]|\\.')


@dataclass(frozen=True)
class XlsxHead:
    """The first rows of a sheet, its merged ranges, the cells shown as dates and the last row it claims."""

    rows: list[list[Any]]
    merges: list[tuple[tuple[int, int], tuple[int, int]]]
    date_cells: frozenset[tuple[int, int]]
    last_row: int | None


def _column(letters: str) -> int:
    n = 0
    for ch in letters:
        n = n * 26 + ord(ch) - 64
    return n - 1


def _position(ref: str) -> tuple[int, int]:
    m = CELL_REF.fullmatch(ref)
    assert m is not None, ref
    return int(m.group(2)) - 1, _column(m.group(1))


def _sheet_member(book: zipfile.ZipFile, sheet: str) -> str | None:
    """The zip member holding a sheet, found by name through workbook.xml and its relationships."""
    rel_id = None
    for _, el in iterparse(book.open("xl/workbook.xml")):
        if el.tag == f"{MAIN}sheet" and el.get("name") == sheet:
            rel_id = el.get(f"{RELS}id")
            break
    if rel_id is None:
        return None
    for _, el in iterparse(book.open("xl/_rels/workbook.xml.rels")):
        if el.get("Id") == rel_id:
            target = el.get("Target", "")
            path = target.lstrip("/") if target.startswith("/") else str(PurePosixPath("xl") / target)
            return path
    return None


class _SharedStrings:
    """Shared strings read on demand, only as far as the highest index asked for."""

    def __init__(self, book: zipfile.ZipFile) -> None:
        self.items: list[str] = []
        names = book.namelist()
        self._events: Iterator[Any] | None = (
            iterparse(book.open("xl/sharedStrings.xml")) if "xl/sharedStrings.xml" in names else None
        )

    def __getitem__(self, index: int) -> str:
        while len(self.items) <= index and self._events is not None:
            for _, el in self._events:
                if el.tag == f"{MAIN}si":
                    self.items.append("".join(t.text or "" for t in el.iter(f"{MAIN}t")))
                    el.clear()
                    break
            else:
                self._events = None
        return self.items[index] if index < len(self.items) else ""


def is_date_format(code: str) -> bool:
    """Whether a custom number format shows a date or time (y, m, d, h, s outside quotes and brackets)."""
    bare = QUOTED_OR_BRACKETED.sub("", code).lower()
    return bare != "general" and any(ch in bare for ch in "ymdhs")


def _date_styles(book: zipfile.ZipFile) -> frozenset[int]:
    """Indexes of the cell styles (the `s` attribute of a cell) whose number format is a date."""
    if "xl/styles.xml" not in book.namelist():
        return frozenset()
    custom: dict[int, str] = {}
    styles: list[int] = []
    in_cell_xfs = False
    for event, el in iterparse(book.open("xl/styles.xml"), events=("start", "end")):
        if el.tag == f"{MAIN}cellXfs":
            in_cell_xfs = event == "start"
        elif event == "end" and el.tag == f"{MAIN}numFmt":
            custom[int(el.get("numFmtId", "0"))] = el.get("formatCode", "")
        elif event == "end" and el.tag == f"{MAIN}xf" and in_cell_xfs:
            styles.append(int(el.get("numFmtId", "0")))
    return frozenset(
        i
        for i, fmt in enumerate(styles)
        if fmt in DATE_FORMAT_IDS or (fmt in custom and is_date_format(custom[fmt]))
    )


def _value(cell: Any, shared: _SharedStrings) -> Any:
    kind = cell.get("t", "n")
    if kind == "inlineStr":
        return "".join(t.text or "" for t in cell.iter(f"{MAIN}t"))
    v = cell.find(f"{MAIN}v")
    text = v.text if v is not None else None
    if text is None:
        return ""
    if kind == "s":
        return shared[int(text)]
    if kind == "b":
        return text == "1"
    if kind in ("str", "e"):
        return text
    number = float(text)
    return int(number) if number.is_integer() else number


def _last_row(ref: str | None) -> int | None:
    """The last row (1-based) of a dimension such as A1:T1000002; None for a bare "A1", which some writers put
    whatever the size."""
    if not ref or ":" not in ref:
        return None
    m = CELL_REF.fullmatch(ref.split(":")[-1])
    return int(m.group(2)) if m else None


def xlsx_head(path: str, sheet: str, rows: int) -> XlsxHead | None:
    """The first `rows` rows of an .xlsx sheet with what else the import needs, or None when the file is not
    a plain .xlsx."""
    try:
        book = zipfile.ZipFile(path)
    except zipfile.BadZipFile:
        return None
    with book:
        member = _sheet_member(book, sheet) if "xl/workbook.xml" in book.namelist() else None
        if member is None or member not in book.namelist():
            return None
        shared = _SharedStrings(book)
        date_styles = _date_styles(book)
        out: list[list[Any]] = []
        dates: set[tuple[int, int]] = set()
        last_row = None
        for _, el in iterparse(book.open(member)):
            if el.tag == f"{MAIN}dimension":
                last_row = _last_row(el.get("ref"))
            if el.tag != f"{MAIN}row":
                continue
            index = int(el.get("r", len(out) + 1)) - 1
            if index >= rows:
                break
            while len(out) < index:
                out.append([])  # rows the file leaves out are empty rows
            cells: list[Any] = []
            for cell in el.iter(f"{MAIN}c"):
                _, col = _position(cell.get("r", ""))
                cells += [""] * (col - len(cells))
                cells.append(_value(cell, shared))
                if int(cell.get("s", "0")) in date_styles:
                    dates.add((index, col))
            out.append(cells)
            el.clear()
        merges = []
        with book.open(member) as handle:
            tail = b""
            while chunk := handle.read(1 << 20):
                data = tail + chunk
                for first, last in MERGE.findall(data):
                    merges.append((_position(first.decode()), _position(last.decode())))
                tail = data[-64:]  # a reference cut at the chunk boundary is matched with the next one
        width = max((len(r) for r in out), default=0)
        padded = [r + [""] * (width - len(r)) for r in out]
        return XlsxHead(padded, sorted(set(merges)), frozenset(dates), last_row)
