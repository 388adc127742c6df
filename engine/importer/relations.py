"""Rows an import creates in the tables its relations point to: an order file naming SKUs a fresh workspace
does not have yet creates them (code, and the title and spec the file gives), when the relation's schema says
`on_import: create`. Created rows carry `_source = import:<batch>` and go with the batch's undo.

A file's columns fill a created row through mapped fields written `relation.field` (sku.name ← 宝贝标题);
a required field the file does not give takes the key itself, so the row is valid and easy to find.
"""

from __future__ import annotations

import re
from datetime import datetime

import polars as pl

from engine.auth import Actor
from engine.fields import RelationField
from engine.records.bulk import upsert_in
from engine.records.cells import ROW
from engine.schema import Table, Workspace
from engine.storage.sql import compose, qualified, quote_ident
from engine.storage.store import Cursor, Store, registered

RELATED = re.compile(r"^([a-z][a-z0-9_]*)\.([a-z][a-z0-9_]*)$")


def creating(table: Table, ws: Workspace | None = None) -> list[RelationField]:
    """The relations of a table whose missing targets an import creates from their codes; with `ws`, not
    those whose target numbers its own rows (customers: see buyers.py)."""
    out = [f for f in table.stored_fields() if isinstance(f, RelationField) and f.on_import == "create"]
    if ws is None:
        return out
    return [f for f in out if not _numbers_itself(ws.require_table(f.table))]


def _numbers_itself(target: Table) -> bool:
    key = target.field(str(target.business_key))
    return key is not None and key.generated


def related_columns(columns: list[str]) -> list[str]:
    """The mapped columns that fill a created row (`sku.name`), not the table itself."""
    return [c for c in columns if RELATED.match(c)]


def related_problems(ws: Workspace, table: Table, columns: list[str]) -> list[tuple[str, str]]:
    """(column, what is wrong) for `relation.field` targets that name no creating relation or no field."""
    out = []
    for column in related_columns(columns):
        head, rest = column.split(".")
        relation = table.field(head)
        if not isinstance(relation, RelationField):
            out.append((column, f"{head!r} is not a relation of {table.name!r}"))
        elif (target := ws.require_table(relation.table).field(rest)) is None or not target.stored:
            out.append((column, f"{relation.table!r} has no stored field {rest!r}"))
    return out


def missing_targets(
    cur: Cursor, ws: Workspace, table: Table, typed: pl.DataFrame, related: pl.DataFrame
) -> dict[str, pl.DataFrame]:
    """Per creating relation: one new row for each key the batch names that its target lacks, filled from
    the first row naming it (the key, the `relation.field` columns; required fields left out take the key)."""
    out = {}
    for relation in creating(table, ws):
        if relation.name not in typed.columns:
            continue
        target = ws.require_table(relation.table)
        key = str(target.business_key)
        code = pl.col(relation.name).cast(pl.String).str.strip_chars()
        named = typed.select(ROW, code).filter(code != "").unique(relation.name, keep="first")
        with registered(cur, _named=named.select(relation.name)):
            found = cur.execute(
                compose(
                    "SELECT n.{rel} AS k FROM _named n SEMI JOIN {target} t ON t.{key} = n.{rel}",
                    rel=quote_ident(relation.name),
                    target=qualified(ws.name, target.name),
                    key=quote_ident(key),
                )
            ).pl()
        new = named.filter(~pl.col(relation.name).is_in(found["k"].implode()))
        if new.is_empty():
            continue
        prefix = relation.name + "."
        extra = [c for c in related.columns if c.startswith(prefix)]
        rows = new.join(related.select(ROW, *extra), on=ROW, how="left") if extra else new
        rows = rows.rename({relation.name: key, **{c: c.removeprefix(prefix) for c in extra}}).drop(ROW)
        for field in target.stored_fields():
            if field.required and not field.generated and field.name != key:
                filled = pl.col(field.name) if field.name in rows.columns else pl.lit(None, pl.String)
                rows = rows.with_columns(pl.coalesce(filled.cast(pl.String), pl.col(key)).alias(field.name))
        out[relation.name] = rows.with_columns(pl.all().cast(pl.String))
    return out


def create_targets(
    cur: Cursor,
    store: Store,
    ws: Workspace,
    table: Table,
    new: dict[str, pl.DataFrame],
    actor: Actor,
    now: datetime,
    batch_id: int | None = None,
    source: str | None = None,
) -> dict[str, int]:
    """Insert the new target rows in the caller's transaction (an import batch notes each for its undo; a
    channel's intake passes its `source` instead); returns how many each target table got."""
    label = source or f"import:{batch_id}"
    made: dict[str, int] = {}
    for relation_name, rows in new.items():
        relation = table.by_name[relation_name]
        assert isinstance(relation, RelationField)
        target = ws.require_table(relation.table)
        before = cur.execute(
            compose("SELECT coalesce(max(_id), 0) FROM {target}", target=qualified(ws.name, target.name))
        ).fetchone()[0]  # type: ignore[index]
        result = upsert_in(
            cur, store, ws, target.name, rows, actor, now, source=label, report=True, flag_cells=True
        )
        made[target.name] = made.get(target.name, 0) + result.inserted
        if batch_id is not None:
            cur.execute(
                compose(
                    "INSERT INTO _import_created SELECT ?, ?, _id FROM {target} WHERE _id > ? AND _source = ?",
                    target=qualified(ws.name, target.name),
                ),
                [batch_id, target.name, before, label],
            )
    return made


def planned(new: dict[str, pl.DataFrame], ws: Workspace, table: Table) -> dict[str, int]:
    """How many rows the import will create, by target table name (for the preview)."""
    out: dict[str, int] = {}
    for relation_name, rows in new.items():
        target = ws.require_table(table.by_name[relation_name].table)  # type: ignore[attr-defined]
        out[target.name] = out.get(target.name, 0) + rows.height
    return out
