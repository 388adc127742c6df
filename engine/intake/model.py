"""Channel connectors and the intake rules as part of the workspace JSON: each connector's source, field and
status mappings and schedule; dedup and merge rules, source credibility and the intake queue's limits.
Structure only: intake/checks.py checks the meaning, connectors/ implements the sources."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.fields.base import NAME_PATTERN
from engine.importer.derived import Derived

# What kind of party a source is: its credibility for statuses comes from this.
SourceKind = Literal["logistics", "wms", "erp", "pos", "platform", "chat"]
ConnectorType = Literal["platform_api", "platform_export", "pos_csv", "status_feed", "chat", "webhook"]
Platform = Literal["taobao", "jd", "douyin", "pdd", "wechat", "generic"]

DEFAULT_CREDIBILITY: dict[str, int] = {
    "logistics": 50,
    "wms": 40,
    "erp": 30,
    "pos": 20,
    "platform": 10,
    "chat": 5,
}
SOURCE_LABELS: dict[str, tuple[str, str]] = {
    "logistics": ("物流(菜鸟)", "logistics (Cainiao)"),
    "wms": ("仓库WMS", "WMS"),
    "erp": ("ERP", "ERP"),
    "pos": ("门店POS", "store POS"),
    "platform": ("平台", "platform"),
    "chat": ("聊天下单", "chat"),
}


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


# Sources of files a person exported (history as the back office wrote it): a bad cell there is flagged for
# repair and its row kept, as in a history import; live sources keep the strict checks of the API.
FILE_TYPES = ("platform_export", "pos_csv")


class Connector(Frozen):
    """One source of orders or status events, mapped onto a table of the workspace."""

    name: str = Field(pattern=NAME_PATTERN)
    label: str = Field(min_length=1)
    type: ConnectorType
    platform: Platform = "generic"
    source: SourceKind = "platform"
    table: str = "orders"
    enabled: bool = True
    every_minutes: int = Field(3, ge=1, le=1440, description="Schedule: one sync this often.")
    url: str = Field("", description="Base URL of a platform API (platform_api).")
    folder: str = Field("", description="Watched folder (platform_export, pos_csv, status_feed, chat).")
    key_prefix: str = Field("", description="Prefix of the business key made from the source's order id.")
    fields: dict[str, str] = Field(
        default_factory=dict, description="Workspace field → source field (dotted path into the payload)."
    )
    statuses: dict[str, str] = Field(
        default_factory=dict, description="Source status value → workspace state."
    )
    fixed: dict[str, Any] = Field(
        default_factory=dict, description="Field → value for every row (渠道 = 淘宝)."
    )
    options: dict[str, Any] = Field(default_factory=dict, description="Adapter settings (page size, …).")
    derived: list[Derived] = Field(
        default_factory=list,
        description="Fields read out of other source columns (unit price = goods total ÷ quantity, …).",
    )

    def flags_cells(self) -> bool:
        """Whether a row with a bad cell lands with the cell flagged (exported files) or is rejected."""
        return self.type in FILE_TYPES


class DedupRule(Frozen):
    """Rows with the same values of `match` whose times are within `window_hours` are one order."""

    enabled: bool = True
    match: list[str] = Field(default_factory=lambda: ["phone", "address"], min_length=1)
    time_field: str = "ordered_at"
    window_hours: float = Field(2, gt=0, le=720)


class PresaleRule(Frozen):
    """A presale's deposit and balance orders become one main order; their amounts add up in `amount_field`."""

    enabled: bool = True
    amount_field: str = "unit_price"


class GiftRule(Frozen):
    """Gift and lucky-bag orders: flagged in `flag_field` (non-sale: no stock taken, not in sales figures)."""

    enabled: bool = True
    flag_field: str = "non_sale"
    text_fields: list[str] = Field(default_factory=lambda: ["remarks"])
    keywords: list[str] = Field(default_factory=lambda: ["福袋", "赠品", "礼品", "lucky bag", "gift"])


class CustomerRule(Frozen):
    """Orders find their customer by phone; privacy numbers listed in `virtual_field` map to the real one."""

    table: str = "customers"
    phone_field: str = "phone"
    virtual_field: str = "virtual_phones"
    order_customer_field: str = "customer_no"
    level_field: str = "level"
    vip_levels: list[str] = Field(default_factory=lambda: ["A", "VIP"])


class QueueRule(Frozen):
    """The intake queue: micro-batch size and the depth past which only core fields are applied at once."""

    # One flash sale's first minute (21,000 orders) fits one micro-batch: one transaction, one dedup pass.
    batch_size: int = Field(25_000, ge=100, le=1_000_000)
    depth_threshold: int = Field(5_000, ge=1)
    core_fields: list[str] = Field(
        default_factory=lambda: [
            "status",
            "customer_no",
            "phone",
            "address",
            "sku",
            "qty",
            "unit_price",
            "paid_at",
        ]
    )


class IntakeConfig(Frozen):
    """How channel orders become records: the table, dedup/merge rules, credibility and the queue."""

    table: str = "orders"
    dedup: DedupRule = Field(default_factory=DedupRule)
    presale: PresaleRule = Field(default_factory=PresaleRule)
    gifts: GiftRule = Field(default_factory=GiftRule)
    customers: CustomerRule | None = Field(default_factory=CustomerRule)
    credibility: dict[str, int] = Field(default_factory=lambda: dict(DEFAULT_CREDIBILITY))
    queue: QueueRule = Field(default_factory=QueueRule)

    def non_sale_field(self, table: Any) -> str | None:
        """The yes/no field marking gift and lucky-bag orders of `table` (no stock taken, not in sales sums)."""
        g = self.gifts
        field = table.field(g.flag_field) if g.enabled and table.name == self.table else None
        return g.flag_field if field is not None and field.type == "boolean" else None

    def weight(self, source: str) -> int:
        """A source kind's credibility (unknown kinds rank lowest)."""
        return self.credibility.get(source, DEFAULT_CREDIBILITY.get(source, 0))
