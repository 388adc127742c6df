"""Named registries (field types, operators, effects, widgets, jobs, fetchers…) that refuse a duplicate name.

A registry is a dict whose keys can be set once: registering a name twice — two modules picking the same
name, or a plugin shadowing a built-in — fails loudly at import time instead of one silently winning.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any, TypeVar

V = TypeVar("V")


class DuplicateNameError(ValueError):
    """A name registered twice in one registry."""


class Registry(dict[str, V]):
    """A dict of named entries of one kind; a name already present is refused."""

    def __init__(self, kind: str, entries: Mapping[str, V] | Iterable[tuple[str, V]] = ()) -> None:
        super().__init__()
        self.kind = kind
        for name, value in entries.items() if isinstance(entries, Mapping) else entries:
            self.add(name, value)

    def add(self, name: str, value: V) -> V:
        """Register `value` under `name`; refuse a name already taken."""
        if name in self:
            raise DuplicateNameError(f"{self.kind} {name!r} is registered twice")
        super().__setitem__(name, value)
        return value

    def __setitem__(self, name: str, value: V) -> None:
        self.add(name, value)

    def update(self, *args: Any, **kwargs: Any) -> None:  # type: ignore[override]
        for name, value in dict(*args, **kwargs).items():
            self.add(name, value)

    @contextmanager
    def swapped(self, name: str, value: V) -> Iterator[V]:
        """Stand `value` in for the registered entry for the block (a test's failing stand-in)."""
        old = self.require(name)
        dict.__setitem__(self, name, value)
        try:
            yield value
        finally:
            dict.__setitem__(self, name, old)

    def require(self, name: str) -> V:
        """The entry under `name`, or an error naming the known ones."""
        if name not in self:
            raise KeyError(f"unknown {self.kind} {name!r} (known: {', '.join(sorted(self))})")
        return self[name]
