"""Order health: a 0-100 score from weighted components, each normalised to 0 (bad) … 1 (good), computed for
every order in one query; the review pool (orders below the threshold, with the component that cost the
most points); and the three-dimension health dashboard (timeliness, status completeness, consistency).

Raw measures come from SQL (hours off the promise, audited changes, margins, hours in the current state,
after-sales cases); the scoring is polars expressions over them, one registry entry per component kind.
Cancelled orders are not scored: nothing about them can still go right or wrong.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import polars as pl

from engine.boards.model import OrderComponent, OrderHealth
from engine.boards.scope import Context, Scope, after_sales_link, hours, scope, states_in
from engine.conditions.compile import AUDIT_ITEMS_SQL
from engine.errors import NotFoundError
from engine.registry import Registry
from engine.storage.sql import Fragment, Sql, compose, join, qualified, quote_ident

LABELS = {
    "on_time": ("准时交付", "On-time delivery"),
    "modifications": ("修改次数", "Modifications"),
    "margin_deviation": ("毛利偏差", "Margin deviation"),
    "stuck": ("状态停滞", "Stuck in a state"),
    "after_sales": ("售后", "After-sales"),
}


@dataclass(frozen=True)
class Measures:
    """The SQL of one component's raw measures (selected AS the given names) and the joins they need."""

    columns: list[Fragment]
    joins: list[Fragment]


def _on_time(s: Scope, cfg: OrderHealth, c: OrderComponent) -> Measures:
    promised, signed = s.value(cfg.promised_field), s.value(cfg.signed_field)
    # Signed: hours off the promise (either way). Not yet signed: hours past the promise so far (or none yet).
    sql = (
        f"CASE WHEN {promised.sql} IS NULL THEN NULL WHEN {signed.sql} IS NOT NULL "
        f"THEN abs({hours(signed.sql, promised.sql)}) ELSE greatest({hours('?', promised.sql)}, 0) END"
    )
    params = (*promised.params, *signed.params, *signed.params, *promised.params, s.ctx.now, *promised.params)
    return Measures([Fragment(f"{sql} AS off_promise_hours", params)], [])


def _modifications(s: Scope, cfg: OrderHealth, c: OrderComponent) -> Measures:
    status = s.table.flow.field if s.table.flow else None
    # Status moves are the flow working, not changes to the order: an item that moves the status is left out.
    not_moves = Sql("AND NOT contains(a.changes, ?)" if status else "")
    join_sql = compose(
        (
            "LEFT JOIN (SELECT a.record_id, count(*) AS n FROM {AUDIT_ITEMS_SQL} a WHERE a.workspace = ? "
            "AND a.table_name = ? AND a.action = 'update' {not_moves} GROUP BY a.record_id) _mods "
            "ON _mods.record_id = t._id"
        ),
        AUDIT_ITEMS_SQL=AUDIT_ITEMS_SQL,
        not_moves=not_moves,
    )
    params = (s.ctx.ws.name, s.table.name, *([f'"{status}":'] if status else []))
    return Measures([Fragment("coalesce(_mods.n, 0) AS modifications")], [Fragment(join_sql, params)])


def _margin(s: Scope, cfg: OrderHealth, c: OrderComponent) -> Measures:
    price, cost, group = s.value(cfg.price_field), s.value(cfg.cost_field), s.value(cfg.group_field)
    margin = (
        f"(CAST({price.sql} AS DOUBLE) - CAST({cost.sql} AS DOUBLE)) / nullif(CAST({price.sql} AS DOUBLE), 0)"
    )
    margin_params = (*price.params, *cost.params, *price.params)
    return Measures(
        [
            Fragment(f"{margin} AS margin", margin_params),
            Fragment(
                f"median({margin}) OVER (PARTITION BY {group.sql}) AS usual_margin",
                (*margin_params, *group.params),
            ),
        ],
        [],
    )


def _stuck(s: Scope, cfg: OrderHealth, c: OrderComponent) -> Measures:
    join_sql = (
        "LEFT JOIN (SELECT record_id, max(moved_at) AS since FROM _status_history WHERE workspace = ? "
        "AND table_name = ? GROUP BY record_id) _since ON _since.record_id = t._id"
    )
    return Measures(
        [Fragment(f"{hours('?', 'coalesce(_since.since, t._created_at)')} AS hours_in_state", (s.ctx.now,))],
        [Fragment(join_sql, (s.ctx.ws.name, s.table.name))],
    )


def _after_sales(s: Scope, cfg: OrderHealth, c: OrderComponent) -> Measures:
    found = after_sales_link(s.ctx.ws, s.table)
    if found is None:
        raise NotFoundError(f"no after-sales table {cfg.after_sales_table!r} related to {s.table.name!r}")
    after, link = found
    key = quote_ident(str(s.table.business_key))
    join_sql = compose(
        (
            "LEFT JOIN (SELECT {name} AS k, count(*) AS n FROM {after} "
            "GROUP BY 1) _cases ON _cases.k = t.{key}"
        ),
        name=quote_ident(link.name),
        after=qualified(s.ctx.ws.name, after.name),
        key=key,
    )
    return Measures([Fragment("coalesce(_cases.n, 0) AS after_sales_cases")], [Fragment(join_sql)])


def _clamp(e: pl.Expr) -> pl.Expr:
    return e.clip(0.0, 1.0)


@dataclass(frozen=True)
class Component:
    """A component kind: its raw measures, its score (0…1) from them, and what its reason says."""

    measures: Callable[[Scope, OrderHealth, OrderComponent], Measures]
    score: Callable[[OrderComponent], pl.Expr]
    reason: Callable[[], pl.Expr]


def _on_time_score(c: OrderComponent) -> pl.Expr:
    off = pl.col("off_promise_hours")
    return (
        pl.when(off.is_null() | (off <= c.tolerance_hours))
        .then(1.0)
        .otherwise(_clamp(1 - (off - c.tolerance_hours) / c.zero_after_hours))
    )


def _margin_score(c: OrderComponent) -> pl.Expr:
    margin, usual = pl.col("margin"), pl.col("usual_margin")
    return (
        pl.when(margin.is_null() | usual.is_null())
        .then(1.0)
        .otherwise(_clamp(1 - (margin - usual).abs() / c.max_deviation))
    )


def _stuck_score(c: OrderComponent) -> pl.Expr:
    hours, sla = pl.col("hours_in_state"), pl.col("sla_hours")
    return pl.when(sla.is_null() | (hours <= sla)).then(1.0).otherwise(_clamp(1 - (hours - sla) / sla))


COMPONENTS: Registry[Component] = Registry(
    "health component",
    {
        "on_time": Component(
            _on_time,
            _on_time_score,
            lambda: pl.format("偏离承诺 {} 小时", pl.col("off_promise_hours").round(1)),
        ),
        "modifications": Component(
            _modifications,
            lambda c: _clamp(1 - pl.col("modifications") * c.per_change),
            lambda: pl.format("修改 {} 次", pl.col("modifications")),
        ),
        "margin_deviation": Component(
            _margin,
            _margin_score,
            lambda: pl.format(
                "毛利率 {}% (同款通常 {}%)",
                (pl.col("margin") * 100).round(1),
                (pl.col("usual_margin") * 100).round(1),
            ),
        ),
        "stuck": Component(
            _stuck,
            _stuck_score,
            lambda: pl.format("当前状态已停留 {} 小时", pl.col("hours_in_state").round(1)),
        ),
        "after_sales": Component(
            _after_sales,
            lambda c: pl.when(pl.col("after_sales_cases") == 0).then(1.0).otherwise(0.0),
            lambda: pl.format("售后 {} 单", pl.col("after_sales_cases")),
        ),
    },
)


def order_scores(ctx: Context, condition: dict[str, Any] | None = None, path: str = "health") -> pl.DataFrame:
    """Every order in scope (not cancelled): _id, key, state, the raw measures, `<kind>_score` per component,
    score (0-100), worst (the component that cost the most points, if any) and reason."""
    cfg = ctx.ws.health.order_config
    s = scope(ctx, cfg.table, condition, path)
    flow = s.table.flow
    parts = [Fragment(f"t._id, t.{quote_ident(str(s.table.business_key or '_id'))} AS key")]
    where = []
    if flow is not None:
        status = s.value(flow.field)
        parts.append(status.wrap("{} AS state"))
        cancelled = states_in(flow, "cancelled")
        if cancelled:
            where.append(
                Fragment(
                    f"coalesce({status.sql} NOT IN (SELECT unnest(?)), TRUE)", (*status.params, cancelled)
                )
            )
    joins: list[Fragment] = []
    for c in cfg.components:
        measures = COMPONENTS[c.kind].measures(s, cfg, c)
        parts += [m for m in measures.columns if m.sql not in {p.sql for p in parts}]
        joins += [j for j in measures.joins if j.sql not in {x.sql for x in joins}]
    columns = join(parts, ", ")
    source = join([s.source, *joins], " ")
    condition_sql = s.narrowed(*where)
    frame = (
        ctx.store.cursor()
        .execute(
            compose(
                "SELECT {columns} FROM {source} WHERE {condition_sql}",
                columns=columns,
                source=source,
                condition_sql=condition_sql,
            ),
            [*columns.params, *source.params, *condition_sql.params],
        )
        .pl()
    )
    return _scored(frame, cfg, flow)


def _scored(frame: pl.DataFrame, cfg: OrderHealth, flow: Any) -> pl.DataFrame:
    if "hours_in_state" in frame.columns:
        sla = {st.name: st.sla_hours for st in flow.states} if flow is not None else {}
        frame = frame.with_columns(
            pl.col("state").replace_strict(sla, default=None, return_dtype=pl.Float64).alias("sla_hours")
        )
    total = sum(c.weight for c in cfg.components)
    scores = [COMPONENTS[c.kind].score(c).cast(pl.Float64).alias(f"{c.kind}_score") for c in cfg.components]
    frame = frame.with_columns(scores)
    lost = [
        (c.weight * (1 - pl.col(f"{c.kind}_score")) * 100 / total).alias(f"{c.kind}_lost")
        for c in cfg.components
    ]
    frame = frame.with_columns(lost).with_columns(
        (100 - pl.sum_horizontal([f"{c.kind}_lost" for c in cfg.components])).round(2).alias("score")
    )
    kinds = [c.kind for c in cfg.components]
    worst_lost = pl.max_horizontal([f"{k}_lost" for k in kinds])
    worst = pl.coalesce(
        [pl.when((pl.col(f"{k}_lost") == worst_lost) & (worst_lost > 0)).then(pl.lit(k)) for k in kinds]
    )
    reason = pl.coalesce(
        [
            pl.when(worst == k).then(pl.concat_str(pl.lit(LABELS[k][0] + ": "), COMPONENTS[k].reason()))
            for k in kinds
        ]
    )
    return frame.with_columns(worst.alias("worst"), reason.alias("reason"))


def review_pool(scores: pl.DataFrame, threshold: float, limit: int | None = None) -> pl.DataFrame:
    """Orders below the threshold, lowest first, with the component that cost the most points."""
    pool = scores.filter(pl.col("score") < threshold).sort("score", "_id")
    return pool.head(limit) if limit else pool


def health_dimensions(
    ctx: Context, condition: dict[str, Any] | None = None, path: str = "health"
) -> pl.DataFrame:
    """Timeliness (signed within ± tolerance of the promise), status completeness (finished orders with at most
    one key step missing its time) and cross-system consistency (orders whose imports and channel connectors
    agree on the status): one row each with the share, the count and the base."""
    cfg = ctx.ws.health.order_config
    s = scope(ctx, cfg.table, condition, path)
    tolerance = cfg.tolerance_hours
    promised, signed = s.value(cfg.promised_field), s.value(cfg.signed_field)
    off = f"abs({hours(signed.sql, promised.sql)})"
    timely = s.select(
        Fragment(
            f"count(*) FILTER (WHERE {off} <= ?) AS n, count(*) AS base",
            (*signed.params, *promised.params, tolerance),
        ),
        Fragment(
            f"{promised.sql} IS NOT NULL AND {signed.sql} IS NOT NULL", (*promised.params, *signed.params)
        ),
    ).row(0)
    complete = _completeness(s, cfg)
    consistent = _consistency(s)
    rows = [
        ("timeliness", "时效达成率", *timely),
        ("completeness", "状态完整度", *complete),
        ("consistency", "跨系统一致性", *consistent),
    ]
    return pl.DataFrame(rows, schema=["dimension", "label", "count", "base"], orient="row").with_columns(
        pl.when(pl.col("base") > 0).then((pl.col("count") / pl.col("base")).round(4)).alias("share")
    )


def _completeness(s: Scope, cfg: OrderHealth) -> tuple[int, int]:
    flow = s.table.flow
    steps = [s.value(name) for name in cfg.key_steps]
    missing = join([v.wrap("CAST({} IS NULL AS INTEGER)") for v in steps], " + ") if steps else Fragment("0")
    where = []
    if flow is not None:
        done = states_in(flow, "done")
        status = s.value(flow.field)
        where.append(Fragment(f"{status.sql} IN (SELECT unnest(?))", (*status.params, done)))
    n, base = s.select(
        Fragment(f"count(*) FILTER (WHERE {missing.sql} <= 1) AS n, count(*) AS base", missing.params), *where
    ).row(0)
    return int(n), int(base)


def _consistency(s: Scope) -> tuple[int, int]:
    """Among records two or more sources speak for — imports (a saved mapping, else a file name) and channel
    connectors (each source kind's latest report) — those whose latest word from each source is the same."""
    source, where = s.source, s.where
    scoped = compose("(SELECT t._id FROM {source} WHERE {where})", source=source, where=where)
    target, key = qualified(s.ctx.ws.name, s.table.name), quote_ident(str(s.table.business_key))
    scope_params = [s.ctx.ws.name, s.table.name, *source.params, *where.params]
    n, base = (
        s.ctx.store.cursor()
        .execute(
            compose(
                "WITH snaps AS (SELECT r.record_id, coalesce(b.mapping_name, b.file_name) AS source, "
                "arg_max(r.status, r.batch_id) AS status FROM _import_rows r JOIN _import_batches b ON b.id = r.batch_id "
                "WHERE b.workspace = ? AND b.table_name = ? AND b.status = 'committed' AND r.status IS NOT NULL "
                "AND r.record_id IN {scoped} GROUP BY 1, 2 "
                "UNION ALL SELECT o._id, 'connector:' || r.source, r.status FROM _status_reports r "
                "JOIN {target} o ON o.{key}::VARCHAR = r.record_key WHERE r.workspace = ? AND r.table_name = ? "
                "AND o._id IN {scoped}), "
                "per AS (SELECT record_id, count(*) AS sources, count(DISTINCT status) AS statuses FROM snaps GROUP BY 1) "
                "SELECT count(*) FILTER (WHERE statuses = 1), count(*) FROM per WHERE sources >= 2",
                scoped=scoped,
                target=target,
                key=key,
            ),
            [*scope_params, *scope_params],
        )
        .fetchone()
    )  # type: ignore[misc]
    return int(n), int(base)
