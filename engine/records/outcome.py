"""What an upsert would do (`UpsertPlan`: typed rows, which exist, every problem) and what it did
(`UpsertResult`), and the error that refuses a whole batch."""

from __future__ import annotations

from dataclasses import dataclass
from dataclasses import field as dataclass_field
from typing import Any

import polars as pl

from engine.errors import DataError, Problem
from engine.records.cells import ROW, empty_errors

MAX_LISTED = 20


@dataclass(frozen=True)
class UpsertResult:
    inserted: int
    updated: int
    unchanged: int
    rejected: int
    errors: pl.DataFrame  # __row, field, message
    flags: pl.DataFrame = dataclass_field(
        default_factory=empty_errors
    )  # cells left empty for repair (flag_cells)

    def summary(self) -> dict[str, int]:
        return {
            "inserted": self.inserted,
            "updated": self.updated,
            "unchanged": self.unchanged,
            "rejected": self.rejected,
        }


class BulkDataError(DataError):
    """A batch refused because some cells are invalid; `errors` lists every one (row, field, message)."""

    def __init__(self, message: str, errors: pl.DataFrame) -> None:
        problems = [Problem(f"row {r}.{f}", m) for r, f, m in errors.head(MAX_LISTED).iter_rows()]
        super().__init__(message, problems)
        self.errors = errors


@dataclass(frozen=True)
class UpsertPlan:
    """What an upsert would do: typed rows, which exist already (with per-field change flags), every problem."""

    typed: pl.DataFrame
    existing: pl.DataFrame
    errors: pl.DataFrame

    @property
    def bad_rows(self) -> pl.Series:
        return self.errors[ROW].unique()

    def preview(self) -> dict[str, Any]:
        """Counts for the preview: new, updated (and how many rows change each field), unchanged, with errors."""
        bad = self.bad_rows.implode()
        existing = self.existing.filter(~pl.col(ROW).is_in(bad))
        flags = [c for c in existing.columns if c.endswith("__changed")]
        changed = existing.filter(pl.any_horizontal(pl.col(flags))) if flags else existing.clear()
        per_field = {c.removesuffix("__changed"): int(changed[c].sum()) for c in flags if changed[c].any()}
        good = self.typed.height - self.bad_rows.len()
        return {
            "rows": self.typed.height,
            "new": good - existing.height,
            "updated": changed.height,
            "unchanged": existing.height - changed.height,
            "errors": self.bad_rows.len(),
            "changed_fields": per_field,
        }
