"""Open every template board in the board builder, every widget's form drawn: the draft stays the workspace
document it was (no setting dropped or defaulted by a form), and saving it unchanged adds no version."""

from __future__ import annotations

import pytest

from engine import workspaces
from engine.schema_load import dump_workspace
from pages._ui import get_store
from tests.pages.conftest import TEMPLATES, opened_on


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_board_opened_and_saved_unchanged_keeps_the_document(app_env, template) -> None:
    store = get_store()
    name, original, at = opened_on(template, "pages/board_builder.py")
    versions = len(workspaces.list_versions(store, name))
    changed = []
    for board in original["boards"]:
        at.selectbox(key="bb_pick").set_value(board["name"]).run()
        assert not at.exception and not at.error, (board["name"], [e.value for e in at.error])
        draft = at.session_state[f"bb_draft_{name}_{board['name']}"]
        mine = next(b for b in draft["boards"] if b["name"] == board["name"])
        changed += [
            (
                board["name"],
                old["id"],
                {k: (old.get(k), new.get(k)) for k in {*old, *new} if old.get(k) != new.get(k)},
            )
            for old, new in zip(board["widgets"], mine["widgets"], strict=True)
            if old != new
        ]
        at.button(key=f"bb_draft_{name}_{board['name']}_save").click().run()
        assert not at.error, [e.value for e in at.error]
    assert changed == []
    assert dump_workspace(workspaces.get_workspace(store, name)) == original
    assert len(workspaces.list_versions(store, name)) == versions
