"""`python -m engine import-check`: every file of the corpus (sample_data/corpus) imported unaided — the
proposed mapping, nothing changed by hand — into a fresh workspace of every template, then read back and
compared value for value with what the file says. Counts rows landed, refused (with a reason) and lost, and
cells right of cells checked."""

from __future__ import annotations

import tempfile
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from engine.auth import Actor
from engine.errors import EngineError
from engine.importer.batches import stage
from engine.importer.commit import commit
from engine.importer.proposal import propose
from engine.importer.sources import column_values, sheet_layout
from engine.storage.sql import compose, qualified, row_dicts
from engine.storage.store import open_store
from engine.workspaces import create_from_template, template_names
from sample_data.corpus import CorpusFile, build

CHECKER = Actor("import-check", frozenset({"admin"}))
# The state an order of each meaning must land in, per template (written out, not computed by the engine).
STATES = {
    "home_ecommerce": {"unpaid": "placed", "paid": "picking", "shipped": "shipped", "signed": "signed",
                       "cancelled": "cancelled"},
    # "In transit" is the chain's own 物流对接 step, a shipped order either way.
    "auto_parts_chain": {"unpaid": "placed", "paid": "placed", "shipped": ("shipped", "in_transit"),
                         "signed": "signed", "cancelled": "cancelled"},
    "hardware_wholesale": {"unpaid": "contract_signed", "paid": "contract_signed", "shipped": "shipped",
                           "signed": "signed", "cancelled": "cancelled"},
}  # fmt: skip
NOW = datetime(2026, 1, 15, 12, 0)


@dataclass
class FileResult:
    file: str
    template: str
    rows: int
    landed: int = 0
    refused: int = 0
    cells: int = 0
    right: int = 0
    error: str = ""
    wrong: list[dict[str, Any]] = field(default_factory=list)

    @property
    def lost(self) -> int:
        return self.rows - self.landed - self.refused


def _same(expected: Any, got: Any) -> bool:
    if isinstance(expected, tuple):
        return any(_same(e, got) for e in expected)
    if expected is None or got is None:
        return expected is None and got is None
    if isinstance(expected, Decimal):
        return Decimal(str(got)) == expected
    if isinstance(expected, datetime):
        return isinstance(got, datetime) and got.replace(microsecond=0) == expected
    if isinstance(expected, int):
        return got == expected
    return str(got) == str(expected)


def check_file(corpus_file: CorpusFile, template: str, folder: Path) -> FileResult:
    """Import one file into a fresh workspace of `template` and compare every expected cell."""
    result = FileResult(corpus_file.path.name, template, corpus_file.rows)
    store = open_store(folder / f"{template}-{corpus_file.path.name}.duckdb")
    try:
        ws = create_from_template(store, template, CHECKER, now=NOW)
        table = ws.require_table("orders")
        layout = sheet_layout(corpus_file.path)[2]
        mapping, _ = propose(ws, table, layout.columns, column_values(corpus_file.path))
        batch = stage(store, ws, corpus_file.path, mapping, CHECKER, now=NOW)
        done = commit(store, ws, batch.id, CHECKER, valid_only=True, now=NOW)
        result.landed, result.refused = done["inserted"] + done["updated"], done["rejected"]
        stored = {
            str(r["order_no"]): r
            for r in row_dicts(
                store.cursor().execute(compose("SELECT * FROM {t}", t=qualified(ws.name, table.name)))
            )
        }
        for number, fields in corpus_file.expected.items():
            row = stored.get(number)
            for name, value in fields.items():
                if table.field(name) is None:
                    continue
                if name == "status":
                    value = STATES[template][value]
                result.cells += 1
                got = row.get(name) if row else None
                if row is not None and _same(value, got):
                    result.right += 1
                elif len(result.wrong) < 12:
                    result.wrong.append({"order": number, "field": name, "expected": value, "got": got})
    except EngineError as exc:
        result.error = exc.message
    finally:
        store.close()
    return result


def import_check(templates: list[str] | None = None, only: str | None = None) -> dict[str, Any]:
    """The whole corpus against every template: per file and in all."""
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        files = [f for f in build(folder / "corpus") if not only or only in f.path.name]
        results = [check_file(f, t, folder) for t in templates or template_names() for f in files]
    rows = sum(r.rows for r in results)
    landed = sum(r.landed for r in results)
    cells = sum(r.cells for r in results)
    right = sum(r.right for r in results)
    return {
        "files": len({r.file for r in results}),
        "templates": sorted({r.template for r in results}),
        "rows": rows,
        "landed": landed,
        "refused": sum(r.refused for r in results),
        "lost": sum(r.lost for r in results),
        "rows_landed_pct": round(100 * landed / rows, 2) if rows else 0.0,
        "cells": cells,
        "cells_right": right,
        "cells_right_pct": round(100 * right / cells, 2) if cells else 0.0,
        "per_file": [
            {
                "file": r.file,
                "template": r.template,
                "rows": r.rows,
                "landed": r.landed,
                "refused": r.refused,
                "lost": r.lost,
                "cells": r.cells,
                "right": r.right,
                **({"error": r.error} if r.error else {}),
                **({"wrong": r.wrong} if r.wrong else {}),
            }
            for r in results
        ],
    }
