"""The form-schema language: workspace → tables → fields, status flow, and places for rules, boards, health.

Owns the pydantic models only (structure). Meaning is checked in schema_checks.py; parsing with readable,
path-named errors is in schema_load.py.
"""

from __future__ import annotations

from functools import cached_property
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from engine.boards.model import Board, HealthConfig
from engine.errors import NotFoundError
from engine.fields import AnyField, FieldBase, suggest
from engine.fields.base import NAME_PATTERN
from engine.intake.model import Connector, IntakeConfig
from engine.roles import Action, Role

StateCategory = Literal["open", "done", "cancelled"]
Level = Literal["info", "yellow", "red"]


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class State(Frozen):
    """One status of a flow; `name` is the stored value of the status field."""

    name: str = Field(pattern=NAME_PATTERN)
    label: str = Field(min_length=1)
    label_en: str = ""
    color: str = Field("#9e9e9e", pattern=r"^#[0-9a-fA-F]{6}$")
    category: StateCategory = "open"
    sla_hours: float | None = Field(None, gt=0, description="Time allowed in this state before it is late.")


class Recipients(Frozen):
    """Who hears of something: roles and users get it in the in-app inbox; channels are group robots."""

    roles: list[Role] = Field(default_factory=list)
    users: list[str] = Field(default_factory=list)
    channels: list[str] = Field(
        default_factory=list, description="Names of notification channels (WeCom, DingTalk, Feishu, webhook)."
    )


class NotifyEffect(Recipients):
    """On the move, send a message; {field} placeholders are filled from the record."""

    type: Literal["notify"] = "notify"
    message: str = Field(min_length=1)
    level: Level = "info"


class StockEffect(Frozen):
    """On the move, take the record's quantity from (reserve) or give it back to (release) the stock table."""

    type: Literal["reserve_stock", "release_stock"]
    relation: str = Field(description="Relation field pointing at the stock row (e.g. sku).")
    quantity: str = Field(description="Number field of this table with the quantity (e.g. qty).")
    stock_field: str = Field("stock", description="Integer field of the related table holding the stock.")


Effect = Annotated[NotifyEffect | StockEffect, Field(discriminator="type")]


class Transition(Frozen):
    """A move between states: who may make it, under which guard, and what it needs and sets."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)

    from_: list[str] = Field(
        alias="from", min_length=1, description="States this transition leaves; '*' = any."
    )
    to: str
    label: str = Field(min_length=1)
    roles: list[Role] = Field(
        default_factory=list, description="Roles allowed; empty = anyone who may update."
    )
    guard: dict[str, Any] | None = Field(None, description="Condition (JSONLogic) that must hold.")
    require_fields: list[str] = Field(
        default_factory=list, description="Fields that must be filled to enter."
    )
    set_fields: dict[str, Any] = Field(
        default_factory=dict,
        description="Fields set on the move; values may be {'now': []} or {'actor': []}.",
    )
    acknowledge: list[Role] = Field(
        default_factory=list, description="Roles that must acknowledge after the move."
    )
    acknowledge_minutes: float | None = Field(None, gt=0)
    acknowledge_escalate_to: list[Role] = Field(
        default_factory=lambda: ["manager"], description="Who hears when an acknowledgement is late."
    )
    effects: list[Effect] = Field(default_factory=list, description="Side effects of the move.")
    automatic: bool = Field(
        False, description="Made by the engine as soon as the guard holds after the record changes."
    )
    builder: dict[str, Any] | None = Field(
        None, description="The condition builder's tree of the guard, kept to edit it again."
    )


class Flow(Frozen):
    """The status flow of a table, held in its status field."""

    field: str
    initial: str
    states: list[State] = Field(min_length=1)
    transitions: list[Transition] = Field(default_factory=list)

    def state(self, name: str) -> State | None:
        return next((s for s in self.states if s.name == name), None)


class Table(Frozen):
    """An order table (or customers, SKUs, after-sales…): fields, business key, flow, permissions."""

    name: str = Field(pattern=NAME_PATTERN)
    label: str = Field(min_length=1)
    label_en: str = ""
    business_key: str | None = Field(None, description="Field that identifies a row to people and imports.")
    fields: list[AnyField] = Field(min_length=1)
    sub_tables: list[str] = Field(
        default_factory=list, description="Tables whose rows belong to one row here."
    )
    search_fields: list[str] = Field(default_factory=list, description="Fields the quick search looks in.")
    flow: Flow | None = None
    permissions: dict[Role, list[Action]] | None = None

    @cached_property
    def by_name(self) -> dict[str, FieldBase]:
        return {f.name: f for f in self.fields}

    def field(self, name: str) -> FieldBase | None:
        return self.by_name.get(name)

    def stored_fields(self) -> list[FieldBase]:
        return [f for f in self.fields if f.stored]


class Escalation(Recipients):
    """A step of an alert's escalation chain: still unacknowledged `after_minutes` after it opened."""

    after_minutes: float = Field(gt=0)
    level: Level | None = Field(None, description="Level the alert rises to; unchanged when empty.")


class AlertRule(Recipients):
    """A condition watched over all records of a table; a record that meets it gets one open alert."""

    name: str = Field(pattern=NAME_PATTERN)
    label: str = Field(min_length=1)
    table: str
    condition: dict[str, Any]
    level: Level = "yellow"
    message: str = Field(min_length=1, description="Text with {field} placeholders.")
    escalation: list[Escalation] = Field(default_factory=list)
    renotify_minutes: float | None = Field(None, gt=0, description="Repeat while open and unacknowledged.")
    enabled: bool = True
    builder: dict[str, Any] | None = Field(
        None, description="The condition builder's tree, kept to edit the condition again."
    )


class Workspace(Frozen):
    """A whole workspace: one JSON document, saved as numbered versions."""

    name: str = Field(pattern=NAME_PATTERN, description="Slug; also the DuckDB schema holding the tables.")
    label: str = Field(min_length=1)
    label_en: str = ""
    template: str | None = None
    timezone: str = "Asia/Shanghai"
    tables: list[Table] = Field(min_length=1)
    rules: list[AlertRule] = Field(default_factory=list)
    boards: list[Board] = Field(default_factory=list)
    health: HealthConfig = Field(default_factory=HealthConfig)
    connectors: list[Connector] = Field(default_factory=list)
    intake: IntakeConfig | None = Field(
        None, description="Dedup/merge rules, credibility and queue limits; defaults when absent (unchecked)."
    )

    @field_validator("health", mode="before")
    @classmethod
    def _health_was_a_list(cls, value: Any) -> Any:
        # Workspaces saved before health was configurable hold an empty list: the defaults apply.
        return {} if value == [] else value

    @cached_property
    def by_name(self) -> dict[str, Table]:
        return {t.name: t for t in self.tables}

    def table(self, name: str) -> Table | None:
        return self.by_name.get(name)

    def rule(self, name: str) -> AlertRule:
        """The alert rule called `name`."""
        return self._named(self.rules, name, "alert rule")

    def board(self, name: str) -> Board:
        """The board called `name`."""
        return self._named(self.boards, name, "board")

    @cached_property
    def intake_rules(self) -> IntakeConfig:
        """The intake configuration, or the defaults when the workspace has none."""
        return self.intake or IntakeConfig()

    def connector(self, name: str) -> Connector:
        """The connector called `name`."""
        return self._named(self.connectors, name, "connector")

    def _named(self, items: list[Any], name: str, what: str) -> Any:
        found = next((item for item in items if item.name == name), None)
        if found is None:
            known = [item.name for item in items]
            raise NotFoundError(f"workspace {self.name!r} has no {what} {name!r}{suggest(name, known)}")
        return found

    def require_table(self, name: str) -> Table:
        """The table called `name`; the error names the known tables and the closest one."""
        table = self.by_name.get(name)
        if table is None:
            known = list(self.by_name)
            raise NotFoundError(
                f"workspace {self.name!r} has no table {name!r}{suggest(name, known)} (tables: {', '.join(known)})"
            )
        return table
