"""Widget data: each widget type compiles to SQL over its scope and returns a frame (what pages draw) and a
few headline numbers. One renderer per type, in a registry (health and KPI widgets register in their modules)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

import polars as pl

from engine.boards.customers import customer_scores
from engine.boards.health import health_dimensions, order_scores, review_pool
from engine.boards.heatmap import HeatmapSpec, heatmap
from engine.boards.kpi import compare_periods, first_time_right, on_time, stage_times, weekly
from engine.boards.model import (
    ChartWidget,
    CustomerHealthWidget,
    FunnelWidget,
    HealthDimensionsWidget,
    HeatmapWidget,
    KpiWidget,
    Measure,
    MetricWidget,
    OrderHealthWidget,
    ParetoWidget,
    TableWidget,
)
from engine.boards.scope import BUCKETS, Context, Scope, flow_states, labelled, scope
from engine.fields import ComputedField, DecimalField, MoneyField
from engine.forms import label_of
from engine.registry import Registry
from engine.storage.sql import Fragment, Sql, compose, quote_ident

SALES_FIELDS = (MoneyField, ComputedField, DecimalField)  # amounts: what sales figures add up


@dataclass(frozen=True)
class WidgetData:
    """What one widget shows: its frame, and headline numbers (`meta`) such as a metric's change."""

    id: str
    type: str
    title: str
    frame: pl.DataFrame
    meta: dict[str, Any] = field(default_factory=dict)


Renderer = Callable[[Context, Any, str], WidgetData]
RENDERERS: Registry[Renderer] = Registry("widget renderer")


def renders(*types: str) -> Callable[[Renderer], Renderer]:
    def register(fn: Renderer) -> Renderer:
        for t in types:
            RENDERERS[t] = fn
        return fn

    return register


def _aggregate(
    s: Scope, measure: Measure, name: str | None, rate: dict[str, Any] | None, path: str
) -> Fragment:
    """count(*), sum/avg of a field, or the share of records meeting `rate` (0…1)."""
    if measure == "count":
        return Fragment("count(*)")
    if measure == "rate":
        test = s.condition(rate or {}, f"{path}.rate_condition")
        return test.wrap("avg(CASE WHEN {} THEN 1.0 ELSE 0.0 END)")
    value = s.value(str(name), f"{path}.field")
    flag = s.ctx.ws.intake_rules.non_sale_field(s.table)
    if flag is not None and isinstance(s.table.field(str(name)), SALES_FIELDS):
        # Gift and lucky-bag orders are not sales: their amounts stay out of sums and averages.
        marked = s.value(flag, f"{path}.field")
        value = Fragment(
            f"CASE WHEN coalesce({marked.sql}, FALSE) THEN NULL ELSE {value.sql} END",
            marked.params + value.params,
        )
    return value.wrap(f"{measure}(CAST({{}} AS DOUBLE))")


@renders("metric")
def metric(ctx: Context, w: MetricWidget, path: str) -> WidgetData:
    """The value over the last `days` days and over the `days` before, with the change."""
    s = scope(ctx, w.table, w.condition, path)
    agg = _aggregate(s, w.measure, w.field, w.rate_condition, path)
    date = s.value(w.date_field, f"{path}.date_field")
    start, middle = ctx.now - timedelta(days=2 * w.days), ctx.now - timedelta(days=w.days)
    columns = Fragment(
        f"{agg.sql} FILTER (WHERE CAST({date.sql} AS TIMESTAMP) > ?) AS current, "
        f"{agg.sql} FILTER (WHERE CAST({date.sql} AS TIMESTAMP) <= ?) AS previous",
        (*agg.params, *date.params, middle, *agg.params, *date.params, middle),
    )
    current, previous = s.select(columns, s.between(w.date_field, start, ctx.now, f"{path}.date_field")).row(
        0
    )
    current, previous = _number(current), _number(previous)
    change = None if current is None or previous is None else current - previous
    pct = None if change is None or not previous else change / abs(previous)
    frame = pl.DataFrame(
        {"period": ["current", "previous"], "value": [current, previous]},
        schema={"period": pl.String, "value": pl.Float64},
    )
    meta = {
        "value": current,
        "previous": previous,
        "change": change,
        "change_pct": pct,
        "days": w.days,
        "better": w.better,
    }
    return WidgetData(w.id, w.type, w.title, frame, meta)


def _number(value: Any) -> float | None:
    return None if value is None else round(float(value), 6)


@renders("table")
def table(ctx: Context, w: TableWidget, path: str) -> WidgetData:
    """Records with their id (for links to the record), the chosen columns, sorted, limited."""
    s = scope(ctx, w.table, w.condition, path)
    key = s.table.business_key or "_id"
    names = list(dict.fromkeys([key, *w.columns]))
    values = [s.value(n, f"{path}.columns") for n in names]
    columns = Fragment(
        ", ".join(
            ["t._id AS _id", *(f"{v.sql} AS {quote_ident(n)}" for v, n in zip(values, names, strict=True))]
        ),
        tuple(p for v in values for p in v.params),
    )
    order = (
        compose(
            "ORDER BY {sort} {direction} NULLS LAST, _id",
            sort=quote_ident(w.sort),
            direction=Sql("DESC" if w.descending else "ASC"),
        )
        if w.sort
        else Sql("ORDER BY _id DESC")
    )
    frame = s.select(columns, tail=compose("{order} LIMIT {n}", order=order, n=int(w.limit)))
    for n in names:
        frame = labelled(frame, s.table, n, n) if frame.schema[n] == pl.String else frame
    # The column headings people read: each field's label in the viewer's language.
    headings = {n: label_of(f, ctx.lang) if (f := s.table.field(n)) is not None else n for n in names}
    return WidgetData(w.id, w.type, w.title, frame, {"key": key, "table": s.table.name, "headings": headings})


@renders("bar", "line")
def chart(ctx: Context, w: ChartWidget, path: str) -> WidgetData:
    """One row per group (and split): x, [split], value; date groups in time order, others by value."""
    s = scope(ctx, w.table, w.condition, path)
    group = s.value(w.group_by, f"{path}.group_by")
    x = group.wrap(BUCKETS[w.bucket]) if w.bucket != "none" else group
    agg = _aggregate(s, w.measure, w.field, w.rate_condition, path)
    parts = [x.wrap("{} AS x")]
    if w.split:
        parts.append(s.value(w.split, f"{path}.split").wrap("{} AS split"))
    parts.append(agg.wrap("{} AS value"))
    columns = Fragment(", ".join(p.sql for p in parts), tuple(v for p in parts for v in p.params))
    where = [s.window(w.group_by, w.days, f"{path}.days")] if w.days else []
    where.append(x.wrap("{} IS NOT NULL"))
    order = Sql("ORDER BY x" if w.bucket != "none" else "ORDER BY value DESC, x")
    frame = s.select(
        columns,
        *where,
        tail=compose("GROUP BY ALL {order} LIMIT {n}", order=order, n=int(w.limit) * (20 if w.split else 1)),
    )
    if w.bucket == "none":
        frame = labelled(frame, s.table, "x", w.group_by)
    if w.split:
        frame = labelled(frame, s.table, "split", w.split)
    return WidgetData(w.id, w.type, w.title, frame, {"group_by": w.group_by, "bucket": w.bucket})


@renders("funnel")
def funnel(ctx: Context, w: FunnelWidget, path: str) -> WidgetData:
    """Per state of the flow: records now in it, records that ever reached it, median hours spent in it."""
    s = scope(ctx, w.table, w.condition, path)
    flow = s.table.flow
    assert flow is not None
    status = s.value(flow.field)
    now_in = s.select(
        Fragment(f"{status.sql} AS state, count(*) AS now_in", status.params), tail=Sql("GROUP BY ALL")
    )
    stays = s.stays()
    history = (
        ctx.store.cursor()
        .execute(
            compose(
                # A record now in a state has reached it, whether or not a move into it was recorded (rows
                # loaded in bulk have no history): "reached" is never below "now in".
                "{stays}, now_in AS (SELECT {status} AS state, t._id AS record_id FROM {source} WHERE {where}) "
                "SELECT r.state, count(DISTINCT r.record_id) AS reached, any_value(m.median_hours) AS median_hours "
                "FROM (SELECT to_state AS state, record_id FROM h UNION SELECT state, record_id FROM now_in) r "
                "LEFT JOIN (SELECT to_state AS state, median(epoch(coalesce(left_at, CAST(? AS TIMESTAMP)) - "
                "moved_at)) / 3600.0 AS median_hours FROM h GROUP BY 1) m ON m.state = r.state GROUP BY 1",
                stays=stays,
                status=status,
                source=s.source,
                where=s.where,
            ),
            [*stays.params, *status.params, *s.source.params, *s.where.params, ctx.now],
        )
        .pl()
    )
    frame = (
        flow_states(flow)
        .join(now_in, on="state", how="left")
        .join(history, on="state", how="left")
        .with_columns(
            pl.col("now_in").fill_null(0).cast(pl.Int64),
            pl.col("reached").fill_null(0).cast(pl.Int64),
            pl.col("median_hours").round(2),
        )
    )
    return WidgetData(w.id, w.type, w.title, frame, {"total": int(frame["now_in"].sum())})


@renders("heatmap")
def heat(ctx: Context, w: HeatmapWidget, path: str) -> WidgetData:
    """The heatmap's cells (x, y, hits, total, value) with y labels; meta holds the spec for cell drill-down."""
    spec = HeatmapSpec(
        table=w.table,
        x=w.x,
        bucket=w.bucket,
        y=w.y,
        measure=w.measure,
        condition=w.heat_condition,
        window_days=w.window_days,
    )
    filters = [c for c in (w.condition, _board_condition(ctx, w.table)) if c]
    frame = heatmap(ctx.store, ctx.ws, spec, ctx.actor, ctx.now, filters=filters)
    frame = labelled(frame, ctx.ws.require_table(w.table), "y", w.y)
    return WidgetData(w.id, w.type, w.title, frame, {"spec": spec.model_dump(), "filters": filters})


def _board_condition(ctx: Context, table: str) -> dict[str, Any] | None:
    board = ctx.filters
    return board.condition if board is not None and board.table == table else None


@renders("pareto")
def pareto(ctx: Context, w: ParetoWidget, path: str) -> WidgetData:
    """The top categories by count with their share and cumulative share of all records in scope."""
    s = scope(ctx, w.table, w.condition, path)
    group = s.value(w.group_by, f"{path}.group_by")
    where = [s.window(w.date_field, w.days, f"{path}.days")] if w.days and w.date_field else []
    where.append(group.wrap("{} IS NOT NULL"))
    counts = s.select(
        group.wrap("{} AS category, count(*) AS n"),
        *where,
        tail=Sql("GROUP BY ALL ORDER BY n DESC, category"),
    )
    total = int(counts["n"].sum()) if counts.height else 0
    frame = (
        counts.head(w.top)
        .with_columns(
            (pl.col("n") / max(total, 1)).round(4).alias("share"),
            (pl.col("n").cum_sum() / max(total, 1)).round(4).alias("cumulative_share"),
        )
        .pipe(labelled, s.table, "category", w.group_by)
    )
    return WidgetData(w.id, w.type, w.title, frame, {"total": total, "categories": counts.height})


@renders("order_health")
def order_health(ctx: Context, w: OrderHealthWidget, path: str) -> WidgetData:
    """The review pool (lowest scores first, with the component that cost the most); meta: the distribution."""
    cfg = ctx.ws.health.order_config
    scores = order_scores(ctx, w.condition, path)
    pool = review_pool(scores, cfg.threshold)
    bands = (
        scores.select((pl.col("score") // 10 * 10).clip(0, 90).cast(pl.Int64).alias("band"))
        .group_by("band")
        .len()
        .sort("band")
    )
    meta = {
        "orders": scores.height,
        "average": round(float(scores["score"].mean()), 2) if scores.height else None,
        "threshold": cfg.threshold,
        "pool": pool.height,
        "bands": bands.rows(),
        "key": ctx.ws.require_table(cfg.table).business_key,
    }
    columns = [
        "_id",
        "key",
        "state",
        "score",
        "worst",
        "reason",
        *[f"{c.kind}_score" for c in cfg.components],
    ]
    return WidgetData(w.id, w.type, w.title, pool.select(columns).head(w.limit), meta)


@renders("health_dimensions")
def dimensions(ctx: Context, w: HealthDimensionsWidget, path: str) -> WidgetData:
    frame = health_dimensions(ctx, w.condition, path)
    return WidgetData(w.id, w.type, w.title, frame, {r[0]: r[4] for r in frame.rows()})


@renders("customer_health")
def customer_health(ctx: Context, w: CustomerHealthWidget, path: str) -> WidgetData:
    """Customers worst first: score, red/yellow/green, the reason and the trend; meta: counts per colour."""
    scores = customer_scores(ctx, w.condition)
    columns = [
        c
        for c in ("customer", "name", "score", "color", "reason", "score_1m_ago", "score_2m_ago", "trend")
        if c in scores.columns
    ]
    colors = dict(scores.group_by("color").len().rows())
    meta = {"customers": scores.height, **{c: int(colors.get(c, 0)) for c in ("red", "yellow", "green")}}
    return WidgetData(w.id, w.type, w.title, scores.select(columns).head(w.limit), meta)


@renders("kpi")
def kpi_view(ctx: Context, w: KpiWidget, path: str) -> WidgetData:
    s = scope(ctx, w.table, w.condition, path)
    if w.kind == "stage_times":
        return WidgetData(w.id, w.type, w.title, stage_times(ctx, s, w.days), {"kind": w.kind})
    if w.kind == "compare":
        frame = compare_periods(s, w.days)
        return WidgetData(w.id, w.type, w.title, frame, {"kind": w.kind, "days": w.days})
    measure = on_time if w.kind == "on_time" else first_time_right
    overall = measure(s, ctx.now - timedelta(days=w.days), ctx.now)
    meta = {
        "kind": w.kind,
        "value": overall.value,
        "count": overall.count,
        "base": overall.base,
        "days": w.days,
    }
    return WidgetData(w.id, w.type, w.title, weekly(s, w.days, measure), meta)
