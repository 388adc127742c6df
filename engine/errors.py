"""Error classes the engine raises; each carries structured attributes so the UI can format it.

AuthoringError: a schema or configuration is wrong. DataError: a value does not fit.
RefusedError: the actor may not do this, or the action would lose data. ConflictError: a stale write.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    """One problem found while checking input: where it is and what is wrong."""

    path: str
    message: str
    # The UI's text for it (translation key, values), when the engine knows one; message stays for logs.
    text: tuple[str, dict] | None = None

    def __str__(self) -> str:
        return f"{self.path}: {self.message}" if self.path else self.message


class EngineError(Exception):
    """Base of every error the engine raises on purpose."""

    def __init__(
        self, message: str, problems: list[Problem] | None = None, text: tuple[str, dict] | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.problems: list[Problem] = list(problems or [])
        # The UI's text for this error (a key of its translation table and the values it names), when the
        # engine knows one: people read that in their language, the message stays for logs and the CLI.
        self.text = text

    def __str__(self) -> str:
        if not self.problems:
            return self.message
        lines = [self.message, *(f"  - {p}" for p in self.problems)]
        return "\n".join(lines)


class AuthoringError(EngineError):
    """A schema, template or configuration written by a builder is invalid."""


class DataError(EngineError):
    """Record values do not fit the schema; `problems` names each field."""


class NotFoundError(EngineError):
    """A workspace, table, record, user or version does not exist."""


class RefusedError(EngineError):
    """The action is not allowed: missing permission, or it would lose data unless forced."""

    def __init__(
        self,
        message: str,
        problems: list[Problem] | None = None,
        affected_rows: int = 0,
        sample: list[object] | None = None,
        text: tuple[str, dict] | None = None,
    ) -> None:
        super().__init__(message, problems, text)
        self.affected_rows = affected_rows
        self.sample = list(sample or [])


class ConflictError(EngineError):
    """A write was based on a stale record version; nothing was written."""

    def __init__(
        self, message: str, expected: int | str, actual: int | str, text: tuple[str, dict] | None = None
    ) -> None:
        super().__init__(message, text=text)
        self.expected = expected
        self.actual = actual


class DatabaseBusyError(EngineError):
    """Another process holds the DuckDB file open for writing."""
