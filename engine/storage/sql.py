"""SQL building blocks: identifier quoting, `Sql` text that is safe to splice, and (sql, params) fragments.

Every identifier that reaches SQL is first checked against the schema by the caller, then quoted here with
inner quotes doubled. Every value is a bound parameter. Statements are assembled with `compose`, whose slots
take only `Sql` (quoted identifiers, constants, composed text) and `Fragment`s: a plain string, the shape a
user's value would have, is refused at run time. This is the one module where SQL is built from strings.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from string import Formatter
from typing import Any


class Sql(str):
    """SQL text that is safe to splice: a quoted identifier, a fixed constant, or text composed of those."""

    __slots__ = ()


def quote_ident(name: str) -> Sql:
    """Quote one identifier for DuckDB, doubling inner quotes."""
    if not name or "\x00" in name:
        raise ValueError(f"invalid identifier {name!r}")
    return Sql('"' + name.replace('"', '""') + '"')


def qualified(schema: str, table: str) -> Sql:
    """A schema-qualified, quoted table name."""
    return Sql(quote_ident(schema) + "." + quote_ident(table))


def listing(parts: Iterable[Sql | Fragment], separator: str = ", ") -> Sql:
    """Safe parts joined by a fixed separator (a column list, CASE arms); parameters stay with the caller."""
    return Sql(separator.join(_safe(part, "listing") for part in parts))


def name_literal(name: str) -> Sql:
    """A schema name (field, state) as an SQL string literal, e.g. a JSON key; only plain names qualify."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise ValueError(f"{name!r} is not a plain name")
    return Sql(f"'{name}'")


def marks(count: int) -> Sql:
    """`count` parameter marks: ?, ?, ?"""
    return Sql(", ".join(["?"] * count))


def compose(template: str, /, **parts: Sql | Fragment | int) -> Sql:
    """Fill a fixed template's {name} slots with safe parts only; a plain string is refused, so no value can
    reach SQL text. A Fragment contributes its text; the caller binds its parameters, in slot order."""
    names = {name for _, name, _, _ in Formatter().parse(template) if name is not None}
    if missing := names - parts.keys():
        raise TypeError(f"SQL template slots without a part: {sorted(missing)}")
    return Sql(template.format(**{name: _safe(value, name) for name, value in parts.items()}))


def _safe(part: object, slot: str) -> str:
    if isinstance(part, Sql):
        return part
    if isinstance(part, Fragment):
        return part.sql
    if isinstance(part, int) and not isinstance(part, bool):
        return str(part)
    raise TypeError(
        f"SQL slot {slot!r} takes a quoted identifier, Sql or Fragment, not {type(part).__name__}"
    )


@dataclass(frozen=True)
class Fragment:
    """A piece of SQL and the parameters it binds, in order."""

    sql: str
    params: tuple[Any, ...] = ()

    def wrap(self, template: str) -> Fragment:
        """Put this fragment into `template` at '{}' (the template holds no values)."""
        return Fragment(template.replace("{}", self.sql), self.params)


def join(fragments: Iterable[Fragment], separator: str) -> Fragment:
    """Join fragments with a fixed separator, concatenating their parameters."""
    items = list(fragments)
    return Fragment(separator.join(f.sql for f in items), tuple(p for f in items for p in f.params))


def all_of(fragments: Iterable[Fragment]) -> Fragment:
    """AND of fragments; TRUE when there are none."""
    items = list(fragments)
    if not items:
        return Fragment("TRUE")
    return join((f.wrap("({})") for f in items), " AND ")


def any_of(fragments: Iterable[Fragment]) -> Fragment:
    """OR of fragments; FALSE when there are none."""
    items = list(fragments)
    if not items:
        return Fragment("FALSE")
    return join((f.wrap("({})") for f in items), " OR ")


def row_dicts(result: Any) -> list[dict[str, Any]]:
    """The rows of an executed DuckDB query as dicts keyed by column name."""
    names = [d[0] for d in result.description]
    return [dict(zip(names, row, strict=True)) for row in result.fetchall()]
