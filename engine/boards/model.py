"""Boards as part of the workspace JSON: a title, the roles that may see it, global filters and widgets; and the
health configuration (order and customer scores). Structure only: boards/checks.py checks the meaning."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.fields.base import NAME_PATTERN
from engine.roles import Role

# Paid, and either still not shipped 24 h later or shipped more than 24 h after payment.
UNSHIPPED_24H: dict[str, Any] = {
    "and": [
        {"!!": [{"var": "paid_at"}]},
        {
            "or": [
                {"and": [{"missing": ["shipped_at"]}, {">": [{"hours_since": [{"var": "paid_at"}]}, 24]}]},
                {">": [{"days_between": [{"var": "paid_at"}, {"var": "shipped_at"}]}, 1]},
            ]
        },
    ]
}
Measure = Literal["count", "sum", "avg", "rate"]
Bucket = Literal["none", "day", "week", "month", "hour_of_day"]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class WidgetBase(Frozen):
    id: str = Field(pattern=NAME_PATTERN, description="Unique within the board.")
    title: str = Field(min_length=1)
    title_en: str = ""
    table: str = "orders"
    condition: dict[str, Any] | None = Field(None, description="JSONLogic: only records meeting it count.")
    width: int = Field(6, ge=1, le=12, description="Columns of a 12-column grid row.")


class MetricWidget(WidgetBase):
    """A number: count, sum or average of a field, or the rate of records meeting `rate_condition`; compared
    with the previous period of the same length."""

    type: Literal["metric"] = "metric"
    measure: Measure = "count"
    field: str | None = Field(None, description="The number field summed or averaged.")
    rate_condition: dict[str, Any] | None = Field(
        None, description="For rate: the share of records meeting it."
    )
    date_field: str = "ordered_at"
    days: int = Field(30, ge=1, le=3660, description="The period; the comparison is the period before it.")
    better: Literal["higher", "lower"] = Field(
        "higher", description="Which way is good: more late orders is bad (lower), more paid orders good."
    )


class TableWidget(WidgetBase):
    type: Literal["table"] = "table"
    columns: list[str] = Field(min_length=1)
    sort: str | None = None
    descending: bool = True
    limit: int = Field(20, ge=1, le=500)


class ChartWidget(WidgetBase):
    """Bar or line: a measure per group (a field, or a date field by time bucket), optionally split by a field."""

    type: Literal["bar", "line"] = "bar"
    group_by: str
    bucket: Bucket = "none"
    measure: Measure = "count"
    field: str | None = None
    rate_condition: dict[str, Any] | None = None
    split: str | None = None
    days: int | None = Field(None, ge=1, le=3660, description="Only records of the last N days of group_by.")
    limit: int = Field(50, ge=1, le=500, description="Groups shown.")


class FunnelWidget(WidgetBase):
    """Records per state of the flow, with the median hours records spent in each state."""

    type: Literal["funnel"] = "funnel"


class HeatmapWidget(WidgetBase):
    type: Literal["heatmap"] = "heatmap"
    x: str = "paid_at"
    bucket: Literal["day", "hour_of_day"] = "day"
    y: str = "warehouse"
    measure: Literal["count", "rate"] = "count"
    heat_condition: dict[str, Any] = Field(default_factory=lambda: dict(UNSHIPPED_24H))
    window_days: int = Field(30, ge=1, le=366)


class ParetoWidget(WidgetBase):
    """Top categories of a field with their cumulative share (exception types, after-sales reasons)."""

    type: Literal["pareto"] = "pareto"
    group_by: str
    top: int = Field(5, ge=1, le=50)
    days: int | None = Field(None, ge=1, le=3660)
    date_field: str | None = None


class OrderHealthWidget(WidgetBase):
    """Score distribution and the review pool (orders below the threshold, with the component that cost most)."""

    type: Literal["order_health"] = "order_health"
    limit: int = Field(50, ge=1, le=1000)


class HealthDimensionsWidget(WidgetBase):
    """Timeliness rate, status completeness and cross-system consistency."""

    type: Literal["health_dimensions"] = "health_dimensions"


class CustomerHealthWidget(WidgetBase):
    type: Literal["customer_health"] = "customer_health"
    table: str = "customers"
    limit: int = Field(50, ge=1, le=1000)


class KpiWidget(WidgetBase):
    """Field KPIs: on-time delivery, first-time-right, hours per stage, or two periods side by side."""

    type: Literal["kpi"] = "kpi"
    kind: Literal["on_time", "first_time_right", "stage_times", "compare"] = "on_time"
    days: int = Field(30, ge=1, le=3660, description="The period (compare: each of the two periods).")


Widget = Annotated[
    MetricWidget
    | TableWidget
    | ChartWidget
    | FunnelWidget
    | HeatmapWidget
    | ParetoWidget
    | OrderHealthWidget
    | HealthDimensionsWidget
    | CustomerHealthWidget
    | KpiWidget,
    Field(discriminator="type"),
]
WIDGET_TYPES = (
    "metric", "table", "bar", "line", "funnel", "heatmap", "pareto", "order_health", "health_dimensions",
    "customer_health", "kpi",
)  # fmt: skip


class BoardFilter(Frozen):
    """Applied to every widget on `table`: a condition and the last `days` of `date_field`."""

    table: str = "orders"
    condition: dict[str, Any] | None = None
    date_field: str | None = None
    days: int | None = Field(None, ge=1, le=3660)


class Board(Frozen):
    name: str = Field(pattern=NAME_PATTERN)
    title: str = Field(min_length=1)
    title_en: str = ""
    roles: list[Role] = Field(
        default_factory=list, description="Who may see it (admins always); empty: everyone."
    )
    filters: BoardFilter = Field(default_factory=BoardFilter)
    widgets: list[Widget] = Field(default_factory=list)


# -- health ----------------------------------------------------------------------------------------------

OrderComponentKind = Literal["on_time", "modifications", "margin_deviation", "stuck", "after_sales"]


class OrderComponent(Frozen):
    """One part of the order score, normalised to 0 (bad) … 1 (good), weighted."""

    kind: OrderComponentKind
    weight: float = Field(gt=0)
    tolerance_hours: float = Field(
        2.0, ge=0, description="on_time: signed this long after the promise is on time."
    )
    zero_after_hours: float = Field(
        48.0, gt=0, description="on_time: this late beyond the tolerance scores 0."
    )
    per_change: float = Field(0.25, gt=0, le=1, description="modifications: what each manual change costs.")
    max_deviation: float = Field(
        0.2, gt=0, description="margin_deviation: margin this far from its SKU's usual margin scores 0."
    )


class OrderHealth(Frozen):
    table: str = "orders"
    components: list[OrderComponent] = Field(
        default_factory=lambda: [
            OrderComponent(kind="on_time", weight=0.4),
            OrderComponent(kind="modifications", weight=0.3),
            OrderComponent(kind="margin_deviation", weight=0.3),
        ],
        min_length=1,
    )
    threshold: float = Field(70, ge=0, le=100, description="Orders below it form the review pool.")
    # Fields the components read (the templates' names).
    promised_field: str = "promised_at"
    signed_field: str = "signed_at"
    price_field: str = "unit_price"
    cost_field: str = "unit_cost"
    group_field: str = "sku"
    after_sales_table: str = "after_sales"
    # Status steps whose timestamps make an order's history complete (completeness dimension).
    key_steps: list[str] = Field(default_factory=lambda: ["ordered_at", "paid_at", "shipped_at", "signed_at"])

    @property
    def tolerance_hours(self) -> float:
        """Hours off the promise that still count as on time: the on_time component's, else 2."""
        return next((c.tolerance_hours for c in self.components if c.kind == "on_time"), 2.0)


CustomerDimensionKind = Literal[
    "frequency", "recency", "breadth", "value_trend", "payment_terms", "on_time", "after_sales", "cancellations",
    "service_requests", "average_value",
]  # fmt: skip


DEFAULT_DIMENSIONS: tuple[CustomerDimensionKind, ...] = (
    "frequency", "recency", "breadth", "value_trend", "payment_terms", "on_time", "after_sales", "cancellations",
    "service_requests",
)  # fmt: skip


class CustomerDimension(Frozen):
    kind: CustomerDimensionKind
    weight: float = Field(1.0, gt=0)


class CustomerHealth(Frozen):
    table: str = "customers"
    orders_table: str = "orders"
    customer_field: str = Field("customer_no", description="The orders' relation to the customer.")
    dimensions: list[CustomerDimension] = Field(
        # Ordering often and lately weighs double: a customer who stopped ordering has no late deliveries
        # or complaints either, and must not look healthy for it.
        default_factory=lambda: [
            CustomerDimension(kind=k, weight=2.0 if k in ("frequency", "recency") else 1.0)
            for k in DEFAULT_DIMENSIONS
        ],
        min_length=1,
    )
    green: float = Field(70, ge=0, le=100)
    yellow: float = Field(50, ge=0, le=100)


class HealthConfig(Frozen):
    """Left out, a part uses the defaults (the templates' field names), and is not checked at save."""

    orders: OrderHealth | None = None
    customers: CustomerHealth | None = None

    @property
    def order_config(self) -> OrderHealth:
        return self.orders or OrderHealth()

    @property
    def customer_config(self) -> CustomerHealth:
        return self.customers or CustomerHealth()
