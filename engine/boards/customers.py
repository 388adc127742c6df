"""Customer health: per customer, ten dimensions measured from their orders and after-sales cases as of a
moment, each scored 0…1, combined (weighted) into 0-100 and red / yellow / green with the reason (the dimension
that cost the most points); the trend over the last three months; and a customer's recent orders."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from engine.boards.model import CustomerHealth
from engine.boards.scope import Context, after_sales_link, hours, scope, states_in
from engine.fields import SingleSelectField
from engine.registry import Registry
from engine.storage.sql import Fragment, Sql, compose, join, qualified, quote_ident

ORDERED, AMOUNT, CATEGORY = "ordered_at", "amount", "sku.category"
MONTH = timedelta(days=30)


@dataclass(frozen=True)
class Dimension:
    label: str
    score: pl.Expr
    reason: pl.Expr


def _clamp(e: pl.Expr) -> pl.Expr:
    return e.clip(0.0, 1.0)


def _pct(e: pl.Expr) -> pl.Expr:
    return (e * 100).round(0).cast(pl.Int64)


def _rate(n: str, base: str) -> pl.Expr:
    return pl.when(pl.col(base) > 0).then(pl.col(n) / pl.col(base))


DIMENSIONS: Registry[Dimension] = Registry(
    "customer dimension",
    {
        "frequency": Dimension(
            "下单频次", _clamp(pl.col("orders_90d") / 6), pl.format("90天内下单 {} 次", pl.col("orders_90d"))
        ),
        "recency": Dimension(
            "最近下单",
            pl.when(pl.col("days_since_order").is_null())
            .then(0.0)
            .otherwise(_clamp(1 - (pl.col("days_since_order") - 30) / 150)),
            pl.format("最近下单在 {} 天前", pl.col("days_since_order").round(0).cast(pl.Int64)),
        ),
        "breadth": Dimension(
            "品类广度",
            _clamp(pl.col("categories_180d") / 3),
            pl.format("180天内买过 {} 个品类", pl.col("categories_180d")),
        ),
        "value_trend": Dimension(
            "金额趋势",
            pl.when(pl.col("value_monthly_before") > 0)
            .then(_clamp(pl.col("value_30d") / pl.col("value_monthly_before")))
            .when(pl.col("value_30d") > 0)
            .then(1.0)
            .otherwise(0.0),
            pl.format(
                "近30天金额 {} 元, 此前月均 {} 元",
                pl.col("value_30d").round(0),
                pl.col("value_monthly_before").round(0),
            ),
        ),
        "payment_terms": Dimension(
            "账期",
            pl.col("terms_score"),
            pl.format("账期: {}", pl.col("payment_terms_label").fill_null("未填")),
        ),
        "on_time": Dimension(
            "准时率",
            _rate("on_time_180d", "signed_180d").fill_null(1.0),
            pl.format("准时交付 {}%", _pct(_rate("on_time_180d", "signed_180d").fill_null(1.0))),
        ),
        "after_sales": Dimension(
            "售后率",
            _clamp(1 - _rate("cases_180d", "orders_180d").fill_null(0.0) * 5),
            pl.format("售后率 {}%", _pct(_rate("cases_180d", "orders_180d").fill_null(0.0))),
        ),
        "cancellations": Dimension(
            "取消率",
            _clamp(1 - _rate("cancelled_180d", "orders_180d").fill_null(0.0) * 5),
            pl.format("取消率 {}%", _pct(_rate("cancelled_180d", "orders_180d").fill_null(0.0))),
        ),
        "service_requests": Dimension(
            "未结服务请求",
            _clamp(1 - pl.col("open_cases") * 0.5),
            pl.format("未结售后 {} 单", pl.col("open_cases")),
        ),
        "average_value": Dimension(
            "客单价",
            pl.when(pl.col("avg_value").is_null())
            .then(0.5)
            .otherwise(_clamp(pl.col("avg_value") / pl.col("avg_value").median())),
            pl.format("客单价 {} 元", pl.col("avg_value").round(0)),
        ),
    },
)


def _measures(
    ctx: Context, cfg: CustomerHealth, at: datetime, condition: dict[str, Any] | None
) -> pl.DataFrame:
    """Per customer, the raw measures as of `at` (only orders placed by then count)."""
    customers = ctx.ws.require_table(cfg.table)
    o = scope(ctx, cfg.orders_table, None, "health.customers")
    c = scope(ctx, cfg.table, condition, "condition")
    ordered, amount, link = o.value(ORDERED), o.value(AMOUNT), o.value(cfg.customer_field)
    category = o.value(CATEGORY)
    oh = ctx.ws.health.order_config
    signed, promised = o.value(oh.signed_field), o.value(oh.promised_field)
    tolerance = oh.tolerance_hours
    flow = o.table.flow
    cancelled = states_in(flow, "cancelled")
    status = o.value(flow.field) if flow else Fragment("NULL")
    inner = join(
        [
            link.wrap("{} AS c"),
            ordered.wrap("CAST({} AS TIMESTAMP) AS at"),
            amount.wrap("CAST({} AS DOUBLE) AS amount"),
            category.wrap("{} AS category"),
            status.wrap("{} AS state"),
            Fragment(
                f"({signed.sql} IS NOT NULL AND {promised.sql} IS NOT NULL) AS signed",
                (*signed.params, *promised.params),
            ),
            Fragment(
                f"{hours(signed.sql, promised.sql)} <= ? AS on_time",
                (*signed.params, *promised.params, tolerance),
            ),
        ],
        ", ",
    )
    osrc = o.source
    ckey = quote_ident(str(customers.business_key))
    terms = customers.field("payment_terms")
    cases = _cases(ctx, cfg, at)
    csrc, cwhere = c.source, c.where
    sql = compose(
        (
            "WITH o AS (SELECT {inner} FROM {osrc} WHERE CAST({ordered} AS TIMESTAMP) <= ?), "
            "cases AS ({cases}) "
            "SELECT t.{ckey} AS customer, t.{name} AS name, "
            "{part} AS payment_terms, "
            "count(o.at) FILTER (WHERE o.at > ?) AS orders_90d, "
            "max(o.at) AS last_order_at, "
            "count(DISTINCT o.category) FILTER (WHERE o.at > ?) AS categories_180d, "
            "coalesce(sum(o.amount) FILTER (WHERE o.at > ?), 0) AS value_30d, "
            "coalesce(sum(o.amount) FILTER (WHERE o.at > ? AND o.at <= ?), 0) / 3.0 AS value_monthly_before, "
            "count(o.at) FILTER (WHERE o.at > ? AND o.signed) AS signed_180d, "
            "count(o.at) FILTER (WHERE o.at > ? AND o.signed AND o.on_time) AS on_time_180d, "
            "count(o.at) FILTER (WHERE o.at > ?) AS orders_180d, "
            "count(o.at) FILTER (WHERE o.at > ? AND o.state IN (SELECT unnest(?))) AS cancelled_180d, "
            "avg(o.amount) FILTER (WHERE o.at > ?) AS avg_value, "
            "any_value(coalesce(k.cases_180d, 0)) AS cases_180d, any_value(coalesce(k.open_cases, 0)) AS open_cases "
            "FROM {csrc} LEFT JOIN o ON o.c = t.{ckey} LEFT JOIN cases k ON k.c = t.{ckey} "
            "WHERE {cwhere} GROUP BY ALL"
        ),
        inner=inner,
        osrc=osrc,
        ordered=ordered,
        cases=cases,
        ckey=ckey,
        name=quote_ident("name"),
        part=compose("t.{terms}", terms=quote_ident("payment_terms")) if terms else Sql("NULL"),
        csrc=csrc,
        cwhere=cwhere,
    )
    d90, d180 = at - timedelta(days=90), at - timedelta(days=180)
    params = [
        *inner.params, *osrc.params, *ordered.params, at, *cases.params,
        d90, d180, at - MONTH, at - 4 * MONTH, at - MONTH, d180, d180, d180, d180, cancelled, d180,
        *csrc.params, *cwhere.params,
    ]  # fmt: skip
    frame = ctx.store.cursor().execute(sql, params).pl()
    days = (pl.lit(at) - pl.col("last_order_at")).dt.total_seconds() / 86400
    frame = frame.with_columns(days.alias("days_since_order"))
    if isinstance(terms, SingleSelectField):
        order = {opt.value: max(0.2, 1 - 0.2 * i) for i, opt in enumerate(terms.options)}
        labels = {opt.value: opt.label for opt in terms.options}
        frame = frame.with_columns(
            pl.col("payment_terms")
            .replace_strict(order, default=0.7, return_dtype=pl.Float64)
            .alias("terms_score"),
            pl.col("payment_terms")
            .replace_strict(labels, default=None, return_dtype=pl.String)
            .alias("payment_terms_label"),
        )
    else:
        frame = frame.with_columns(
            pl.lit(0.7).alias("terms_score"), pl.lit(None, pl.String).alias("payment_terms_label")
        )
    return frame


def _cases(ctx: Context, cfg: CustomerHealth, at: datetime) -> Fragment:
    """After-sales cases per customer: opened in the 180 days before `at`, and open at `at`."""
    orders = ctx.ws.require_table(cfg.orders_table)
    found = after_sales_link(ctx.ws, orders)
    if found is None or found[0].field("opened_at") is None:  # no cases to count
        return Fragment("SELECT NULL AS c, 0 AS cases_180d, 0 AS open_cases WHERE FALSE")
    after, link = found
    closed = Sql("a.closed_at IS NULL OR a.closed_at > ?" if after.field("closed_at") else "TRUE")
    return Fragment(
        compose(
            "SELECT o.{customer_field} AS c, count(*) FILTER (WHERE a.opened_at > ?) AS cases_180d, "
            "count(*) FILTER (WHERE {closed}) AS open_cases FROM {after} a "
            "JOIN {orders} o ON o.{business_key} = "
            "a.{name} WHERE a.opened_at <= ? GROUP BY 1",
            customer_field=quote_ident(cfg.customer_field),
            closed=closed,
            after=qualified(ctx.ws.name, after.name),
            orders=qualified(ctx.ws.name, orders.name),
            business_key=quote_ident(str(orders.business_key)),
            name=quote_ident(link.name),
        ),
        (at - timedelta(days=180), *((at,) if after.field("closed_at") else ()), at),
    )


def _scored(frame: pl.DataFrame, cfg: CustomerHealth) -> pl.DataFrame:
    total = sum(d.weight for d in cfg.dimensions)
    kinds = [d.kind for d in cfg.dimensions]
    frame = frame.with_columns(DIMENSIONS[k].score.cast(pl.Float64).alias(f"{k}_score") for k in kinds)
    frame = frame.with_columns(
        (d.weight * (1 - pl.col(f"{d.kind}_score")) * 100 / total).alias(f"{d.kind}_lost")
        for d in cfg.dimensions
    )
    frame = frame.with_columns(
        (100 - pl.sum_horizontal([f"{k}_lost" for k in kinds])).round(2).alias("score")
    )
    worst_lost = pl.max_horizontal([f"{k}_lost" for k in kinds])
    worst = pl.coalesce(
        [pl.when((pl.col(f"{k}_lost") == worst_lost) & (worst_lost > 0)).then(pl.lit(k)) for k in kinds]
    )
    reason = pl.coalesce(
        [
            pl.when(worst == k).then(pl.concat_str(pl.lit(DIMENSIONS[k].label + ": "), DIMENSIONS[k].reason))
            for k in kinds
        ]
    )
    color = (
        pl.when(pl.col("score") >= cfg.green)
        .then(pl.lit("green"))
        .when(pl.col("score") >= cfg.yellow)
        .then(pl.lit("yellow"))
        .otherwise(pl.lit("red"))
    )
    return frame.with_columns(worst.alias("worst"), reason.alias("reason"), color.alias("color"))


def customer_scores(ctx: Context, condition: dict[str, Any] | None = None, months: int = 3) -> pl.DataFrame:
    """Every customer who has ordered: the dimension measures and scores now, score, color, worst dimension and reason, and
    the score at the end of each of the last `months` months (score_1m_ago …) for the trend."""
    cfg = ctx.ws.health.customer_config
    # A customer who never ordered (a lead, an imported contact) has no health to speak of yet.
    now = _scored(_measures(ctx, cfg, ctx.now, condition).filter(pl.col("last_order_at").is_not_null()), cfg)
    for m in range(1, months):
        past = _scored(_measures(ctx, cfg, ctx.now - m * MONTH, condition), cfg)
        now = now.join(
            past.select("customer", pl.col("score").alias(f"score_{m}m_ago")), on="customer", how="left"
        )
    if months > 1:
        now = now.with_columns((pl.col("score") - pl.col(f"score_{months - 1}m_ago")).round(2).alias("trend"))
    return now.sort("score", "customer")


def recent_orders(ctx: Context, customer: str, limit: int = 10) -> list[dict[str, Any]]:
    """The customer's latest orders: id, key, status, when ordered, amount."""
    cfg = ctx.ws.health.customer_config
    o = scope(ctx, cfg.orders_table, None, "recent_orders")
    link, ordered, amount = o.value(cfg.customer_field), o.value(ORDERED), o.value(AMOUNT)
    key = quote_ident(str(o.table.business_key or "_id"))
    status = o.value(o.table.flow.field) if o.table.flow else Fragment("NULL")
    columns = join(
        [
            Fragment(f"t._id, t.{key} AS key"),
            status.wrap("{} AS status"),
            ordered.wrap("{} AS ordered_at"),
            amount.wrap("{} AS amount"),
        ],
        ", ",
    )
    mine = Fragment(f"{link.sql} = ?", (*link.params, customer))
    return o.select(
        columns, mine, tail=compose("ORDER BY ordered_at DESC LIMIT {n}", n=int(limit))
    ).to_dicts()
