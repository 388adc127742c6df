"""Reading uploaded files: .xlsx/.xlsm/.xls/.ods through calamine, .csv/.tsv with their encoding (UTF-8, UTF-8
with BOM, GBK/GB18030) and delimiter detected. A sheet is read twice: its first rows with merged ranges (to
find the table), then its data as text columns, each row keeping its sheet and row number."""

from __future__ import annotations

import codecs
import csv
import tempfile
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import fastexcel
import polars as pl
import python_calamine

from engine.errors import DataError
from engine.importer.layout import HEAD_ROWS, SUMMARY_PATTERN, Layout, Merge, find_layout
from engine.importer.xlsx_head import xlsx_head

EXCEL = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT = (".csv", ".tsv", ".txt")
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312 too
DELIMITERS = ",\t;|"
ROW = "_source_row"
SHEET = "_source_sheet"


@dataclass(frozen=True)
class Head:
    """The first rows of a sheet as text, and its merged ranges (for finding the table)."""

    rows: list[list[Any]]
    merges: list[Merge] = field(default_factory=list)


@dataclass(frozen=True)
class SheetData:
    """A sheet's table: text columns plus its source sheet and row; rows left out with the reason."""

    sheet: str
    layout: Layout
    frame: pl.DataFrame
    skipped: list[tuple[int, str]]  # (sheet row, 1-based; why): blank rows, 合计 rows


def kind(path: Path) -> str:
    suffix = path.suffix.lower()
    if suffix in EXCEL:
        return "excel"
    if suffix in TEXT:
        return "text"
    raise DataError(
        f"{path.name}: cannot read {suffix or 'files without an extension'} (use .xlsx, .xls, .ods or .csv)"
    )


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook; a text file is one sheet named after the file."""
    if kind(path) == "text":
        return [path.stem]
    return list(python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names)


# -- text files ------------------------------------------------------------------------------------------


def detect_encoding(sample: bytes) -> str:
    """UTF-8 (with or without BOM) when the bytes decode as such, else GB18030 (a superset of GBK)."""
    for encoding in ENCODINGS:
        try:
            # A multi-byte character may be cut at the sample's end: ignore an incomplete tail.
            codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
            return encoding
        except UnicodeDecodeError:
            continue
    raise DataError("the file is neither UTF-8 nor GBK/GB18030 text")


def detect_delimiter(text: str, suffix: str = ".csv") -> str:
    """The column separator: tab for .tsv, else the one csv.Sniffer finds among , tab ; |."""
    if suffix == ".tsv":
        return "\t"
    try:
        return csv.Sniffer().sniff(text[:20_000], delimiters=DELIMITERS).delimiter
    except csv.Error:
        lines = [line for line in text.splitlines()[:20] if line.strip()]
        return max(DELIMITERS, key=lambda d: sum(line.count(d) for line in lines))


@dataclass(frozen=True)
class TextFormat:
    encoding: str
    delimiter: str


def text_format(path: Path) -> TextFormat:
    sample = path.read_bytes()[:200_000]
    encoding = detect_encoding(sample)
    decoded = codecs.getincrementaldecoder(encoding)().decode(sample, final=False)
    return TextFormat(encoding, detect_delimiter(decoded, path.suffix.lower()))


def _text_head(path: Path, fmt: TextFormat) -> Head:
    with path.open(encoding=fmt.encoding, newline="", errors="replace") as handle:
        reader = csv.reader(handle, delimiter=fmt.delimiter)
        rows = [row for _, row in zip(range(HEAD_ROWS), reader, strict=False)]
    return Head(rows)


def _utf8_copy(path: Path, encoding: str, folder: Path) -> Path:
    """The file as UTF-8 without BOM (what polars reads), converted in 1 MB steps to keep memory flat."""
    with path.open("rb") as handle:
        bom = handle.read(3) == codecs.BOM_UTF8
    if encoding == "utf-8-sig" and not bom:
        return path
    out = folder / "utf8.csv"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    with path.open("rb") as source, out.open("w", encoding="utf-8", newline="") as target:
        while chunk := source.read(1 << 20):
            target.write(decoder.decode(chunk))
        target.write(decoder.decode(b"", final=True))
    return out


def _text_frame(path: Path, fmt: TextFormat, layout: Layout) -> pl.DataFrame:
    with tempfile.TemporaryDirectory() as tmp:
        source = _utf8_copy(path, fmt.encoding, Path(tmp))
        frame = pl.read_csv(
            source,
            has_header=False,
            separator=fmt.delimiter,
            infer_schema=False,
            skip_rows=layout.data_start,
            truncate_ragged_lines=True,
            quote_char='"',
        )
    return frame


# -- workbooks -------------------------------------------------------------------------------------------


def _excel_head(path: Path, sheet: str) -> Head:
    stat = path.stat()
    return _cached_head(str(path), stat.st_size, stat.st_mtime_ns, sheet)


@lru_cache(maxsize=8)
def _cached_head(path: str, size: int, mtime: int, sheet: str) -> Head:
    """The first rows and merges, once per file version and sheet: straight from the XML of an .xlsx
    (stopped after the rows needed), else through calamine, which parses the whole sheet."""
    if path.lower().endswith((".xlsx", ".xlsm")) and (head := xlsx_head(path, sheet, HEAD_ROWS)) is not None:
        return Head(*head)  # type: ignore[arg-type]
    book = python_calamine.CalamineWorkbook.from_path(path)
    data = book.get_sheet_by_name(sheet)
    rows = [row for _, row in zip(range(HEAD_ROWS), data.iter_rows(), strict=False)]
    merges = [tuple(map(tuple, m)) for m in (data.merged_cell_ranges or [])]
    return Head(rows, merges)  # type: ignore[arg-type]


def _excel_frame(path: Path, sheet: str, layout: Layout) -> pl.DataFrame:
    reader = fastexcel.read_excel(str(path))
    width = max(len(layout.columns), 1)
    names = [f"c{i}" for i in range(width)]
    loaded = reader.load_sheet_by_name(
        sheet, header_row=None, skip_rows=layout.data_start, column_names=names, dtypes="string"
    )
    return loaded.to_polars()


# -- both ------------------------------------------------------------------------------------------------


def read_head(path: Path, sheet: str | None = None) -> Head:
    """The first rows (and merges) of a sheet: what the header detection and the raw preview show."""
    if kind(path) == "text":
        return _text_head(path, text_format(path))
    return _excel_head(path, sheet or sheet_names(path)[0])


def read_sheet(path: Path, sheet: str | None = None, layout: Layout | None = None) -> SheetData:
    """The sheet's table as text columns with _source_sheet and _source_row; blank and 合计 rows left out."""
    path = Path(path)
    name = sheet or sheet_names(path)[0]
    if name not in sheet_names(path):
        raise DataError(f"{path.name} has no sheet {name!r} (sheets: {', '.join(sheet_names(path))})")
    head = read_head(path, name)
    try:
        layout = layout or find_layout(head.rows, head.merges)
    except ValueError as exc:
        raise DataError(f"{path.name} / {name}: {exc}") from None
    if kind(path) == "text":
        raw = _text_frame(path, text_format(path), layout)
    else:
        raw = _excel_frame(path, name, layout)
    return _table(name, layout, raw)


def _table(sheet: str, layout: Layout, raw: pl.DataFrame) -> SheetData:
    width = len(layout.columns)
    raw = (
        raw.select(raw.columns[:width])
        if raw.width >= width
        else raw.with_columns(*[pl.lit(None, pl.String).alias(f"_pad{i}") for i in range(width - raw.width)])
    )
    frame = raw.rename(dict(zip(raw.columns, layout.columns, strict=True))).with_columns(
        pl.all().cast(pl.String).str.strip_chars(" \u3000")
    )
    frame = frame.with_columns(
        pl.int_range(layout.data_start + 1, layout.data_start + 1 + frame.height, dtype=pl.Int64).alias(ROW),
        pl.lit(sheet).alias(SHEET),
    )
    # Row-wise over the columns (horizontal expressions, no per-row lists): what a 100,000-row sheet needs.
    first = pl.coalesce([pl.when(pl.col(c) != "").then(pl.col(c)) for c in layout.columns])
    blank = first.is_null()
    summary = first.str.contains(SUMMARY_PATTERN).fill_null(False)
    marked = frame.with_columns(blank.alias("_blank"), summary.alias("_summary"), first.alias("_first"))
    skipped = [
        (row, "blank row" if is_blank_row else f"summary row ({label})")
        for row, is_blank_row, label in marked.filter(pl.col("_blank") | pl.col("_summary"))
        .select(ROW, "_blank", "_first")
        .iter_rows()
    ]
    data = marked.filter(~pl.col("_blank") & ~pl.col("_summary")).drop("_blank", "_summary", "_first")
    return SheetData(sheet, layout, data, skipped)
