"""Meaning checks of boards and the health configuration: tables and fields exist and have the right kind,
conditions compile over their table. Every problem names its JSON path (boards[0].widgets[2].group_by)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import TYPE_CHECKING, Any

from engine.boards.model import (
    Board,
    ChartWidget,
    CustomerHealthWidget,
    HeatmapWidget,
    MetricWidget,
    ParetoWidget,
    TableWidget,
)
from engine.errors import Problem
from engine.fields import (
    FieldBase,
    RelationField,
    suggest,
)
from engine.fields.base import KIND_LABELS, Kind
from engine.registry import Registry

if TYPE_CHECKING:
    from engine.schema import Table, Workspace

CHECK_CLOCK = datetime(2026, 1, 1)
NUMBERS: Kind = "number"
DATES: Kind = "time"


def _field(table: Table, name: str | None, path: str, kind: Kind | None = None) -> list[Problem]:
    if name is None:
        return []
    field = table.field(name)
    if field is None:
        names = [f.name for f in table.fields]
        return [Problem(path, f"{table.name!r} has no field {name!r}{suggest(name, names)}")]
    if kind and not field.is_kind(kind):
        return [Problem(path, f"{name!r} is {field.type}, not {KIND_LABELS[kind][1]} field")]
    return []


def _condition(ws: Workspace, table: Table, rule: dict[str, Any] | None, path: str) -> list[Problem]:
    from engine.conditions.compile import Compiler, ConditionError

    if not rule:
        return []
    try:
        Compiler(table, now=CHECK_CLOCK, tz=ws.timezone, ws=ws).condition(rule, path)
    except ConditionError as exc:
        return list(exc.problems)
    return []


def _measure(table: Table, w: MetricWidget | ChartWidget, path: str) -> list[Problem]:
    if w.measure in ("sum", "avg"):
        if w.field is None:
            return [Problem(f"{path}.field", f"{w.measure} needs a number field")]
        return _field(table, w.field, f"{path}.field", NUMBERS)
    if w.measure == "rate" and not w.rate_condition:
        return [Problem(f"{path}.rate_condition", "rate needs the condition whose share it shows")]
    return []


def _metric(ws: Workspace, table: Table, w: Any, path: str) -> list[Problem]:
    return [
        *_measure(table, w, path),
        *_condition(ws, table, w.rate_condition, f"{path}.rate_condition"),
        *_field(table, w.date_field, f"{path}.date_field", DATES),
    ]


def _table(ws: Workspace, table: Table, w: TableWidget, path: str) -> list[Problem]:
    out = [p for i, c in enumerate(w.columns) for p in _field(table, c, f"{path}.columns[{i}]")]
    return out + _field(table, w.sort, f"{path}.sort")


def _chart(ws: Workspace, table: Table, w: ChartWidget, path: str) -> list[Problem]:
    out = _measure(table, w, path) + _condition(ws, table, w.rate_condition, f"{path}.rate_condition")
    out += _field(table, w.group_by, f"{path}.group_by") + _field(table, w.split, f"{path}.split")
    group = table.field(w.group_by)
    if group is not None and group.is_kind(DATES) and w.bucket == "none":
        out.append(
            Problem(f"{path}.bucket", f"{w.group_by!r} is a date: choose day, week, month or hour_of_day")
        )
    if group is not None and not group.is_kind(DATES) and w.bucket != "none":
        out.append(
            Problem(f"{path}.bucket", f"time buckets need a date field; {w.group_by!r} is {group.type}")
        )
    if w.days is not None and group is not None and not group.is_kind(DATES):
        out.append(Problem(f"{path}.days", f"days needs group_by to be a date field, not {group.type}"))
    return out


def _funnel(ws: Workspace, table: Table, w: Any, path: str) -> list[Problem]:
    return [] if table.flow else [Problem(f"{path}.table", f"{table.name!r} has no status flow")]


def _heatmap(ws: Workspace, table: Table, w: HeatmapWidget, path: str) -> list[Problem]:
    out = _field(table, w.x, f"{path}.x", DATES) + _field(table, w.y, f"{path}.y")
    return out + _condition(ws, table, w.heat_condition, f"{path}.heat_condition")


def _pareto(ws: Workspace, table: Table, w: ParetoWidget, path: str) -> list[Problem]:
    out = _field(table, w.group_by, f"{path}.group_by") + _field(
        table, w.date_field, f"{path}.date_field", DATES
    )
    if w.days is not None and w.date_field is None:
        out.append(Problem(f"{path}.date_field", "days needs the date field they count back on"))
    return out


def _order_health(ws: Workspace, table: Table, w: Any, path: str) -> list[Problem]:
    if table.name != ws.health.order_config.table:
        return [Problem(f"{path}.table", f"order health is configured for {ws.health.order_config.table!r}")]
    return []


def _customer_health(ws: Workspace, table: Table, w: CustomerHealthWidget, path: str) -> list[Problem]:
    if table.name != ws.health.customer_config.table:
        return [
            Problem(f"{path}.table", f"customer health is configured for {ws.health.customer_config.table!r}")
        ]
    return []


def _nothing(ws: Workspace, table: Table, w: Any, path: str) -> list[Problem]:
    return []


WIDGET_CHECKS: Registry[Callable[[Workspace, Table, Any, str], list[Problem]]] = Registry(
    "widget check",
    {
        "metric": _metric,
        "table": _table,
        "bar": _chart,
        "line": _chart,
        "funnel": _funnel,
        "heatmap": _heatmap,
        "pareto": _pareto,
        "order_health": _order_health,
        "health_dimensions": _order_health,
        "customer_health": _customer_health,
        "kpi": _funnel,
    },
)


def _table_named(ws: Workspace, name: str, path: str) -> tuple[Table | None, list[Problem]]:
    table = ws.table(name)
    if table is None:
        known = [t.name for t in ws.tables]
        return None, [Problem(path, f"unknown table {name!r}{suggest(name, known)}")]
    return table, []


def board_problems(ws: Workspace, board: Board, path: str) -> list[Problem]:
    """Every problem of one board."""
    out: list[Problem] = []
    ids = [w.id for w in board.widgets]
    ftable, problems = _table_named(ws, board.filters.table, f"{path}.filters.table")
    out += problems
    if ftable is not None:
        out += _condition(ws, ftable, board.filters.condition, f"{path}.filters.condition")
        out += _field(ftable, board.filters.date_field, f"{path}.filters.date_field", DATES)
        if board.filters.days is not None and board.filters.date_field is None:
            out.append(Problem(f"{path}.filters.date_field", "days needs the date field they count back on"))
    for i, w in enumerate(board.widgets):
        wpath = f"{path}.widgets[{i}]"
        if ids.count(w.id) > 1:
            out.append(Problem(f"{wpath}.id", f"widget id {w.id!r} is used twice in the board"))
        table, problems = _table_named(ws, w.table, f"{wpath}.table")
        out += problems
        if table is not None:
            out += _condition(ws, table, w.condition, f"{wpath}.condition")
            out += WIDGET_CHECKS[w.type](ws, table, w, wpath)
    return out


def _health_problems(ws: Workspace) -> list[Problem]:
    """The health configuration as the workspace gives it; left to its defaults (the templates' field names) it
    is not checked: a workspace of other tables simply has no health widgets that work."""
    out: list[Problem] = []
    cfg, path = ws.health.orders, "health.orders"
    orders, problems = _table_named(ws, cfg.table, f"{path}.table") if cfg else (None, [])
    out += problems
    if orders is not None and cfg is not None:
        kinds = {c.kind for c in cfg.components}
        wanted: list[tuple[str, str | None, tuple[type, ...] | None]] = [
            ("promised_field", cfg.promised_field if "on_time" in kinds else None, DATES),
            ("signed_field", cfg.signed_field if "on_time" in kinds else None, DATES),
            ("price_field", cfg.price_field if "margin_deviation" in kinds else None, NUMBERS),
            ("cost_field", cfg.cost_field if "margin_deviation" in kinds else None, NUMBERS),
            ("group_field", cfg.group_field if "margin_deviation" in kinds else None, None),
        ]
        for name, value, types in wanted:
            out += _field(orders, value, f"{path}.{name}", types)
        out += [
            p for i, s in enumerate(cfg.key_steps) for p in _field(orders, s, f"{path}.key_steps[{i}]", DATES)
        ]
        if "after_sales" in kinds:
            after, problems = _table_named(ws, cfg.after_sales_table, f"{path}.after_sales_table")
            out += problems
            if after is not None and not any(
                isinstance(f, RelationField) and f.table == orders.name for f in after.fields
            ):
                out.append(
                    Problem(f"{path}.after_sales_table", f"{after.name!r} has no relation to {orders.name!r}")
                )
    ccfg, cpath = ws.health.customers, "health.customers"
    if ccfg is None:
        return out
    customers, problems = _table_named(ws, ccfg.table, f"{cpath}.table")
    corders, more = _table_named(ws, ccfg.orders_table, f"{cpath}.orders_table")
    out += problems + more
    if customers is not None and corders is not None:
        link: FieldBase | None = corders.field(ccfg.customer_field)
        if not (isinstance(link, RelationField) and link.table == customers.name):
            out.append(
                Problem(
                    f"{cpath}.customer_field",
                    f"{ccfg.customer_field!r} is not a relation from {corders.name!r} to {customers.name!r}",
                )
            )
    return out


def check_boards(ws: Workspace) -> list[Problem]:
    """Board names unique; every board and the health configuration valid over the workspace's tables."""
    names = [b.name for b in ws.boards]
    out = [
        Problem(f"boards[{i}].name", f"board name {b.name!r} is used twice")
        for i, b in enumerate(ws.boards)
        if names.count(b.name) > 1
    ]
    for i, board in enumerate(ws.boards):
        out += board_problems(ws, board, f"boards[{i}]")
    return out + _health_problems(ws)
