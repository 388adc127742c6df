"""What a widget reads: its table (read permission checked), its condition, the board's filters and a time
window, compiled once into a FROM and a WHERE with bound parameters; field values through the condition
compiler, so computed, lookup and relation fields work anywhere a widget names a field."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any

import polars as pl

from engine.auth import Actor, is_hidden, require_table
from engine.boards.model import BoardFilter
from engine.conditions.compile import Compiler
from engine.errors import RefusedError
from engine.fields import MultiSelectField, SingleSelectField
from engine.schema import Table, Workspace
from engine.sql import Fragment, all_of, qualified
from engine.store import Store


@dataclass(frozen=True)
class Context:
    """One rendering: who looks, at what moment (naive local time), with which board filters."""

    store: Store
    ws: Workspace
    actor: Actor
    now: datetime
    filters: BoardFilter | None = None
    lang: str = "zh"


@dataclass
class Scope:
    """A widget's records: `source` for FROM (with the joins conditions need), `where` for WHERE."""

    ctx: Context
    table: Table
    compiler: Compiler
    where: Fragment = field(default_factory=lambda: Fragment("TRUE"))

    @property
    def source(self) -> Fragment:
        return self.compiler.source(f"{qualified(self.ctx.ws.name, self.table.name)} t")

    def value(self, name: str, path: str = "field") -> Fragment:
        """The SQL of a field's value; a field hidden from the viewer is refused."""
        target = self.table.field(name)
        if target is not None and is_hidden(self.ctx.actor, target):
            raise RefusedError(f"{self.ctx.actor.username} may not see {self.table.name}.{name}")
        return self.compiler.value({"var": name}, path).sql

    def condition(self, rule: dict[str, Any], path: str) -> Fragment:
        return self.compiler.condition(rule, path)

    def window(self, name: str, days: int, path: str = "days") -> Fragment:
        """Records whose `name` falls in the last `days` days up to now."""
        value = self.value(name, path)
        return Fragment(
            f"CAST({value.sql} AS TIMESTAMP) > ? AND CAST({value.sql} AS TIMESTAMP) <= ?",
            (*value.params, self.ctx.now - timedelta(days=days), *value.params, self.ctx.now),
        )

    def narrowed(self, *parts: Fragment) -> Fragment:
        """The scope's WHERE and the given parts."""
        return all_of([self.where, *parts])

    def select(self, columns: Fragment, *where: Fragment, tail: str = "") -> pl.DataFrame:
        """`SELECT columns FROM source WHERE scope AND where… tail` as a frame (tail holds no values)."""
        source, condition = self.source, self.narrowed(*where)
        return (
            self.ctx.store.cursor()
            .execute(
                f"SELECT {columns.sql} FROM {source.sql} WHERE {condition.sql} {tail}",
                [*columns.params, *source.params, *condition.params],
            )
            .pl()
        )


def scope(ctx: Context, table_name: str, condition: dict[str, Any] | None, path: str) -> Scope:
    """The records of `table_name` a widget reads: its condition and, on the board filters' table, theirs."""
    table = ctx.ws.require_table(table_name)
    require_table(ctx.actor, table, "read")
    compiler = Compiler(table, now=ctx.now, tz=ctx.ws.timezone, ws=ctx.ws)
    out = Scope(ctx, table, compiler)
    parts = [out.condition(condition, f"{path}.condition")] if condition else []
    board = ctx.filters
    if board is not None and board.table == table.name:
        if board.condition:
            parts.append(out.condition(board.condition, "filters.condition"))
        if board.date_field and board.days:
            parts.append(out.window(board.date_field, board.days, "filters.days"))
    out.where = all_of(parts)
    return out


def labelled(frame: pl.DataFrame, table: Table, column: str, name: str) -> pl.DataFrame:
    """The frame with `<column>_label`: option labels for a select field, else the value as text."""
    target = table.field(name)
    if isinstance(target, SingleSelectField | MultiSelectField) and frame.schema.get(column) == pl.String:
        labels = {o.value: o.label for o in target.options}
        label = pl.col(column).replace_strict(labels, default=pl.col(column), return_dtype=pl.String)
    else:
        label = pl.col(column).cast(pl.String)
    return frame.with_columns(label.alias(f"{column}_label"))
