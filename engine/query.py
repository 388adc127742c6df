"""Read queries over a table: the select list (stored, computed and lookup fields), quick filters,
search by business key or phone, sort and paging. Builds SQL from checked names and bound values only.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import polars as pl

from engine.auth import Actor, may, require_table, table_actions
from engine.errors import DataError
from engine.expressions import compile_expression
from engine.fields import ComputedField, FieldBase, LookupField, PhoneField, RelationField, suggest
from engine.filters import Filter, compile_filter
from engine.schema import Table, Workspace
from engine.storage.sql import Fragment, Sql, all_of, any_of, compose, listing, qualified, quote_ident
from engine.storage.store import Store

SYSTEM_FIELDS = ("_id", "_version", "_created_at", "_created_by", "_updated_at", "_updated_by", "_source")
MAX_PAGE = 1000


@dataclass(frozen=True)
class Source:
    """FROM clause and the SQL expression of every field the actor may see."""

    base_sql: Sql  # the table alone
    joins: Sql  # the lookups' joins
    columns: dict[str, Sql]  # field or system name → SQL expression
    fields: dict[str, FieldBase]
    lookups: frozenset[str]  # fields that need the joins

    @property
    def from_sql(self) -> Sql:
        """The table with its lookup joins."""
        return compose("{base} {joins}", base=self.base_sql, joins=self.joins)


@dataclass(frozen=True)
class Page:
    rows: pl.DataFrame
    total: int
    page: int
    page_size: int

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def build_source(ws: Workspace, table: Table, actor: Actor | None) -> Source:
    """The table joined to what its lookups read, with an expression per visible field."""

    def column(name: str) -> Sql:
        return compose("t.{c}", c=quote_ident(name))

    columns = {name: column(name) for name in SYSTEM_FIELDS}
    joins: list[Sql] = []
    fields: dict[str, FieldBase] = {}

    for field in table.fields:
        if actor is not None and not may(actor, "read", field):
            continue
        fields[field.name] = field
        if field.stored:
            columns[field.name] = column(field.name)
        elif isinstance(field, ComputedField):
            expr = compile_expression(field.expression, column)
            # Computed expressions bind only numbers, which are inlined as checked float literals here
            # because a FROM/SELECT fragment shared by many queries cannot carry positional parameters.
            columns[field.name] = compose(
                "round({expr}, {scale})", expr=_inline_numbers(expr), scale=int(field.scale)
            )
        elif isinstance(field, LookupField):
            relation = table.field(field.relation)
            assert isinstance(relation, RelationField)
            target = ws.require_table(relation.table)
            j = quote_ident(f"l{len(joins)}")
            joins.append(
                compose(
                    "LEFT JOIN {target} {j} ON {j}.{key} = {relation}",
                    target=qualified(ws.name, target.name),
                    j=j,
                    key=quote_ident(str(target.business_key)),
                    relation=column(relation.name),
                )
            )
            columns[field.name] = compose("{j}.{c}", j=j, c=quote_ident(field.field))
    base_sql = compose("{table} t", table=qualified(ws.name, table.name))
    lookups = frozenset(n for n, f in fields.items() if isinstance(f, LookupField))
    return Source(base_sql, listing(joins, " "), columns, fields, lookups)


def _inline_numbers(fragment: Fragment) -> Sql:
    parts = fragment.sql.split("?")
    out = parts[0]
    for value, rest in zip(fragment.params, parts[1:], strict=True):
        out += repr(float(value)) + rest
    return Sql(out)  # only the expression's own text and float literals


def search_fragment(table: Table, source: Source, term: str) -> Fragment:
    """Match a term against the business key (exact or prefix), phone fields (any part) and search fields."""
    term = term.strip()
    parts: list[Fragment] = []
    if table.business_key and table.business_key in source.columns:
        col = source.columns[table.business_key]
        parts += [Fragment(f"{col} = ?", (term,)), Fragment(f"starts_with({col}, ?)", (term,))]
    # A phone search only for phone-like terms (digits, spaces, dashes, masks), at least 4 digits long.
    compact = term.replace(" ", "").replace("-", "").removeprefix("+86")
    digits = compact if len(compact) >= 4 and all(ch.isdigit() or ch == "*" for ch in compact) else ""
    for name, field in source.fields.items():
        if isinstance(field, PhoneField) and digits:
            parts.append(Fragment(f"contains({source.columns[name]}, ?)", (digits,)))
    for name in table.search_fields:
        if name in source.columns:
            parts.append(
                Fragment(f"contains(lower(CAST({source.columns[name]} AS VARCHAR)), lower(?))", (term,))
            )
    return any_of(parts)


def where_fragment(
    ws: Workspace, table: Table, source: Source, filters: list[Filter], search: str | None
) -> Fragment:
    parts = []
    known = list(source.fields)
    for i, flt in enumerate(filters):
        field = source.fields.get(flt.field)
        column_sql = source.columns.get(flt.field, Sql("NULL"))
        parts.append(compile_filter(field, flt, column_sql, known, f"filters[{i}]"))
    if search:
        parts.append(search_fragment(table, source, search))
    return all_of(parts)


def _select_list(source: Source) -> Sql:
    return listing(compose("{e} AS {n}", e=e, n=quote_ident(n)) for n, e in source.columns.items())


def order_sql(source: Source, sort: list[tuple[str, bool]]) -> Sql:
    """ORDER BY from (field, descending) pairs; _id breaks ties so pages are stable."""
    items = []
    for name, descending in sort:
        if name not in source.columns:
            raise DataError(f"sort: unknown field {name!r}{suggest(name, list(source.columns))}")
        direction = Sql("DESC" if descending else "ASC")
        items.append(compose("{c} {direction} NULLS LAST", c=source.columns[name], direction=direction))
    items.append(compose("{c} DESC", c=source.columns["_id"]))
    return listing(items)


def query_records(
    store: Store,
    ws: Workspace,
    table_name: str,
    actor: Actor,
    filters: list[Filter] | None = None,
    sort: list[tuple[str, bool]] | None = None,
    page: int = 1,
    page_size: int = 100,
    search: str | None = None,
) -> Page:
    """One page of rows the actor may read, filtered, searched and sorted, plus the total count."""
    table = ws.require_table(table_name)
    require_table(actor, table, "read")
    if not 1 <= page_size <= MAX_PAGE:
        raise DataError(f"page_size must be 1–{MAX_PAGE}, got {page_size}")
    if page < 1:
        raise DataError(f"page must be 1 or more, got {page}")
    source = build_source(ws, table, actor)
    where = where_fragment(ws, table, source, filters or [], search)
    select = _select_list(source)
    order = order_sql(source, sort or [])
    used = {f.field for f in filters or []} | {name for name, _ in sort or []}
    if search:
        used |= set(table.search_fields)
    # Lookups are joined for the page's rows only, unless a filter or the sort needs them first.
    early_join = bool(used & source.lookups)
    cur = store.cursor()
    counted_from = source.from_sql if early_join else source.base_sql
    total = cur.execute(
        compose("SELECT count(*) FROM {counted_from} WHERE {where}", counted_from=counted_from, where=where),
        list(where.params),
    ).fetchone()
    # Late materialisation: pick the page's ids on narrow columns, then read whole rows for those ids only.
    ids = cur.execute(
        compose(
            "SELECT t._id FROM {counted_from} WHERE {where} ORDER BY {order} LIMIT ? OFFSET ?",
            counted_from=counted_from,
            where=where,
            order=order,
        ),
        [*where.params, page_size, (page - 1) * page_size],
    ).fetchall()
    rows = cur.execute(
        compose(
            "SELECT {select} FROM {from_sql} WHERE t._id = ANY(?) ORDER BY {order}",
            select=select,
            from_sql=source.from_sql,
            order=order,
        ),
        [[i for (i,) in ids]],
    ).pl()
    return Page(rows, int(total[0]) if total else 0, page, page_size)


def fetch_record(
    store: Store, ws: Workspace, table: Table, record_id: int, actor: Actor | None
) -> dict[str, Any] | None:
    """One row as a dict with every field the actor may see (stored, computed, lookups), or None."""
    source = build_source(ws, table, actor)
    select = _select_list(source)
    cur = store.cursor()
    result = cur.execute(
        compose("SELECT {select} FROM {from_sql} WHERE t._id = ?", select=select, from_sql=source.from_sql),
        [record_id],
    )
    row = result.fetchone()
    if row is None:
        return None
    return dict(zip(source.columns, row, strict=True))


def sub_table_rows(
    store: Store, ws: Workspace, table: Table, record: dict[str, Any], actor: Actor, limit: int = 50
) -> list[tuple[Table, Page]]:
    """For each sub-table the actor may read, the rows that point at this record (e.g. its after-sales cases)."""
    key = table.business_key
    if not key or record.get(key) is None:
        return []
    out = []
    for name in table.sub_tables:
        child = ws.require_table(name)
        if "read" not in table_actions(actor, child):
            continue
        link = next(f for f in child.fields if isinstance(f, RelationField) and f.table == table.name)
        flt = Filter(field=link.name, op="eq", value=record[key])
        out.append((child, query_records(store, ws, name, actor, filters=[flt], page_size=limit)))
    return out
