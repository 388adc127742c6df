"""SQL building blocks: identifier quoting and immutable (sql, params) fragments.

Every identifier that reaches SQL is first checked against the schema by the caller, then quoted here with
inner quotes doubled. Every value is a bound parameter. Composition wraps fragments, never splices values.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any


def quote_ident(name: str) -> str:
    """Quote one identifier for DuckDB, doubling inner quotes."""
    if not name or "\x00" in name:
        raise ValueError(f"invalid identifier {name!r}")
    return '"' + name.replace('"', '""') + '"'


def qualified(schema: str, table: str) -> str:
    """A schema-qualified, quoted table name."""
    return f"{quote_ident(schema)}.{quote_ident(table)}"


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
