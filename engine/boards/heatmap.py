"""The delay heatmap: records per (Y, X bucket) cell that meet a condition — by default orders not shipped
within 24 h of payment — over a window, as counts or as a rate; and the records behind one cell."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any, Literal

import polars as pl
from pydantic import BaseModel, ConfigDict, Field

from engine.auth import Actor, require_table
from engine.boards.model import UNSHIPPED_24H
from engine.boards.scope import BUCKETS
from engine.clock import as_naive
from engine.conditions.compile import Compiler
from engine.errors import AuthoringError
from engine.schema import Table, Workspace
from engine.storage.sql import Fragment, Sql, all_of, compose, listing, qualified, quote_ident, row_dicts
from engine.storage.store import Store


class HeatmapSpec(BaseModel):
    """What a heatmap shows: table, X (a date field by day, or hour of day), Y (a field), measure, window."""

    model_config = ConfigDict(extra="forbid")

    table: str = "orders"
    x: str = "paid_at"
    bucket: Literal["day", "hour_of_day"] = "day"
    y: str = "warehouse"
    measure: Literal["count", "rate"] = "count"
    condition: dict[str, Any] = Field(default_factory=lambda: dict(UNSHIPPED_24H))
    window_days: int = Field(30, ge=1, le=366)


def _checked(ws: Workspace, spec: HeatmapSpec) -> Table:
    table = ws.require_table(spec.table)
    x, y = table.field(spec.x), table.field(spec.y)
    if x is None or not x.is_kind("time"):
        raise AuthoringError(f"x: {spec.x!r} is not a date or datetime field of {table.name!r}")
    if y is None or not y.stored:
        raise AuthoringError(f"y: {table.name!r} has no stored field {spec.y!r}")
    return table


def _parts(
    ws: Workspace, table: Table, spec: HeatmapSpec, now: datetime, filters: list[dict[str, Any]]
) -> tuple[Sql, Fragment, Fragment, Fragment]:
    """(bucket SQL, FROM, the heat condition, the window and any filters)."""
    compiler = Compiler(table, now=now, tz=ws.timezone, ws=ws)
    condition = compiler.condition(spec.condition, "condition")
    narrowed = [compiler.condition(f, f"filters[{i}]") for i, f in enumerate(filters)]
    x = f"CAST(t.{quote_ident(spec.x)} AS TIMESTAMP)"
    window = all_of(
        [Fragment(f"{x} >= ? AND {x} <= ?", (now - timedelta(days=spec.window_days), now)), *narrowed]
    )
    return (
        Sql(BUCKETS[spec.bucket].replace("{}", x)),
        compiler.source(f"{qualified(ws.name, table.name)} t"),
        condition,
        window,
    )


def heatmap(
    store: Store,
    ws: Workspace,
    spec: HeatmapSpec,
    actor: Actor,
    now: datetime | None = None,
    filters: list[dict[str, Any]] | None = None,
) -> pl.DataFrame:
    """One row per cell: x, y, hits (records meeting the condition), total, value (hits or the rate); only
    records meeting every condition of `filters` count at all."""
    table = _checked(ws, spec)
    require_table(actor, table, "read")
    moment = as_naive(now, ws.timezone)
    bucket, source, condition, window = _parts(ws, table, spec, moment, filters or [])
    y = compose("t.{y}", y=quote_ident(spec.y))
    frame = (
        store.cursor()
        .execute(
            compose(
                "SELECT {bucket} AS x, {y} AS y, count(*) FILTER (WHERE {condition}) AS hits, count(*) AS total "
                "FROM {source} WHERE {window} AND {y} IS NOT NULL GROUP BY ALL ORDER BY y, x",
                bucket=bucket,
                y=y,
                condition=condition,
                source=source,
                window=window,
            ),
            [*condition.params, *source.params, *window.params],
        )
        .pl()
    )
    value = pl.col("hits") if spec.measure == "count" else (pl.col("hits") / pl.col("total")).round(4)
    return frame.with_columns(value.alias("value"))


def cell_records(
    store: Store,
    ws: Workspace,
    spec: HeatmapSpec,
    x_value: Any,
    y_value: Any,
    actor: Actor,
    now: datetime | None = None,
    limit: int = 200,
    filters: list[dict[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """The records behind one cell (those meeting the condition), with their id and business key."""
    table = _checked(ws, spec)
    require_table(actor, table, "read")
    moment = as_naive(now, ws.timezone)
    bucket, source, condition, window = _parts(ws, table, spec, moment, filters or [])
    key = quote_ident(table.business_key or "_id")
    shown = [quote_ident(n) for n in dict.fromkeys([spec.x, spec.y]) if n != table.business_key]
    return row_dicts(
        store.cursor().execute(
            compose(
                "SELECT t._id, t.{key} AS key, {part} FROM {source} "
                "WHERE {window} AND {condition} AND {bucket} = ? AND t.{y} = ? "
                "ORDER BY t._id LIMIT ?",
                key=key,
                part=listing(compose("t.{c}", c=c) for c in shown),
                source=source,
                window=window,
                condition=condition,
                bucket=bucket,
                y=quote_ident(spec.y),
            ),
            [*source.params, *window.params, *condition.params, x_value, y_value, limit],
        )
    )


def cell_key(spec: HeatmapSpec, text: str) -> Any:
    """A cell's x as the page sends it back (text) in the type its bucket has: a date, or an hour."""
    if spec.bucket == "hour_of_day":
        return int(text)
    return datetime.fromisoformat(text).date()


def matrix(frame: pl.DataFrame) -> pl.DataFrame:
    """The cells as a matrix: one row per y (its label), one column per x bucket, values in the cells."""
    if frame.height == 0:
        return pl.DataFrame()
    label = "y_label" if "y_label" in frame.columns else "y"
    wide = frame.with_columns(pl.col("x").cast(pl.String)).pivot(
        on="x", index=label, values="value", sort_columns=True
    )
    return wide.sort(label)
