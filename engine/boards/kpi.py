"""KPI views from the field: on-time delivery rate (paid → signed within the promised time), first-time-right
rate (no after-sales case, so no re-shipment), hours per stage of the flow, and two periods side by side with
the change in points. Periods are by payment time; each KPI is one SQL aggregate over the widget's scope."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta

import polars as pl

from engine.boards.scope import Context, Scope, after_sales_link, flow_states, hours
from engine.registry import Registry
from engine.storage.sql import Fragment, compose, qualified, quote_ident

PAID = "paid_at"


@dataclass(frozen=True)
class Rate:
    count: int
    base: int

    @property
    def value(self) -> float | None:
        return round(self.count / self.base, 4) if self.base else None


def _period(s: Scope, start: datetime, end: datetime) -> Fragment:
    return s.between(PAID, start, end)


def on_time(s: Scope, start: datetime, end: datetime) -> Rate:
    """Of the orders paid in the period and signed, those signed no later than promised."""
    cfg = s.ctx.ws.health.order_config
    signed, promised = s.value(cfg.signed_field), s.value(cfg.promised_field)
    n, base = s.select(
        Fragment(
            f"count(*) FILTER (WHERE {signed.sql} <= {promised.sql}), count(*)",
            (*signed.params, *promised.params),
        ),
        _period(s, start, end),
        Fragment(
            f"{signed.sql} IS NOT NULL AND {promised.sql} IS NOT NULL", (*signed.params, *promised.params)
        ),
    ).row(0)
    return Rate(int(n), int(base))


def _cases_join(s: Scope) -> Fragment | None:
    found = after_sales_link(s.ctx.ws, s.table)
    if found is None:
        return None
    after, link = found
    return Fragment(
        compose(
            "t.{business_key} IN (SELECT {name} FROM {after})",
            business_key=quote_ident(str(s.table.business_key)),
            name=quote_ident(link.name),
            after=qualified(s.ctx.ws.name, after.name),
        )
    )


def first_time_right(s: Scope, start: datetime, end: datetime) -> Rate:
    """Of the orders paid in the period and signed, those with no after-sales case (no re-shipment either)."""
    signed = s.value(s.ctx.ws.health.order_config.signed_field)
    cases = _cases_join(s) or Fragment("FALSE")
    n, base = s.select(
        Fragment(f"count(*) FILTER (WHERE NOT ({cases.sql})), count(*)", cases.params),
        _period(s, start, end),
        signed.wrap("{} IS NOT NULL"),
    ).row(0)
    return Rate(int(n), int(base))


def after_sales_rate(s: Scope, start: datetime, end: datetime) -> Rate:
    cases = _cases_join(s) or Fragment("FALSE")
    n, base = s.select(
        Fragment(f"count(*) FILTER (WHERE {cases.sql}), count(*)", cases.params), _period(s, start, end)
    ).row(0)
    return Rate(int(n), int(base))


def hours_to_ship(s: Scope, start: datetime, end: datetime) -> float | None:
    """Average hours from payment to shipping of the orders paid in the period and shipped."""
    paid = s.value(PAID)
    shipped = s.value("shipped_at")
    (average,) = s.select(
        Fragment(f"avg({hours(shipped.sql, paid.sql)})", (*shipped.params, *paid.params)),
        _period(s, start, end),
        shipped.wrap("{} IS NOT NULL"),
    ).row(0)
    return None if average is None else round(float(average), 2)


def orders_paid(s: Scope, start: datetime, end: datetime) -> float:
    (n,) = s.select(Fragment("count(*)"), _period(s, start, end)).row(0)
    return float(n)


# name → (label, unit, how it is measured); rates are compared in points, the rest as numbers.
COMPARED: Registry[tuple[str, str, Callable[[Scope, datetime, datetime], object]]] = Registry(
    "compared KPI",
    {
        "on_time_rate": ("准时交付率", "rate", lambda s, a, b: on_time(s, a, b).value),
        "first_time_right_rate": ("一次做对率", "rate", lambda s, a, b: first_time_right(s, a, b).value),
        "after_sales_rate": ("售后率", "rate", lambda s, a, b: after_sales_rate(s, a, b).value),
        "hours_to_ship": ("付款到发货(小时)", "hours", hours_to_ship),
        "orders": ("付款订单数", "count", orders_paid),
    },
)


def compare_periods(s: Scope, days: int) -> pl.DataFrame:
    """Each KPI over the `days` before now (after) and the `days` before that (before), with the change —
    in percentage points for rates."""
    now = s.ctx.now
    span = timedelta(days=days)
    rows = []
    for name, (label, unit, measure) in COMPARED.items():
        before, after = measure(s, now - 2 * span, now - span), measure(s, now - span, now)
        change = None
        if before is not None and after is not None:
            change = round((float(after) - float(before)) * (100 if unit == "rate" else 1), 2)  # type: ignore[arg-type]
        rows.append((name, label, unit, before, after, change))
    return pl.DataFrame(
        rows,
        schema={
            "kpi": pl.String,
            "label": pl.String,
            "unit": pl.String,
            "before": pl.Float64,
            "after": pl.Float64,
            "change": pl.Float64,
        },
        orient="row",
    )


def stage_times(ctx: Context, s: Scope, days: int) -> pl.DataFrame:
    """Per state: how many stays in it ended in the last `days` days, and their average and median hours."""
    flow = s.table.flow
    assert flow is not None
    stays = s.stays()
    frame = (
        ctx.store.cursor()
        .execute(
            compose(
                "{stays} SELECT to_state AS state, count(*) AS stays, avg(epoch(left_at - moved_at)) / 3600.0 "
                "AS avg_hours, median(epoch(left_at - moved_at)) / 3600.0 AS median_hours FROM h "
                "WHERE left_at IS NOT NULL AND left_at > ? AND left_at <= ? GROUP BY 1",
                stays=stays,
            ),
            [*stays.params, ctx.now - timedelta(days=days), ctx.now],
        )
        .pl()
    )
    return (
        flow_states(flow)
        .join(frame, on="state", how="inner")
        .with_columns(pl.col("avg_hours").round(2), pl.col("median_hours").round(2))
    )


def weekly(s: Scope, days: int, measure: Callable[[Scope, datetime, datetime], Rate]) -> pl.DataFrame:
    """The rate per 7-day step over the last `days` days (oldest first)."""
    now = s.ctx.now
    rows = []
    for i in range((days + 6) // 7 - 1, -1, -1):
        end = now - timedelta(days=7 * i)
        r = measure(s, end - timedelta(days=7), end)
        rows.append((end.date(), r.count, r.base, r.value))
    return pl.DataFrame(
        rows,
        schema={"week_ending": pl.Date, "count": pl.Int64, "base": pl.Int64, "rate": pl.Float64},
        orient="row",
    )
