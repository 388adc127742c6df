"""Create, update, delete and get single records: the one write path for forms, pages and the CLI.

Every write checks the actor's permission, validates values with the field registry, maintains the system
columns, refuses a stale version (optimistic concurrency) and appends to the audit log, in one transaction.
Bulk writes live in bulk.py and share the same checks.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from engine.audit import StatusMove
from engine.auth import Actor, may, require_table, writable_problems
from engine.clock import as_naive
from engine.counters import next_autonumber
from engine.errors import ConflictError, DataError, NotFoundError, Problem, RefusedError
from engine.fields import RelationField, suggest
from engine.fields.base import coerce_values as coerce_field_values
from engine.query import SYSTEM_FIELDS, fetch_record
from engine.records.write import Write, after_write, delete_one, insert_one, update_one
from engine.schema import Table, Workspace
from engine.storage.migrate import unique_columns
from engine.storage.sql import Sql, compose, listing, qualified, quote_ident
from engine.storage.store import Cursor, Store


def check_names(table: Table, names: list[str]) -> list[Problem]:
    """Problems for names that are not fields of the table, or are system columns."""
    known = [f.name for f in table.fields]
    out = []
    for name in names:
        if name.startswith("_"):
            out.append(Problem(name, f"{name!r} is a system column and cannot be written"))
        elif table.field(name) is None:
            out.append(
                Problem(name, f"unknown field {name!r}{suggest(name, known)} in {table.label} ({table.name})")
            )
    return out


def coerce_values(
    table: Table, values: dict[str, Any], creating: bool
) -> tuple[dict[str, Any], list[Problem]]:
    """Typed values for the given fields (plus defaults when creating), and every problem found."""
    out: dict[str, Any] = {}
    problems: list[Problem] = []
    given = {f.name: f for f in table.stored_fields() if f.name in values}
    results = coerce_field_values(given, {n: values[n] for n in given})
    for field in table.stored_fields():
        if field.name in values:
            coerced = results[field.name]
            if not coerced.ok:
                problems.append(
                    Problem(
                        field.name,
                        f"{field.label}: {coerced.problem}",
                        (
                            "problem_value",
                            {"field": field.label, "field_en": field.label_en, "value": values[field.name]},
                        ),
                    )
                )
                continue
            out[field.name] = coerced.value
        elif creating and field.default is not None:
            out[field.name] = field.coerce(field.default).value
        if (field.required and field.name in out and out[field.name] is None) or (
            creating and field.required and field.name not in out and not field.generated
        ):
            problems.append(
                Problem(
                    field.name,
                    f"{field.label} ({field.name}) is required",
                    ("problem_required", {"field": field.label, "field_en": field.label_en}),
                )
            )
    return out, problems


def _needs_fixing(table: Table, problems: list[Problem]) -> DataError:
    return DataError(
        f"{table.label}: {len(problems)} field(s) need fixing; nothing was saved",
        problems,
        text=("problems_fix", {"n": len(problems)}),
    )


def validated(table: Table, values: dict[str, Any], actor: Actor, creating: bool) -> dict[str, Any]:
    """Typed values after every check that needs no database: permissions on the fields first (refused),
    then unknown names and bad values together (all reported at once)."""
    refused = writable_problems(actor, table, [n for n in values if table.field(n) is not None])
    if refused:
        raise RefusedError(f"{actor.username} may not write these fields", refused)
    unknown = check_names(table, list(values))
    known = {k: v for k, v in values.items() if table.field(k) is not None}
    typed, problems = coerce_values(table, known, creating)
    if unknown or problems:
        raise _needs_fixing(table, [*unknown, *problems])
    return typed


def _db_problems(
    cur: Cursor, ws: Workspace, table: Table, values: dict[str, Any], record_id: int | None
) -> list[Problem]:
    """Unique values already used by another row; relations pointing at rows that do not exist."""
    problems = []
    target = qualified(ws.name, table.name)
    for name in unique_columns(table):
        value = values.get(name)
        if value is None:
            continue
        hit = cur.execute(
            compose(
                "SELECT _id FROM {target} WHERE {name} = ? AND _id IS DISTINCT FROM ? LIMIT 1",
                target=target,
                name=quote_ident(name),
            ),
            [value, record_id],
        ).fetchone()
        if hit:
            label = table.by_name[name].label
            problems.append(
                Problem(
                    name,
                    f"{label} {value!r} is already used by another row (id {hit[0]})",
                    ("problem_unique", {"field": label, "value": value, "id": hit[0]}),
                )
            )
    for field in table.stored_fields():
        if isinstance(field, RelationField) and values.get(field.name) is not None:
            other = ws.require_table(field.table)
            found = cur.execute(
                compose(
                    "SELECT 1 FROM {other} WHERE {business_key} = ?",
                    other=qualified(ws.name, other.name),
                    business_key=quote_ident(str(other.business_key)),
                ),
                [values[field.name]],
            ).fetchone()
            if not found:
                problems.append(
                    Problem(
                        field.name,
                        f"{field.label}: no {other.label} {values[field.name]!r}",
                        (
                            "problem_no_row",
                            {"field": field.label, "table": other.label, "value": values[field.name]},
                        ),
                    )
                )
    return problems


def read_row(
    cur: Cursor,
    ws: Workspace,
    table: Table,
    record_id: int,
    columns: list[str] | None = None,
    system: tuple[str, ...] = SYSTEM_FIELDS,
) -> dict[str, Any]:
    """The stored row (all columns, or the `system` columns, business key and `columns`)."""
    if columns is None:
        select = Sql("*")
    else:
        names = [*system, *([table.business_key] if table.business_key else []), *columns]
        select = listing(map(quote_ident, dict.fromkeys(names)))
    result = cur.execute(
        compose(
            "SELECT {select} FROM {table} WHERE _id = ?", select=select, table=qualified(ws.name, table.name)
        ),
        [record_id],
    )
    row = result.fetchone()
    if row is None:
        raise NotFoundError(f"{table.label} ({table.name}) has no record with id {record_id}")
    return dict(zip([d[0] for d in result.description], row, strict=True))


def stored_row(store: Store, ws: Workspace, table: Table, record_id: int) -> dict[str, Any]:
    """Every stored column of one row, hidden fields included (for the engine's own checks)."""
    return read_row(store.cursor(), ws, table, record_id)


def _describe(table: Table, row: dict[str, Any]) -> str:
    key = table.business_key
    return f"{table.label} {row[key]}" if key and row.get(key) else f"{table.label} #{row['_id']}"


def create_record(
    store: Store,
    ws: Workspace,
    table_name: str,
    values: dict[str, Any],
    actor: Actor,
    now: datetime | None = None,
    source: str = "form",
) -> dict[str, Any]:
    """Validate and insert one record; returns it as stored (with computed and lookup fields)."""
    table = ws.require_table(table_name)
    require_table(actor, table, "create")
    typed = validated(table, values, actor, creating=True)
    moment = as_naive(now, ws.timezone)
    with store.transaction() as cur:
        for field in table.stored_fields():
            if field.generated and typed.get(field.name) is None:
                typed[field.name] = next_autonumber(cur, ws, table, field, moment)[0]
        problems = _db_problems(cur, ws, table, typed, None)
        if problems:
            raise _needs_fixing(table, problems)
        w = Write(store, cur, ws, table, actor, moment, source)
        new_id = insert_one(w, typed)
        after_write(w, [new_id])
    return get_record(store, ws, table_name, new_id, actor)


def update_record(
    store: Store,
    ws: Workspace,
    table_name: str,
    record_id: int,
    changes: dict[str, Any],
    expected_version: int,
    actor: Actor,
    now: datetime | None = None,
    source: str = "form",
) -> dict[str, Any]:
    """Apply changes if the record is still at `expected_version` (a stale version is refused).

    Returns the stored values after the change; call get_record for computed and lookup fields. The status
    of a table with a flow changes only through flow.transition.
    """
    table = ws.require_table(table_name)
    require_table(actor, table, "update")
    if not may(actor, "edit_records"):
        raise RefusedError(
            f"{actor.username} may move records on but not edit them", text=("refused_edit_records", {})
        )
    if table.flow and table.flow.field in changes:
        label = table.by_name[table.flow.field].label
        raise RefusedError(f"{label} ({table.flow.field}) changes only through the status flow's transitions")
    typed = validated(table, changes, actor, creating=False)
    moment = as_naive(now, ws.timezone)
    with store.transaction() as cur:
        current = read_row(cur, ws, table, record_id, list(typed))
        _check_version(table, current, expected_version)
        w = Write(store, cur, ws, table, actor, moment, source)
        after = write_changes(w, current, typed)
        if after is not current and after_write(w, [record_id]):
            after = read_row(cur, ws, table, record_id)
    return visible_row(table, actor, after)


def write_changes(
    w: Write, current: dict[str, Any], typed: dict[str, Any], move: StatusMove | None = None
) -> dict[str, Any]:
    """Inside the caller's transaction, write the typed values that differ from `current` (read in the same
    transaction, version checked) with uniqueness checks and audit; returns the row after (or `current`).

    A status `move` is recorded in the audit entry (the status history reads it from there); a move that
    changes nothing (a state to itself) is still history."""
    diff = {k: v for k, v in typed.items() if current.get(k) != v}
    if not diff and move is None:
        return current
    problems = _db_problems(w.cur, w.ws, w.table, diff, current["_id"])
    if problems:
        raise _needs_fixing(w.table, problems)
    return update_one(w, current, diff, move)


def visible_row(table: Table, actor: Actor, row: dict[str, Any]) -> dict[str, Any]:
    """The row without the fields hidden from the actor."""
    if actor.is_admin:  # nothing is hidden from an admin (the system actor of jobs and moves included)
        return row
    hidden = {f.name for f in table.fields if not may(actor, "read", f)}
    return {k: v for k, v in row.items() if k not in hidden}


def _check_version(table: Table, current: dict[str, Any], expected: int) -> None:
    if current["_version"] != expected:
        raise ConflictError(
            f"{_describe(table, current)} was changed by {current['_updated_by']} at "
            f"{current['_updated_at']:%Y-%m-%d %H:%M:%S} (now version {current['_version']}, your edit was based on "
            f"version {expected}); nothing was saved — reload it and apply your change again",
            expected=expected,
            actual=current["_version"],
        )


def delete_record(
    store: Store,
    ws: Workspace,
    table_name: str,
    record_id: int,
    expected_version: int,
    actor: Actor,
    now: datetime | None = None,
) -> None:
    """Delete one record at `expected_version`; refused while sub-table rows point at it."""
    table = ws.require_table(table_name)
    require_table(actor, table, "delete")
    moment = as_naive(now, ws.timezone)
    with store.transaction() as cur:
        current = read_row(cur, ws, table, record_id)
        _check_version(table, current, expected_version)
        _refuse_if_referenced(cur, ws, table, current)
        delete_one(Write(store, cur, ws, table, actor, moment, ""), current)


def _refuse_if_referenced(cur: Cursor, ws: Workspace, table: Table, row: dict[str, Any]) -> None:
    key = table.business_key
    if not key or row.get(key) is None:
        return
    for other in ws.tables:
        for field in other.stored_fields():
            if isinstance(field, RelationField) and field.table == table.name:
                count = cur.execute(
                    compose(
                        "SELECT count(*) FROM {other} WHERE {name} = ?",
                        other=qualified(ws.name, other.name),
                        name=quote_ident(field.name),
                    ),
                    [row[key]],
                ).fetchone()[0]  # type: ignore[index]
                if count:
                    raise RefusedError(
                        f"{_describe(table, row)} has {count} row(s) in {other.label} ({other.name}) pointing at it; "
                        "delete or re-link them first",
                        affected_rows=count,
                    )


def get_record(store: Store, ws: Workspace, table_name: str, record_id: int, actor: Actor) -> dict[str, Any]:
    """One record with every field the actor may see."""
    table = ws.require_table(table_name)
    require_table(actor, table, "read")
    row = fetch_record(store, ws, table, record_id, actor)
    if row is None:
        raise NotFoundError(f"{table.label} ({table.name}) has no record with id {record_id}")
    return row


def find_by_key(store: Store, ws: Workspace, table_name: str, key: str, actor: Actor) -> dict[str, Any]:
    """One record by its business key."""
    table = ws.require_table(table_name)
    require_table(actor, table, "read")
    if not table.business_key:
        raise DataError(f"{table.label} ({table.name}) has no business key")
    row = (
        store.cursor()
        .execute(
            compose(
                "SELECT _id FROM {table} WHERE {business_key} = ?",
                table=qualified(ws.name, table.name),
                business_key=quote_ident(table.business_key),
            ),
            [key],
        )
        .fetchone()
    )
    if row is None:
        raise NotFoundError(f"no {table.label} {key!r}")
    return get_record(store, ws, table_name, int(row[0]), actor)
