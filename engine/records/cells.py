"""The cell checks of a batch of rows, set-based: every cell coerced by its field type in one vectorised pass,
then keys, required fields, uniqueness and relations; problems come back as a long frame (row, field, message)."""

from __future__ import annotations

from collections.abc import Callable

import polars as pl

from engine.fields import RelationField
from engine.fields.base import cached_exprs
from engine.schema import Table, Workspace
from engine.storage.migrate import unique_columns
from engine.storage.sql import compose, qualified, quote_ident
from engine.storage.store import Cursor

ROW = "__row"
ERROR_COLUMNS = {ROW: pl.Int64, "field": pl.String, "message": pl.String}


def empty_errors() -> pl.DataFrame:
    return pl.DataFrame(schema=ERROR_COLUMNS)


def errors_where(frame: pl.DataFrame, mask: pl.Expr, field: str, message: pl.Expr | str) -> pl.DataFrame:
    msg = pl.lit(message) if isinstance(message, str) else message
    return frame.filter(mask).select(
        pl.col(ROW).cast(pl.Int64), pl.lit(field).alias("field"), msg.cast(pl.String).alias("message")
    )


COERCE_CHUNK = 200_000


Progress = Callable[[str, int, int], None]  # (phase, rows done, rows in all)


def coerce_frame(
    table: Table, frame: pl.DataFrame, progress: Progress | None = None
) -> tuple[pl.DataFrame, pl.DataFrame]:
    """Typed values of every field column (plus __row) and the long list of cell problems.

    Works through the rows in chunks: the intermediate columns of a chunk (trimmed text, parsed numbers)
    are freed before the next, which keeps memory near the size of the input.
    """
    names = [c for c in frame.columns if c != ROW]
    fields = {n: table.by_name[n] for n in names}
    typed, errors = [], [empty_errors()]
    for chunk in frame.iter_slices(COERCE_CHUNK):
        values, problems = [], []
        for name in names:
            fast = fields[name].fast_column(chunk[name])
            if fast is not None and fields[name].is_clean_column(fast):
                chunk = chunk.with_columns(fast.alias(name))
            if fields[name].is_clean_column(chunk[name]):
                values.append(pl.col(name).cast(fields[name].polars_dtype()))
                problems.append(pl.lit(None, pl.String).alias(f"{name}__problem"))
                continue
            value, problem = cached_exprs(fields[name], name, chunk.schema[name])
            values.append(value)
            problems.append(problem.alias(f"{name}__problem"))
        # Lazy, so shared sub-expressions (a cleaned cell used by the value and its checks) run once.
        out = chunk.lazy().select(pl.col(ROW), *values, *problems).collect()
        for n in names:
            flagged = pl.col(f"{n}__problem").is_not_null()
            message = pl.concat_str([pl.lit(fields[n].label + ": "), pl.col(f"{n}__problem")])
            errors.append(errors_where(out, flagged, n, message))
        typed.append(out.select(ROW, *names))
        if progress is not None:
            progress("check", sum(t.height for t in typed), frame.height)
    return pl.concat(typed, rechunk=False), pl.concat(errors)


def frame_checks(table: Table, typed: pl.DataFrame) -> list[pl.DataFrame]:
    """Business key present and unique within the batch; required fields not blank."""
    key = str(table.business_key)
    out = [
        errors_where(
            typed, pl.col(key).is_null(), key, f"{table.by_name[key].label} (business key) is required"
        )
    ]
    for name in unique_columns(table):
        if name in typed.columns:
            out.append(_repeats(typed, name, table.by_name[name].label))
    for field in table.stored_fields():
        if field.required and field.name in typed.columns and field.name != key:
            out.append(
                errors_where(
                    typed,
                    pl.col(field.name).is_null(),
                    field.name,
                    f"{field.label} ({field.name}) is required",
                )
            )
    return out


def _repeats(typed: pl.DataFrame, name: str, label: str) -> pl.DataFrame:
    """Rows whose value of a unique column already appeared in an earlier row of the batch."""
    # Repeats are rare: find them first, then the row each first appeared in, on that subset only.
    repeated = typed.select(ROW, name).filter(pl.col(name).is_not_null() & pl.col(name).is_duplicated())
    with_first = repeated.with_columns(pl.col(ROW).first().over(name).alias("__first"))
    msg = pl.concat_str(
        [
            pl.lit(f"{label} "),
            pl.col(name).cast(pl.String),
            pl.lit(" repeats row "),
            pl.col("__first").cast(pl.String),
        ]
    )
    return errors_where(with_first, pl.col(ROW) != pl.col("__first"), name, msg)


def unique_checks(cur: Cursor, ws: Workspace, table: Table, typed: pl.DataFrame) -> list[pl.DataFrame]:
    """Values of unique non-key columns already held by another stored row (one with a different key)."""
    key = str(table.business_key)
    names = [n for n in unique_columns(table) if n != key and n in typed.columns]
    if not names:
        return []
    out = []
    cur.register("_unique_in", typed.select(ROW, key, *names).to_arrow())
    try:
        for name in names:
            col, k = quote_ident(name), quote_ident(key)
            clash = cur.execute(
                compose(
                    "SELECT i.{ROW}, i.{col} AS v FROM _unique_in i JOIN {table} t "
                    "ON t.{col} = i.{col} AND t.{k} IS DISTINCT FROM i.{k}",
                    ROW=quote_ident(ROW),
                    col=col,
                    table=qualified(ws.name, table.name),
                    k=k,
                )
            ).pl()
            label = table.by_name[name].label
            msg = pl.concat_str(
                [pl.lit(f"{label} "), pl.col("v").cast(pl.String), pl.lit(" is already used by another row")]
            )
            out.append(errors_where(clash, pl.lit(True), name, msg))
    finally:
        cur.unregister("_unique_in")
    return out


def split_problems(table: Table, errors: pl.DataFrame) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(problems that refuse their row, problems that only flag their cell) for a history import: a row is
    never lost for one bad cell, unless the cell is its business key or a relation that refuses."""
    refusing = {str(table.business_key)} | {
        f.name for f in table.stored_fields() if isinstance(f, RelationField) and f.on_import == "refuse"
    }
    whole_row = pl.col("field").is_in(list(refusing))
    return errors.filter(whole_row), errors.filter(~whole_row)


def null_cells(typed: pl.DataFrame, cells: pl.DataFrame) -> pl.DataFrame:
    """The typed rows with the listed (row, field) cells emptied."""
    out = typed
    for (name,), part in cells.group_by(["field"]):
        if name in out.columns:
            rows = part[ROW].implode()
            out = out.with_columns(
                pl.when(pl.col(ROW).is_in(rows)).then(None).otherwise(pl.col(name)).alias(name)
            )
    return out


def relation_checks(cur: Cursor, ws: Workspace, table: Table, typed: pl.DataFrame) -> list[pl.DataFrame]:
    out = []
    for field in table.stored_fields():
        if isinstance(field, RelationField) and field.name in typed.columns:
            other = ws.require_table(field.table)
            keys = typed.select(pl.col(field.name).drop_nulls().unique())
            cur.register("_rel_keys", keys.to_arrow())
            try:
                found = cur.execute(
                    compose(
                        "SELECT k.{name} AS v FROM _rel_keys k SEMI JOIN {other} o "
                        "ON o.{business_key} = k.{name}",
                        name=quote_ident(field.name),
                        other=qualified(ws.name, other.name),
                        business_key=quote_ident(str(other.business_key)),
                    )
                ).pl()
            finally:
                cur.unregister("_rel_keys")
            missing = pl.col(field.name).is_not_null() & ~pl.col(field.name).is_in(found["v"].implode())
            msg = pl.concat_str([pl.lit(f"{field.label}: no {other.label} "), pl.col(field.name)])
            out.append(errors_where(typed, missing, field.name, msg))
    return out


# The file's own text of a cell an import mapping rewrote (a value map, a date format): a column of this prefix
# and the field's name travels with the failing rows, for the error report and the repair queue.
AS_WRITTEN = "_as_written:"
