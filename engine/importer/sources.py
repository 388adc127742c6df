"""Reading uploaded files: .xlsx/.xlsm/.xls/.ods/.xlsb and .csv/.tsv with their encoding (UTF-8, UTF-8 with
BOM, GBK/GB18030) and delimiter detected. A sheet is read twice: its first rows with merged ranges (to find
the table), then its data as text columns in chunks, each row keeping its sheet and row number.

Chunks are read as they go where the format allows: CSV through polars' streaming reader, .xlsx through
DuckDB's streaming excel reader (xlsx_stream). .xls (at most 65,536 rows), .ods and .xlsb, and any .xlsx the
streaming reader refuses, go through calamine, which holds the whole sheet while it reads."""

from __future__ import annotations

import codecs
import csv
import re
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import fastexcel
import polars as pl
import python_calamine

from engine.errors import DataError
from engine.importer.layout import HEAD_ROWS, SUMMARY_PATTERN, Layout, Merge, find_layout
from engine.importer.xlsx_head import xlsx_head
from engine.importer.xlsx_stream import xlsx_chunks

EXCEL = (".xlsx", ".xlsm", ".xls", ".xlsb", ".ods")
TEXT = (".csv", ".tsv", ".txt")
ENCODINGS = ("utf-8-sig", "gb18030")  # GB18030 reads GBK and GB2312 too
DELIMITERS = ",\t;|"
ROW = "_source_row"
SHEET = "_source_sheet"
CHUNK_ROWS = 100_000  # rows read, mapped and checked at a time
MAX_COLUMNS = 256  # Excel 2003's limit; order exports have 20-60 columns
MAX_CELL = 32_767  # characters: Excel's own limit for a cell; longer ones are refused
OLE_MAGIC = bytes.fromhex("D0CF11E0A1B11AE1")  # an .xls, or an .xlsx that was saved with a password
ZIP_MAGIC = b"PK\x03\x04"


@dataclass(frozen=True)
class Head:
    """The first rows of a sheet as text, and its merged ranges (for finding the table)."""

    rows: list[list[Any]]
    merges: list[Merge] = field(default_factory=list)
    date_cells: frozenset[tuple[int, int]] = frozenset()  # (row, column) shown as dates, zero-based
    last_row: int | None = None  # 1-based, as the sheet declares it (.xlsx only)


@dataclass(frozen=True)
class SheetData:
    """A sheet's table (or a chunk of it): text columns plus its source sheet and row; rows left out with
    the reason."""

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


def check_file(path: Path) -> None:
    """Refuse, with the reason, a file that is empty, encrypted or not the spreadsheet its name says."""
    with path.open("rb") as handle:
        start = handle.read(8)
    suffix = path.suffix.lower()
    if not start:
        raise DataError(f"{path.name} is empty (0 bytes)")
    if suffix in (".xlsx", ".xlsm", ".xlsb") and start.startswith(OLE_MAGIC):
        raise DataError(
            f"{path.name} is password-protected (encrypted): save it without a password and upload again"
        )
    if suffix in (".xlsx", ".xlsm", ".xlsb", ".ods") and not start.startswith(ZIP_MAGIC):
        raise DataError(f"{path.name} is not a {suffix} workbook (the file's content is something else)")
    if suffix == ".xls" and not start.startswith(OLE_MAGIC):
        raise DataError(f"{path.name} is not an .xls workbook (the file's content is something else)")


def sheet_names(path: Path) -> list[str]:
    """The sheets of a workbook; a text file is one sheet named after the file."""
    if kind(path) == "text":
        check_file(path)
        return [path.stem]
    check_file(path)
    try:
        return list(python_calamine.CalamineWorkbook.from_path(str(path)).sheet_names)
    except Exception as exc:  # calamine's errors are plain exceptions naming the broken part
        raise DataError(f"{path.name} cannot be read as a workbook: {exc}") from None


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
        try:
            rows = [row for _, row in zip(range(HEAD_ROWS), reader, strict=False)]
        except csv.Error:  # the csv module stops at a cell of 128 KB
            raise DataError(
                f"{path.name} row {reader.line_num}: a cell is longer than {MAX_CELL:,} characters"
            ) from None
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


def _text_chunks(path: Path, fmt: TextFormat, layout: Layout, rows: int) -> Iterator[pl.DataFrame]:
    with tempfile.TemporaryDirectory() as tmp:
        source = _utf8_copy(path, fmt.encoding, Path(tmp))
        lazy = pl.scan_csv(
            source,
            has_header=False,
            separator=fmt.delimiter,
            infer_schema=False,
            skip_rows=layout.data_start,
            truncate_ragged_lines=True,
            quote_char='"',
        )
        try:
            yield from lazy.collect_batches(chunk_size=rows)
        except pl.exceptions.ComputeError as exc:
            raise DataError(f"{path.name}: cannot read the rows as {fmt.encoding} text: {exc}") from None


# -- workbooks -------------------------------------------------------------------------------------------


def _excel_head(path: Path, sheet: str) -> Head:
    stat = path.stat()
    return _cached_head(str(path), stat.st_size, stat.st_mtime_ns, sheet)


@lru_cache(maxsize=8)
def _cached_head(path: str, size: int, mtime: int, sheet: str) -> Head:
    """The first rows and merges, once per file version and sheet: straight from the XML of an .xlsx
    (stopped after the rows needed), else through calamine, which parses the whole sheet."""
    if path.lower().endswith((".xlsx", ".xlsm")) and (head := xlsx_head(path, sheet, HEAD_ROWS)) is not None:
        return Head(head.rows, head.merges, head.date_cells, head.last_row)
    book = python_calamine.CalamineWorkbook.from_path(path)
    data = book.get_sheet_by_name(sheet)
    rows = [row for _, row in zip(range(HEAD_ROWS), data.iter_rows(), strict=False)]
    merges = [tuple(map(tuple, m)) for m in (data.merged_cell_ranges or [])]
    return Head(rows, merges)  # type: ignore[arg-type]


def _calamine_chunks(path: Path, sheet: str, layout: Layout, rows: int) -> Iterator[pl.DataFrame]:
    reader = fastexcel.read_excel(str(path))
    names = [f"c{i}" for i in range(max(len(layout.columns), 1))]
    loaded = reader.load_sheet_by_name(
        sheet, header_row=None, skip_rows=layout.data_start, column_names=names, dtypes="string"
    )
    frame = loaded.to_polars()
    # .ods keeps dates as ISO text (2026-03-15T14:05:00): written as the other formats give them.
    iso = r"^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2}:\d{2})$"
    frame = frame.with_columns(pl.col(c).str.replace(iso, "$1 $2") for c in frame.columns)
    yield from frame.iter_slices(rows)


def _excel_chunks(path: Path, sheet: str, head: Head, layout: Layout, rows: int) -> Iterator[pl.DataFrame]:
    if head.last_row is None or head.last_row < len(head.rows):  # not a plain .xlsx, or its size unknown
        yield from _calamine_chunks(path, sheet, layout, rows)
        return
    dates = {c for r, c in head.date_cells if r >= layout.data_start}
    width = max(len(layout.columns), 1)
    stream = xlsx_chunks(path, sheet, layout.data_start + 1, head.last_row, width, dates, rows)
    try:
        first = next(stream, None)
    except duckdb.Error:  # a workbook the streaming reader cannot parse: calamine reads it whole
        yield from _calamine_chunks(path, sheet, layout, rows)
        return
    if first is not None:
        yield first
        try:
            yield from stream
        except duckdb.Error as exc:
            raise DataError(f"{path.name} / {sheet}: cannot read the rows: {exc}") from None


# -- both ------------------------------------------------------------------------------------------------


def read_head(path: Path, sheet: str | None = None) -> Head:
    """The first rows (and merges) of a sheet: what the header detection and the raw preview show."""
    if kind(path) == "text":
        return _text_head(path, text_format(path))
    return _excel_head(path, sheet or sheet_names(path)[0])


def sheet_layout(path: Path, sheet: str | None = None) -> tuple[str, Head, Layout]:
    """The sheet's name, head and table layout; a clear error when the sheet or its header is not there."""
    path = Path(path)
    names = sheet_names(path)
    name = sheet or names[0]
    if name not in names:
        raise DataError(f"{path.name} has no sheet {name!r} (sheets: {', '.join(names)})")
    head = read_head(path, name)
    try:
        layout = find_layout(head.rows, head.merges)
    except ValueError as exc:
        raise DataError(f"{path.name} / {name}: {exc}") from None
    if len(layout.columns) > MAX_COLUMNS:
        raise DataError(
            f"{path.name} / {name}: {len(layout.columns)} columns, more than the {MAX_COLUMNS} an import reads — "
            "choose the sheet with the orders, or remove the columns you do not need"
        )
    return name, head, layout


def read_chunks(path: Path, sheet: str | None = None, rows: int = CHUNK_ROWS) -> Iterator[SheetData]:
    """The sheet's table in chunks of up to `rows` sheet rows: text columns with _source_sheet and
    _source_row; blank and 合计 rows left out (and listed)."""
    path = Path(path)
    name, head, layout = sheet_layout(path, sheet)
    if kind(path) == "text":
        raw = _text_chunks(path, text_format(path), layout, rows)
    else:
        raw = _excel_chunks(path, name, head, layout, rows)
    start = layout.data_start + 1
    for chunk in raw:
        yield _table(name, layout, chunk, start)
        start += chunk.height
    if start == layout.data_start + 1:  # a header and no rows: still the table's columns
        yield _table(name, layout, pl.DataFrame({"c0": []}, schema={"c0": pl.String}), start)


def read_sheet(path: Path, sheet: str | None = None) -> SheetData:
    """The whole sheet's table at once (see read_chunks)."""
    chunks = list(read_chunks(path, sheet))
    frame = pl.concat([c.frame for c in chunks])
    return SheetData(chunks[0].sheet, chunks[0].layout, frame, [s for c in chunks for s in c.skipped])


def _refuse_huge_cells(sheet: str, frame: pl.DataFrame, start: int) -> None:
    lengths = frame.select(pl.all().str.len_chars().max())
    for column, longest in lengths.row(0, named=True).items():
        # calamine cuts a longer cell at Excel's limit: reaching the limit is as suspect as passing it.
        if longest is not None and longest >= MAX_CELL:
            (at,) = frame.select(pl.col(column).str.len_chars().arg_max()).row(0)
            raise DataError(
                f"{sheet} row {start + at}, column {column}: a cell of {longest:,} characters, more than an "
                f"order field holds (Excel stops at {MAX_CELL:,}) — is this the right file?"
            )


def _table(sheet: str, layout: Layout, raw: pl.DataFrame, start: int) -> SheetData:
    """A chunk of raw text columns whose first row is sheet row `start` (1-based) as the table's columns."""
    width = len(layout.columns)
    raw = (
        raw.select(raw.columns[:width])
        if raw.width >= width
        else raw.with_columns(*[pl.lit(None, pl.String).alias(f"_pad{i}") for i in range(width - raw.width)])
    )
    frame = raw.rename(dict(zip(raw.columns, layout.columns, strict=True))).with_columns(
        pl.all().cast(pl.String).str.strip_chars(" \u3000").replace("", None)
    )
    _refuse_huge_cells(sheet, frame, start)
    frame = frame.with_columns(
        pl.int_range(start, start + frame.height, dtype=pl.Int64).alias(ROW),
        pl.lit(sheet).alias(SHEET),
    )
    # Row-wise over the columns (horizontal expressions, no per-row lists): what a 100,000-row sheet needs.
    first = pl.coalesce([pl.when(pl.col(c) != "").then(pl.col(c)) for c in layout.columns])
    blank = first.is_null()
    summary = first.str.contains(SUMMARY_PATTERN).fill_null(False)
    # The first row under the header may describe the columns (TikTok Shop): not data either.
    described = start == layout.data_start + 1 and _describes(frame.head(1))
    summary = summary | ((pl.col(ROW) == start) & described)
    marked = frame.with_columns(blank.alias("_blank"), summary.alias("_summary"), first.alias("_first"))
    skipped = [
        (row, "blank row" if is_blank else _skip_reason(row == start and described, label))
        for row, is_blank, label in marked.filter(pl.col("_blank") | pl.col("_summary"))
        .select(ROW, "_blank", "_first")
        .iter_rows()
    ]
    data = marked.filter(~pl.col("_blank") & ~pl.col("_summary")).drop("_blank", "_summary", "_first")
    return SheetData(sheet, layout, data, skipped)


PROSE = re.compile(r"[A-Za-z\u4e00-\u9fff][^0-9]{0,200}\s[^0-9]+\s[^0-9]+")


def _skip_reason(described: bool, label: str) -> str:
    return "field descriptions under the header" if described else f"summary row ({label})"


def _describes(head: pl.DataFrame) -> bool:
    """Whether the first row under the header describes the columns instead of holding data (TikTok Shop
    exports put "Platform unique order ID." there): most of its cells are prose without a digit."""
    if head.height == 0:
        return False
    cells = [v for v in head.row(0, named=True).values() if isinstance(v, str) and v]
    prose = [v for v in cells if PROSE.fullmatch(v)]
    return len(cells) >= 3 and len(prose) >= 0.6 * len(cells)


def column_values(path: Path, sheet: str | None = None, limit: int = 200) -> dict[str, list[str]]:
    """Up to `limit` distinct values of every column, in order of appearance, over the whole sheet (read
    in chunks): the samples and value-map suggestions of the mapping editor."""
    path = Path(path)
    stat = path.stat()
    return _cached_values(str(path), stat.st_size, stat.st_mtime_ns, sheet, limit)


@lru_cache(maxsize=4)
def _cached_values(path: str, size: int, mtime: int, sheet: str | None, limit: int) -> dict[str, list[str]]:
    seen: dict[str, list[str]] = {}
    for chunk in read_chunks(Path(path), sheet):
        for name in chunk.layout.columns:
            have = seen.setdefault(name, [])
            if len(have) < limit:
                fresh = chunk.frame[name].drop_nulls().unique(maintain_order=True)
                have += [v for v in fresh.head(limit * 2).to_list() if v not in have][: limit - len(have)]
    return seen
