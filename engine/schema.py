"""The form-schema language: workspace → tables → fields, status flow, and places for rules, boards, health.

Owns the pydantic models only (structure). Meaning is checked in schema_checks.py; parsing with readable,
path-named errors is in schema_load.py.
"""

from __future__ import annotations

from functools import cached_property
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from engine.errors import NotFoundError
from engine.fields import AnyField, FieldBase, suggest
from engine.fields.base import NAME_PATTERN
from engine.roles import Action, Role

StateCategory = Literal["open", "done", "cancelled"]


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


class Workspace(Frozen):
    """A whole workspace: one JSON document, saved as numbered versions."""

    name: str = Field(pattern=NAME_PATTERN, description="Slug; also the DuckDB schema holding the tables.")
    label: str = Field(min_length=1)
    label_en: str = ""
    template: str | None = None
    timezone: str = "Asia/Shanghai"
    tables: list[Table] = Field(min_length=1)
    # Filled by later capabilities (alerts, boards, health); kept as data so templates can carry them now.
    rules: list[dict[str, Any]] = Field(default_factory=list)
    boards: list[dict[str, Any]] = Field(default_factory=list)
    health: list[dict[str, Any]] = Field(default_factory=list)

    @cached_property
    def by_name(self) -> dict[str, Table]:
        return {t.name: t for t in self.tables}

    def table(self, name: str) -> Table | None:
        return self.by_name.get(name)

    def require_table(self, name: str) -> Table:
        """The table called `name`; the error names the known tables and the closest one."""
        table = self.by_name.get(name)
        if table is None:
            known = list(self.by_name)
            raise NotFoundError(
                f"workspace {self.name!r} has no table {name!r}{suggest(name, known)} (tables: {', '.join(known)})"
            )
        return table
