"""The structural difference between two workspace versions, as a list of plain change objects.

Pure: no database. Fields are matched by their stable id, so a renamed field is a rename, not drop + add.
migrate.py turns these changes into checked DDL; the Table designer shows them as a version diff.
"""

from __future__ import annotations

from dataclasses import dataclass

from engine.fields import FieldBase
from engine.schema import Table, Workspace


@dataclass(frozen=True)
class Change:
    table: str

    def describe(self) -> str:
        raise NotImplementedError


@dataclass(frozen=True)
class AddTable(Change):
    new: Table

    def describe(self) -> str:
        return f"+ table {self.table} ({self.new.label})"


@dataclass(frozen=True)
class DropTable(Change):
    old: Table

    def describe(self) -> str:
        return f"- table {self.table} ({self.old.label})"


@dataclass(frozen=True)
class AddField(Change):
    new: FieldBase

    def describe(self) -> str:
        return f"+ {self.table}.{self.new.name} {self.new.type} ({self.new.label})"


@dataclass(frozen=True)
class DropField(Change):
    old: FieldBase

    def describe(self) -> str:
        return f"- {self.table}.{self.old.name} {self.old.type} ({self.old.label})"


@dataclass(frozen=True)
class AlterField(Change):
    """Same field id, something about it changed: name, type, constraints, options or labels."""

    old: FieldBase
    new: FieldBase

    @property
    def renamed(self) -> bool:
        return self.old.name != self.new.name

    @property
    def retyped(self) -> bool:
        ignore = _PRESENTATION | {"name"}
        return self.old.model_dump(exclude=ignore) != self.new.model_dump(exclude=ignore)

    def describe(self) -> str:
        parts = []
        if self.renamed:
            parts.append(f"renamed {self.old.name} → {self.new.name}")
        old, new = self.old.model_dump(), self.new.model_dump()
        for key in sorted(set(old) | set(new)):
            if key not in ("name",) and old.get(key) != new.get(key):
                parts.append(f"{key}: {old.get(key)!r} → {new.get(key)!r}")
        return f"~ {self.table}.{self.new.name}: " + "; ".join(parts)


@dataclass(frozen=True)
class AlterTable(Change):
    """Table-level settings changed (label, business key, flow, permissions, order of fields…)."""

    what: tuple[str, ...]

    def describe(self) -> str:
        return f"~ table {self.table}: {', '.join(self.what)} changed"


# Changes to these never touch stored data.
_PRESENTATION = frozenset(
    {"label", "label_en", "help", "hidden_for", "readonly_for", "default", "required", "id"}
)


def diff_workspaces(old: Workspace | None, new: Workspace) -> list[Change]:
    """Every change from `old` (None = empty) to `new`, tables in the new order."""
    changes: list[Change] = []
    old_tables = {} if old is None else old.by_name
    for table in new.tables:
        before = old_tables.get(table.name)
        if before is None:
            changes.append(AddTable(table.name, table))
        else:
            changes += diff_tables(before, table)
    for name, table in old_tables.items():
        if new.table(name) is None:
            changes.append(DropTable(name, table))
    return changes


def diff_tables(old: Table, new: Table) -> list[Change]:
    """Field-level changes between two versions of one table, matched by field id."""
    changes: list[Change] = []
    old_fields = {f.id: f for f in old.fields}
    new_ids = {f.id for f in new.fields}
    for field in new.fields:
        before = old_fields.get(field.id)
        if before is None:
            changes.append(AddField(new.name, field))
        elif before != field:
            changes.append(AlterField(new.name, before, field))
    changes += [DropField(new.name, f) for fid, f in old_fields.items() if fid not in new_ids]
    settings = ("label", "label_en", "business_key", "sub_tables", "search_fields", "flow", "permissions")
    what = tuple(k for k in settings if getattr(old, k) != getattr(new, k))
    if [f.id for f in old.fields if f.id in new_ids] != [f.id for f in new.fields if f.id in old_fields]:
        what += ("field order",)
    if what:
        changes.append(AlterTable(new.name, what))
    return changes
