"""The data rows of an .xlsx sheet, streamed in chunks through DuckDB's excel reader.

calamine parses a whole sheet into memory before giving a row: 1.75 GB for 1,000,000 rows x 20 columns.
DuckDB's reader streams the sheet's XML and yields Arrow batches (about 180 MB for the same sheet). Cells
come as text; a date cell is then only its serial number, so the columns the head saw shown as dates are
turned back into ISO text here, the way calamine writes them.
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from functools import cache
from pathlib import Path

import duckdb
import duckdb_extension_excel
import polars as pl

from engine.storage.sql import Sql, compose, listing, quote_ident

# A number the sheet stores with binary noise (858.5700000000001): Excel shows 15 significant digits.
NOISY_NUMBER = r"^-?\d*\.\d{6,}$"
EXCEL_EPOCH = "1899-12-30"  # serial 1 is 1900-01-01, counting Excel's phantom 1900-02-29
_lock = threading.Lock()


def _column_letters(index: int) -> str:
    letters = ""
    index += 1
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@cache
def _reader() -> duckdb.DuckDBPyConnection:
    """An in-memory DuckDB with the excel extension loaded from its PyPI package (never from the network)."""
    con = duckdb.connect(config={"autoinstall_known_extensions": False, "autoload_known_extensions": False})
    folder = Path(duckdb_extension_excel.__file__).parent / "extensions"
    (extension,) = folder.glob(f"v{duckdb.__version__}/excel.duckdb_extension")
    con.execute(f"LOAD '{extension}'")
    return con


def _date_text(column: Sql) -> Sql:
    """A serial date cell as 'YYYY-MM-DD HH:MM:SS'; any other text as it is."""
    return compose(
        "CASE WHEN TRY_CAST({c} AS DOUBLE) IS NULL THEN {c} ELSE strftime(TIMESTAMP {epoch} + "
        "to_microseconds(CAST(round(TRY_CAST({c} AS DOUBLE) * 86400) AS BIGINT) * 1000000), '%Y-%m-%d %H:%M:%S') END",
        c=column,
        epoch=Sql(f"'{EXCEL_EPOCH}'"),
    )


def as_displayed(frame: pl.DataFrame) -> pl.DataFrame:
    """Numbers with binary noise as Excel shows them (15 significant digits), as calamine gives them."""
    return frame.with_columns(
        pl.when(pl.col(c).str.contains(NOISY_NUMBER))
        .then(pl.col(c).cast(pl.Float64, strict=False).round_sig_figs(15).cast(pl.String))
        .otherwise(pl.col(c))
        .alias(c)
        for c in frame.columns
    )


def xlsx_chunks(
    path: Path, sheet: str, first_row: int, last_row: int, width: int, date_columns: set[int], rows: int
) -> Iterator[pl.DataFrame]:
    """Rows first_row..last_row (1-based) of the sheet's first `width` columns as text, `rows` at a time;
    columns c0, c1, ... ."""
    if last_row < first_row:
        return
    letters = [_column_letters(i) for i in range(width)]
    select = listing(
        compose(
            "{cell} AS {alias}",
            cell=_date_text(quote_ident(a)) if i in date_columns else quote_ident(a),
            alias=quote_ident(f"c{i}"),
        )
        for i, a in enumerate(letters)
    )
    with _lock:  # one cursor per read; the lock only guards creating it from the shared connection
        cursor = _reader().cursor()
    try:
        result = cursor.execute(
            compose(
                "SELECT {select} FROM read_xlsx(?, sheet = ?, header = false, all_varchar = true, range = ?)",
                select=select,
            ),
            [str(path), sheet, f"A{first_row}:{letters[-1]}{last_row}"],
        )
        for batch in result.to_arrow_reader(rows):
            frame = pl.from_arrow(batch)
            assert isinstance(frame, pl.DataFrame)
            yield as_displayed(frame)
    finally:
        cursor.close()
