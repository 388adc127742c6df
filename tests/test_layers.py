"""The structure the engine is held to, read from the source: one module writes user rows, duckdb stays in
the storage module (and the named streaming reader), layers import one way, pages ask may() for permissions."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

from engine.auth import Actor, may
from engine.roles import ACTION_ROLES

ROOT = Path(__file__).resolve().parents[1]
spec = importlib.util.spec_from_file_location("structure", ROOT / "scripts" / "structure.py")
structure = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
spec.loader.exec_module(structure)  # type: ignore[union-attr]
COUNTS = structure.counts()


def test_one_module_writes_user_rows() -> None:
    # migrate.py copies a table's rows into its new shape when a field's type changes: DDL, not a write path.
    assert COUNTS["modules_writing_user_rows"] == ["engine/records/write.py", "engine/storage/migrate.py"]


def test_duckdb_is_imported_by_the_storage_module_and_the_streaming_reader_only() -> None:
    assert COUNTS["engine_modules_importing_duckdb"] == [
        "engine/importer/sources.py",
        "engine/importer/xlsx_stream.py",
        "engine/storage/store.py",
    ]


def test_sql_is_assembled_in_storage_only() -> None:
    assert COUNTS["s608_exemptions"] == ["engine/storage/*.py"]


def test_layers_point_one_way() -> None:
    assert COUNTS["engine_importing_connectors_or_sample_data"] == []
    assert COUNTS["engine_importing_hub"] == ["engine/__main__.py"]  # the `python -m engine` alias only
    assert COUNTS["connectors_with_sql"] == []


def test_pages_hold_no_role_sets() -> None:
    held = [
        f"{p.name}:{n}"
        for p in sorted((ROOT / "pages").glob("*.py"))
        for n, line in enumerate(p.read_text().splitlines(), start=1)
        if re.search(r"\.roles\s*&|frozenset\(\{|\bis_hidden\b|\bis_readonly\b|table_actions", line)
    ]
    assert held == []


@pytest.mark.parametrize(
    ("roles", "allowed"),
    [
        ({"admin"}, set(ACTION_ROLES)),
        ({"builder"}, {"edit_schema", "edit_records"}),
        ({"manager"}, {"review_chat", "review_imports", "run_jobs", "run_syncs", "edit_records"}),
        ({"operator"}, {"review_chat", "edit_records"}),
        ({"warehouse"}, {"edit_records"}),
        ({"temp_worker"}, set()),
        ({"operator", "builder"}, {"review_chat", "edit_schema", "edit_records"}),
    ],
)
def test_the_action_permission_table(roles: set[str], allowed: set[str]) -> None:
    actor = Actor("someone", frozenset(roles))
    assert {action for action in ACTION_ROLES if may(actor, action)} == allowed


def test_an_unknown_action_is_an_error_not_a_no() -> None:
    with pytest.raises(KeyError, match="unknown action 'delete_everything'"):
        may(Actor("x", frozenset({"operator"})), "delete_everything")


def test_no_import_circles_even_through_late_imports() -> None:
    assert COUNTS["import_circles"] == []


def test_engine_modules_stay_under_400_lines() -> None:
    assert COUNTS["engine_modules_over_400_lines"] == []
