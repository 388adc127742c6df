"""Where uploaded files are kept while they are staged: a folder beside the database, one file per upload."""

from __future__ import annotations

import re
import secrets
from pathlib import Path

from engine.errors import DataError
from engine.importer.sources import EXCEL, TEXT

MAX_UPLOAD = 512 * 1024 * 1024


def upload_dir(database: str) -> Path:
    """The uploads folder of a database file (data/uploads for data/orderhub.duckdb)."""
    base = Path(database).parent if database != ":memory:" else Path("data")
    folder = base / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def keep_upload(database: str, name: str, content: bytes) -> Path:
    """Save an uploaded file in a fresh folder under its own (cleaned) name: the sheet of a CSV is named after
    its file, and people should read 订单导出, not a random prefix."""
    suffix = Path(name).suffix.lower()
    if suffix not in EXCEL + TEXT:
        raise DataError(
            f"{name}: cannot import {suffix or 'a file without an extension'} (use .xlsx, .xls, .ods or .csv)"
        )
    if len(content) > MAX_UPLOAD:
        raise DataError(f"{name} is larger than {MAX_UPLOAD // (1024 * 1024)} MB")
    stem = re.sub(r"[^\w\u4e00-\u9fff-]+", "_", Path(name).stem)[:60] or "upload"
    folder = upload_dir(database) / secrets.token_hex(8)
    folder.mkdir()
    path = folder / f"{stem}{suffix}"
    path.write_bytes(content)
    return path
