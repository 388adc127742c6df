"""Undo of one's last edit: the values before it come back as a new audited change; again steps further back;
refused once someone changed those fields since; a status move and another person's edit are not offered."""

from __future__ import annotations

import pytest

from engine.auth import Actor
from engine.errors import ConflictError, NotFoundError, RefusedError
from engine.flow.moves import transition
from engine.records.history import record_history
from engine.records.single import get_record, update_record
from engine.records.undo_edit import last_edit, undo_edit
from tests.conftest import ADMIN, NOW, OPERATOR

OTHER = Actor("op2", frozenset({"operator"}))


def _values(store, ws, rid):
    row = get_record(store, ws, "orders", rid, ADMIN)
    return row["remarks"], row["qty"], row["_version"]


def test_undo_steps_back_through_ones_own_edits(store, home_ws, order) -> None:
    update_record(store, home_ws, "orders", order["_id"], {"remarks": "周末送", "qty": 2}, 1, OPERATOR, NOW)
    update_record(store, home_ws, "orders", order["_id"], {"remarks": "周六上午送"}, 2, OPERATOR, NOW)
    edit = last_edit(store, home_ws, "orders", order["_id"], OPERATOR)
    assert edit.changes == {"remarks": ("周末送", "周六上午送")}
    undo_edit(store, home_ws, "orders", order["_id"], edit.seq, 3, OPERATOR)
    assert _values(store, home_ws, order["_id"]) == ("周末送", 2, 4)
    edit = last_edit(store, home_ws, "orders", order["_id"], OPERATOR)
    assert edit.changes == {"remarks": (None, "周末送"), "qty": (1, 2)}
    undo_edit(store, home_ws, "orders", order["_id"], edit.seq, 4, OPERATOR)
    assert _values(store, home_ws, order["_id"]) == (None, 1, 5)
    assert (
        last_edit(store, home_ws, "orders", order["_id"], OPERATOR) is None
    )  # nothing of theirs left to undo
    notes = [e.note for e in record_history(store, home_ws, "orders", order["_id"], ADMIN)[:2]]
    assert all(n.startswith("undo:") for n in notes)  # each undo is an audited change of its own


def test_undo_is_refused_once_the_field_changed_again(store, home_ws, order) -> None:
    update_record(store, home_ws, "orders", order["_id"], {"remarks": "周末送"}, 1, OPERATOR, NOW)
    edit = last_edit(store, home_ws, "orders", order["_id"], OPERATOR)
    update_record(store, home_ws, "orders", order["_id"], {"remarks": "改成工作日"}, 2, OTHER, NOW)
    with pytest.raises(ConflictError) as err:
        undo_edit(store, home_ws, "orders", order["_id"], edit.seq, 3, OPERATOR)
    assert err.value.text == ("undo_changed_since", {"fields": "备注"})
    assert _values(store, home_ws, order["_id"])[0] == "改成工作日"
    # Another person's edit is not mine to undo; a stale seq is refused by name.
    assert last_edit(store, home_ws, "orders", order["_id"], OTHER).changes == {
        "remarks": ("周末送", "改成工作日")
    }
    with pytest.raises(NotFoundError):
        undo_edit(store, home_ws, "orders", order["_id"], 999, 3, OPERATOR)


def test_a_status_move_is_not_an_edit_to_undo(store, home_ws, order) -> None:
    transition(store, home_ws, "orders", order["_id"], "reviewed", 1, OPERATOR, NOW)
    assert last_edit(store, home_ws, "orders", order["_id"], OPERATOR) is None


def test_a_temporary_worker_cannot_undo_into_an_edit(store, home_ws, order) -> None:
    temp = Actor("t1", frozenset({"temp_worker"}))
    assert last_edit(store, home_ws, "orders", order["_id"], temp) is None
    update_record(store, home_ws, "orders", order["_id"], {"remarks": "x"}, 1, OPERATOR, NOW)
    with pytest.raises((NotFoundError, RefusedError)):
        undo_edit(store, home_ws, "orders", order["_id"], 3, 2, temp)
