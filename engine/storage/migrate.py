"""Create and migrate a workspace's DuckDB tables from one schema version to the next.

Changes that keep data apply in place. Changes that would lose or corrupt data (dropping a field or table that
holds values, a type or option change that existing values do not fit) are refused with the count of
affected rows and a sample, unless forced; a forced change archives the values it removes.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import polars as pl

from engine.errors import AuthoringError, Problem, RefusedError
from engine.fields import FieldBase
from engine.schema import Table, Workspace
from engine.schema_diff import (
    AddField,
    AddTable,
    AlterField,
    AlterTable,
    Change,
    DropField,
    DropTable,
    diff_workspaces,
)
from engine.storage.sql import qualified, quote_ident
from engine.storage.store import Cursor

SYSTEM_COLUMNS = (
    ("_id", "BIGINT PRIMARY KEY"),
    ("_version", "INTEGER NOT NULL"),
    ("_created_at", "TIMESTAMP NOT NULL"),
    ("_created_by", "VARCHAR NOT NULL"),
    ("_updated_at", "TIMESTAMP NOT NULL"),
    ("_updated_by", "VARCHAR NOT NULL"),
    ("_source", "VARCHAR NOT NULL"),
)
SAMPLE_SIZE = 5


@dataclass
class Risk:
    """A change that would lose or corrupt data."""

    path: str
    message: str
    affected_rows: int
    sample: list[Any] = field(default_factory=list)


@dataclass
class _FieldRewrite:
    table: str
    field: FieldBase
    values: pl.DataFrame  # _id, value (coerced), problem


# The column type that stores each kind of typed value: field classes say what they hold (a polars dtype),
# storage says how a column holds it, so a second backend maps the same dtypes to its own types here.
SCALAR_COLUMNS: dict[type[pl.DataType], str] = {
    pl.Boolean: "BOOLEAN",
    pl.String: "VARCHAR",
    pl.Int64: "BIGINT",
    pl.Date: "DATE",
    pl.Datetime: "TIMESTAMP",
    pl.Float64: "DOUBLE",
}


def dtype_column(dtype: pl.DataType) -> str:
    """The SQL column type of a polars dtype (decimals keep precision and scale; lists become arrays)."""
    if isinstance(dtype, pl.Decimal):
        return f"DECIMAL({dtype.precision},{dtype.scale})"
    if isinstance(dtype, pl.List):
        return f"{dtype_column(dtype.inner)}[]"  # type: ignore[arg-type]
    return SCALAR_COLUMNS[dtype.base_type()]


def column_type(field: FieldBase) -> str:
    """The column type that stores a field's values."""
    return dtype_column(field.polars_dtype())


def create_table_sql(schema: str, table: Table) -> list[str]:
    """DDL for a new data table (row ids come from ids.reserve_ids, not a sequence)."""
    columns = [f"{quote_ident(n)} {t}" for n, t in SYSTEM_COLUMNS]
    columns += [f"{quote_ident(f.name)} {column_type(f)}" for f in table.stored_fields()]
    return [f"CREATE TABLE {qualified(schema, table.name)} ({', '.join(columns)})"]


def unique_columns(table: Table) -> list[str]:
    """Columns with a unique index: the business key and fields marked unique."""
    names = [f.name for f in table.stored_fields() if f.unique]
    if table.business_key and table.business_key not in names:
        names.insert(0, table.business_key)
    return names


def _count(cur: Cursor, sql: str, params: list[Any] | None = None) -> int:
    row = cur.execute(sql, params or []).fetchone()
    return int(row[0]) if row else 0


def _column_values(cur: Cursor, schema: str, table: str, column: str) -> pl.DataFrame:
    col = quote_ident(column)
    return cur.execute(
        f"SELECT _id, {col} AS v FROM {qualified(schema, table)} WHERE {col} IS NOT NULL ORDER BY _id"
    ).pl()


def _sample(frame: pl.DataFrame, column: str) -> list[Any]:
    return frame.head(SAMPLE_SIZE)[column].to_list()


class Migration:
    """Checks then applies the changes between two versions inside the caller's transaction."""

    def __init__(self, cur: Cursor, old: Workspace | None, new: Workspace, version: int) -> None:
        self.cur = cur
        self.old = old
        self.new = new
        self.version = version
        self.schema = new.name
        self.changes: list[Change] = diff_workspaces(old, new)
        self.risks: list[Risk] = []
        self.blockers: list[Problem] = []
        self._rewrites: list[_FieldRewrite] = []

    # -- checks --------------------------------------------------------------------------------------

    def check(self) -> None:
        """Find every risk (forceable) and blocker (never allowed) without changing anything."""
        for change in self.changes:
            if isinstance(change, DropTable):
                rows = _count(self.cur, f"SELECT count(*) FROM {qualified(self.schema, change.table)}")
                if rows:
                    self.risks.append(Risk(change.table, f"table {change.table!r} holds {rows} rows", rows))
            elif isinstance(change, DropField) and change.old.stored:
                self._check_drop(change.table, change.old)
            elif isinstance(change, AlterField):
                self._check_alter(change)
        for table in self.new.tables:
            self._check_unique(table)

    def _check_drop(self, table: str, fld: FieldBase) -> None:
        values = _column_values(self.cur, self.schema, table, fld.name)
        if values.height:
            self.risks.append(
                Risk(
                    f"{table}.{fld.name}",
                    f"dropping {fld.label} ({fld.name}) loses {values.height} values",
                    values.height,
                    _sample(values, "v"),
                )
            )

    def _check_alter(self, change: AlterField) -> None:
        old, new = change.old, change.new
        if not change.retyped:
            return
        if old.stored and not new.stored:
            self._check_drop(change.table, old)
            return
        if not old.stored or old.widens_to(new):
            return
        values = _column_values(self.cur, self.schema, change.table, old.name)
        if not values.height:
            self._rewrites.append(
                _FieldRewrite(change.table, new, values.with_columns(pl.lit(None).alias("problem")))
            )
            return
        coerced, problems = new.coerce_series(values["v"])
        frame = values.with_columns(coerced.alias("value"), problems.alias("problem"))
        bad = frame.filter(pl.col("problem").is_not_null())
        if bad.height:
            self.risks.append(
                Risk(
                    f"{change.table}.{new.name}",
                    f"{bad.height} existing values of {new.label} ({new.name}) do not fit the new definition: "
                    + "; ".join(bad.head(3)["problem"].to_list()),
                    bad.height,
                    _sample(bad, "v"),
                )
            )
        self._rewrites.append(_FieldRewrite(change.table, new, frame))

    def _check_unique(self, table: Table) -> None:
        if self.old is None or self.old.table(table.name) is None:
            return
        before = set(unique_columns(self.old.table(table.name)))  # type: ignore[arg-type]
        for name in unique_columns(table):
            if name in before:
                continue
            col = quote_ident(name)
            dupes = self.cur.execute(
                f"SELECT {col}, count(*) FROM {qualified(self.schema, table.name)} WHERE {col} IS NOT NULL "
                f"GROUP BY {col} HAVING count(*) > 1 ORDER BY count(*) DESC LIMIT {SAMPLE_SIZE}"
            ).fetchall()
            if dupes:
                self.blockers.append(
                    Problem(
                        f"{table.name}.{name}",
                        f"cannot make {name!r} unique: values appear more than once, e.g. {dupes!r}",
                    )
                )

    # -- apply ---------------------------------------------------------------------------------------

    def apply(self, force: bool, now: datetime) -> None:
        """Check, then refuse or apply every change."""
        self.check()
        if self.blockers:
            raise AuthoringError("the new schema does not fit the existing data", self.blockers)
        if self.risks and not force:
            total = sum(r.affected_rows for r in self.risks)
            raise RefusedError(
                f"this change would lose or alter {total} stored values; fix the schema, or force it to archive them",
                [Problem(r.path, f"{r.message} (sample: {r.sample!r})") for r in self.risks],
                affected_rows=total,
                sample=[s for r in self.risks for s in r.sample][:SAMPLE_SIZE],
            )
        self.cur.execute(f"CREATE SCHEMA IF NOT EXISTS {quote_ident(self.schema)}")
        touched = {c.table for c in self.changes if not isinstance(c, AddTable | DropTable | AlterTable)}
        for name in touched:
            self._drop_unique_indexes(name)
        for change in self.changes:
            self._apply_change(change, now)
        for name in dict.fromkeys(r.table for r in self._rewrites):
            self._rebuild_with_rewrites(self.new.by_name[name], now)
        for table in self.new.tables:
            if (
                table.name in touched
                or any(isinstance(c, AddTable) and c.table == table.name for c in self.changes)
                or (
                    any(
                        isinstance(c, AlterTable) and c.table == table.name and "business_key" in c.what
                        for c in self.changes
                    )
                )
            ):
                self._drop_unique_indexes(table.name)
                self._create_unique_indexes(table)

    def _apply_change(self, change: Change, now: datetime) -> None:
        target = qualified(self.schema, change.table)
        if isinstance(change, AddTable):
            for sql in create_table_sql(self.schema, change.new):
                self.cur.execute(sql)
        elif isinstance(change, DropTable):
            self._drop_unique_indexes(change.table)
            archived = f"_archived__{change.table}__v{self.version}"
            self.cur.execute(f"ALTER TABLE {target} RENAME TO {quote_ident(archived)}")
        elif isinstance(change, AddField) and change.new.stored:
            self.cur.execute(
                f"ALTER TABLE {target} ADD COLUMN {quote_ident(change.new.name)} {column_type(change.new)}"
            )
        elif isinstance(change, DropField) and change.old.stored:
            self._archive_and_drop(change.table, change.old, now)
        elif isinstance(change, AlterField):
            self._apply_alter(change, now)

    def _apply_alter(self, change: AlterField, now: datetime) -> None:
        old, new = change.old, change.new
        target = qualified(self.schema, change.table)
        if old.stored and not new.stored:
            self._archive_and_drop(change.table, old, now)
            return
        if new.stored and not old.stored:
            self.cur.execute(f"ALTER TABLE {target} ADD COLUMN {quote_ident(new.name)} {column_type(new)}")
            return
        if change.renamed:
            self.cur.execute(
                f"ALTER TABLE {target} RENAME COLUMN {quote_ident(old.name)} TO {quote_ident(new.name)}"
            )
        pending = any(r.table == change.table and r.field.id == new.id for r in self._rewrites)
        if not pending and column_type(old) != column_type(new):
            self.cur.execute(
                f"ALTER TABLE {target} ALTER COLUMN {quote_ident(new.name)} TYPE {column_type(new)}"
            )

    def _rebuild_with_rewrites(self, table: Table, now: datetime) -> None:
        """Copy a table into a fresh one whose rewritten columns take the new type's coerced values.

        DuckDB refuses to commit an UPDATE followed by an ALTER of the same table in one transaction, so a
        type change that converts values rebuilds the table instead; that keeps the whole save atomic.
        """
        rewrites = [r for r in self._rewrites if r.table == table.name]
        target = qualified(self.schema, table.name)
        old = quote_ident(f"{table.name}__old")
        selects, joins = [], []
        for i, rewrite in enumerate(rewrites):
            bad = rewrite.values.filter(pl.col("problem").is_not_null())
            if bad.height:
                self._archive(
                    table.name, rewrite.field.name, bad.select("_id", pl.col("v").cast(pl.String)), now
                )
            frame = rewrite.values.select(
                "_id",
                (pl.col("value") if "value" in rewrite.values.columns else pl.lit(None))
                .cast(rewrite.field.polars_dtype())
                .alias("value"),
            )
            self.cur.register(f"_rewrite_{i}", frame.to_arrow())
            joins.append(f"LEFT JOIN _rewrite_{i} r{i} ON r{i}._id = o._id")
        rewritten = {r.field.name: i for i, r in enumerate(rewrites)}
        columns = [n for n, _ in SYSTEM_COLUMNS] + [f.name for f in table.stored_fields()]
        for name in columns:
            selects.append(f"r{rewritten[name]}.value" if name in rewritten else f"o.{quote_ident(name)}")
        try:
            self.cur.execute(f"ALTER TABLE {target} RENAME TO {old}")
            self.cur.execute(create_table_sql(self.schema, table)[0])
            self.cur.execute(
                f"INSERT INTO {target} ({', '.join(quote_ident(c) for c in columns)}) "
                f"SELECT {', '.join(selects)} FROM {qualified(self.schema, table.name + '__old')} o {' '.join(joins)}"
            )
            self.cur.execute(f"DROP TABLE {qualified(self.schema, table.name + '__old')}")
        finally:
            for i in range(len(rewrites)):
                self.cur.unregister(f"_rewrite_{i}")

    def _archive_and_drop(self, table: str, fld: FieldBase, now: datetime) -> None:
        values = _column_values(self.cur, self.schema, table, fld.name)
        if values.height:
            self._archive(table, fld.name, values.select("_id", pl.col("v").cast(pl.String)), now)
        self.cur.execute(f"ALTER TABLE {qualified(self.schema, table)} DROP COLUMN {quote_ident(fld.name)}")

    def _archive(self, table: str, column: str, values: pl.DataFrame, now: datetime) -> None:
        self.cur.register("_archive_values", values.to_arrow())
        try:
            self.cur.execute(
                "INSERT INTO _archived_values SELECT ?, ?, ?, ?, ?, _id, v FROM _archive_values",
                [self.schema, table, column, self.version, now],
            )
        finally:
            self.cur.unregister("_archive_values")

    def _drop_unique_indexes(self, table: str) -> None:
        rows = self.cur.execute(
            "SELECT index_name FROM duckdb_indexes() WHERE schema_name = ? AND table_name = ? AND index_name LIKE 'ux__%'",
            [self.schema, table],
        ).fetchall()
        for (name,) in rows:
            self.cur.execute(f"DROP INDEX {qualified(self.schema, name)}")

    def _create_unique_indexes(self, table: Table) -> None:
        for column in unique_columns(table):
            index = quote_ident(f"ux__{table.name}__{column}__v{self.version}")
            self.cur.execute(
                f"CREATE UNIQUE INDEX {index} ON {qualified(self.schema, table.name)} ({quote_ident(column)})"
            )
