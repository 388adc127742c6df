"""Bulk upsert by business key from a polars or Arrow frame, set-based, in one transaction.

The cells are checked by cells.py; the rows are written by write.py. By default any problem refuses the whole batch (nothing written); with `report=True` the valid rows are
written and the rest come back as an error report.
"""

from __future__ import annotations

from datetime import datetime

import polars as pl
import pyarrow as pa

from engine.audit import BulkEntry
from engine.auth import Actor, require_table, writable_problems
from engine.clock import as_naive
from engine.counters import next_autonumber
from engine.errors import DataError, RefusedError
from engine.records.cells import (
    ROW,
    Progress,
    coerce_frame,
    empty_errors,
    errors_where,
    frame_checks,
    null_cells,
    relation_checks,
    split_problems,
    unique_checks,
)
from engine.records.outcome import BulkDataError, UpsertPlan, UpsertResult
from engine.records.single import check_names
from engine.records.write import Write, after_write, arrow_batches, insert_frame, update_frame
from engine.schema import Table, Workspace
from engine.storage.sql import compose, listing, qualified, quote_ident
from engine.storage.store import Cursor, Store


def _prepare(table: Table, frame: pl.DataFrame, actor: Actor) -> pl.DataFrame:
    """The batch with a row number, after the checks that need no database (names, permissions, key)."""
    require_table(actor, table, "create")
    require_table(actor, table, "update")
    if not table.business_key:
        raise DataError(f"{table.label} ({table.name}) has no business key to upsert by")
    if ROW not in frame.columns:
        frame = frame.with_row_index(ROW, offset=1).with_columns(pl.col(ROW).cast(pl.Int64))
    names = [c for c in frame.columns if c != ROW]
    unknown = check_names(table, names)
    if unknown:
        raise DataError(f"{len(unknown)} column(s) are not fields of {table.name}", unknown)
    refused = writable_problems(actor, table, names)
    if refused:
        raise RefusedError(f"{actor.username} may not write these fields", refused)
    if table.business_key not in names:
        raise DataError(f"the batch needs the business key column {table.business_key!r}")
    return frame


def _plan(writer: _Writer, frame: pl.DataFrame, progress: Progress | None = None) -> UpsertPlan:
    table, cur, ws = writer.table, writer.cur, writer.ws
    typed, errors = coerce_frame(table, frame, progress)
    errors = pl.concat(
        [
            errors,
            *frame_checks(table, typed),
            *relation_checks(cur, ws, table, typed),
            *unique_checks(cur, ws, table, typed),
        ]
    )
    existing = writer.existing(typed)
    errors = pl.concat([errors, *writer.required_for_new(typed, existing)])
    # One problem per cell, the first found: a cell that could not be read is not "required" as well.
    errors = errors.unique(subset=[ROW, "field"], keep="first", maintain_order=True).sort(ROW, "field")
    return UpsertPlan(typed, existing, errors)


def preview_upsert(
    store: Store,
    ws: Workspace,
    table_name: str,
    data: pl.DataFrame,
    actor: Actor,
    now: datetime | None = None,
    progress: Progress | None = None,
) -> UpsertPlan:
    """Every check of an upsert and what it would change, without writing anything."""
    table = ws.require_table(table_name)
    frame = _prepare(table, data, actor)
    writer = _Writer(store, store.cursor(), ws, table, actor, as_naive(now, ws.timezone), "preview")
    return _plan(writer, frame, progress)


def bulk_upsert(
    store: Store,
    ws: Workspace,
    table_name: str,
    data: pl.DataFrame | pa.Table,
    actor: Actor,
    now: datetime | None = None,
    source: str = "import",
    report: bool = False,
) -> UpsertResult:
    """Insert new rows and update existing ones (matched by business key), all-or-nothing unless `report`."""
    with store.transaction() as cur:
        return upsert_in(cur, store, ws, table_name, data, actor, now, source, report)


def upsert_in(
    cur: Cursor,
    store: Store,
    ws: Workspace,
    table_name: str,
    data: pl.DataFrame | pa.Table,
    actor: Actor,
    now: datetime | None = None,
    source: str = "import",
    report: bool = False,
    flag_cells: bool = False,
) -> UpsertResult:
    """bulk_upsert inside the caller's open transaction (`cur`), for writes that must land with others.

    With `flag_cells` (history imports) a bad cell does not cost its row: the row lands with the cell empty (a
    stored row keeps its value) and the cell comes back in `flags`; only key problems refuse a row."""
    table = ws.require_table(table_name)
    frame = pl.from_arrow(data) if isinstance(data, pa.Table) else data
    assert isinstance(frame, pl.DataFrame)
    frame = _prepare(table, frame, actor)
    writer = _Writer(store, cur, ws, table, actor, as_naive(now, ws.timezone), source)
    plan = _plan(writer, frame)
    flags = empty_errors()
    if flag_cells:
        refusing, flags = split_problems(table, plan.errors)
        flags = flags.filter(~pl.col(ROW).is_in(refusing[ROW].implode()))
        plan = writer.without_flagged(plan, refusing, flags)
    errors, bad_rows = plan.errors, plan.bad_rows
    if bad_rows.len() and not report:
        raise BulkDataError(
            f"{table.label}: {errors.height} problem(s) in {bad_rows.len()} of {plan.typed.height} rows; nothing was written",
            errors,
        )
    good = plan.typed.filter(~pl.col(ROW).is_in(bad_rows.implode()))
    inserted, updated, unchanged = writer.write(
        good, plan.existing.filter(~pl.col(ROW).is_in(bad_rows.implode()))
    )
    after_write(writer.w, writer.written)
    return UpsertResult(inserted, updated, unchanged, bad_rows.len(), errors, flags)


class _Writer:
    """The set-based write steps of one upsert, inside its transaction."""

    def __init__(
        self,
        store: Store,
        cur: Cursor,
        ws: Workspace,
        table: Table,
        actor: Actor,
        now: datetime,
        source: str,
    ) -> None:
        self.store, self.cur, self.ws, self.table = store, cur, ws, table
        self.actor, self.now, self.source = actor, now, source
        self.target = qualified(ws.name, table.name)
        self.key = str(table.business_key)
        self.w = Write(store, cur, ws, table, actor, now, source)
        self.inserted: tuple[int, int] | None = None  # first and last id given to new rows
        self.updated = pl.Series("_id", [], pl.Int64)

    def existing(self, typed: pl.DataFrame) -> pl.DataFrame:
        """For incoming rows whose key exists: __row, _id and a `<field>__changed` flag per incoming field.

        The comparison runs in DuckDB, so only flags come back, not a copy of every old value.
        """
        names = [c for c in typed.columns if c not in (ROW, self.key)]
        if self.cur.execute(compose("SELECT 1 FROM {target} LIMIT 1", target=self.target)).fetchone() is None:
            # A first load into an empty table (a backfill) has nothing to match: skip the key join.
            return pl.DataFrame(
                schema={ROW: pl.Int64, "_id": pl.Int64} | {f"{n}__changed": pl.Boolean for n in names}
            )
        flags = listing(
            (
                compose(
                    ", (i.{c} IS DISTINCT FROM t.{c}) AS {flag}",
                    c=quote_ident(n),
                    flag=quote_ident(n + "__changed"),
                )
                for n in names
            ),
            "",
        )
        key = quote_ident(self.key)
        self.cur.register("_incoming", arrow_batches(typed))
        try:
            return self.cur.execute(
                compose(
                    "SELECT i.{ROW}, t._id{flags} FROM _incoming i JOIN {target} t ON t.{key} = i.{key}",
                    ROW=quote_ident(ROW),
                    flags=flags,
                    target=self.target,
                    key=key,
                )
            ).pl()
        finally:
            self.cur.unregister("_incoming")

    def without_flagged(self, plan: UpsertPlan, refusing: pl.DataFrame, flags: pl.DataFrame) -> UpsertPlan:
        """The plan with its flagged cells emptied, or for a stored row set back to the stored value, and its
        change flags computed again; only `refusing` problems remain."""
        if not flags.height:
            return UpsertPlan(plan.typed, plan.existing, refusing)
        typed = null_cells(plan.typed, flags)
        stored = flags.join(plan.existing.select(ROW, "_id"), on=ROW)
        if stored.height:
            columns = [c for c in stored["field"].unique().to_list() if c in typed.columns]
            before = self.before_values(stored["_id"].unique(), columns)
            typed = typed.join(plan.existing.select(ROW, "_id").join(before, on="_id"), on=ROW, how="left")
            for name in columns:
                rows = stored.filter(pl.col("field") == name)[ROW].implode()
                old = pl.col("__old_" + name).cast(typed.schema[name])
                typed = typed.with_columns(
                    pl.when(pl.col(ROW).is_in(rows)).then(old).otherwise(pl.col(name)).alias(name)
                )
            typed = typed.drop("_id", *("__old_" + c for c in columns))
        return UpsertPlan(typed, self.existing(typed), refusing)

    def before_values(self, ids: pl.Series, columns: list[str]) -> pl.DataFrame:
        """The stored values of some columns for some rows (read before they are updated)."""
        self.cur.register("_ids", pl.DataFrame({"_id": ids}).to_arrow())
        try:
            cols = listing(
                (
                    compose(", t.{c} AS {old}", c=quote_ident(c), old=quote_ident("__old_" + c))
                    for c in columns
                ),
                "",
            )
            return self.cur.execute(
                compose(
                    "SELECT t._id{cols} FROM {target} t SEMI JOIN _ids i ON i._id = t._id",
                    cols=cols,
                    target=self.target,
                )
            ).pl()
        finally:
            self.cur.unregister("_ids")

    def required_for_new(self, typed: pl.DataFrame, existing: pl.DataFrame) -> list[pl.DataFrame]:
        """New rows must carry every required field that has no default."""
        missing = [
            f
            for f in self.table.stored_fields()
            if f.required and f.name not in typed.columns and f.default is None and not f.generated
        ]
        if not missing:
            return []
        new_rows = typed.filter(~pl.col(ROW).is_in(existing[ROW].implode()))
        return [
            errors_where(new_rows, pl.lit(True), f.name, f"{f.label} ({f.name}) is required for a new row")
            for f in missing
        ]

    def write(self, good: pl.DataFrame, existing: pl.DataFrame) -> tuple[int, int, int]:
        names = [c for c in good.columns if c != ROW]
        new = good.filter(~pl.col(ROW).is_in(existing[ROW].implode()))
        candidates = [c for c in names if c != self.key]
        flags = [pl.col(f"{c}__changed") for c in candidates]
        touched = existing.filter(pl.any_horizontal(flags)) if candidates else existing.clear()
        # Only columns that changed somewhere are set: DuckDB rewrites every column an UPDATE names, and
        # rewriting unchanged text and list columns of many rows is what made re-imports slow.
        changed_cols = [c for c in candidates if touched[f"{c}__changed"].any()]
        upd = good.join(touched, on=ROW, how="inner")
        if upd.height:
            upd = upd.join(self.before_values(upd["_id"], changed_cols), on="_id", how="left")
        entry = BulkEntry(self.store, self.cur)
        self.inserted = self._insert(self._with_defaults(new), entry)
        update_frame(self.w, upd, changed_cols)
        self.updated = upd["_id"] if changed_cols else pl.Series("_id", [], pl.Int64)
        if upd.height:
            entry.add_frame(self._update_items(upd, changed_cols))
        if new.height or upd.height:
            entry.seal(
                at=self.now,
                actor=self.actor.username,
                action="bulk_upsert",
                workspace=self.ws.name,
                table=self.table.name,
                note=self.source,
            )
        return new.height, upd.height, existing.height - upd.height

    def _with_defaults(self, new: pl.DataFrame) -> pl.DataFrame:
        extra: list[pl.Series] = []
        for field in self.table.stored_fields():
            if field.name in new.columns:
                continue
            if field.generated and new.height:
                extra.append(
                    pl.Series(
                        field.name,
                        next_autonumber(self.cur, self.ws, self.table, field, self.now, new.height),
                    )
                )
            elif field.default is not None:
                extra.append(
                    pl.Series(
                        field.name,
                        [field.coerce(field.default).value] * new.height,
                        dtype=field.polars_dtype(),
                    )
                )
        return new.with_columns(extra) if extra else new

    def written(self) -> list[int]:
        """Ids of the rows this upsert inserted or changed."""
        new = list(range(self.inserted[0], self.inserted[1] + 1)) if self.inserted else []
        return new + self.updated.to_list()

    def _insert(self, new: pl.DataFrame, entry: BulkEntry) -> tuple[int, int] | None:
        if not new.height:
            return None
        first, last = insert_frame(self.w, new, [c for c in new.columns if c != ROW])
        entry.add_range(first, last)
        return first, last

    def _update_items(self, upd: pl.DataFrame, columns: list[str]) -> pl.DataFrame:
        if not upd.height:
            return _empty_items()
        parts = [
            pl.when(pl.col(f"{c}__changed")).then(
                pl.concat_str(
                    [
                        pl.lit(f'"{c}":'),
                        pl.struct(
                            pl.col(f"__old_{c}").cast(pl.String).alias("before"),
                            pl.col(c).cast(pl.String).alias("after"),
                        ).struct.json_encode(),
                    ]
                )
            )
            for c in columns
        ]
        changes = pl.concat_str(
            [pl.lit("{"), pl.concat_str(parts, separator=",", ignore_nulls=True), pl.lit("}")]
        )
        return upd.select(
            pl.col("_id").alias("record_id"), pl.lit("update").alias("action"), changes.alias("changes")
        )


def _empty_items() -> pl.DataFrame:
    return pl.DataFrame(schema={"record_id": pl.Int64, "action": pl.String, "changes": pl.String})
