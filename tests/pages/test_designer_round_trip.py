"""Open every field of every template table in the field editor and save it unchanged: the workspace document
stays exactly what it was (an editor that drops what it does not show would lose a builder's work)."""

from __future__ import annotations

import pytest

from engine import workspaces
from engine.schema_load import dump_workspace
from pages._ui import get_store
from tests.pages.conftest import TEMPLATES, opened_on


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_field_saved_unchanged_keeps_the_document(app_env, template) -> None:
    store = get_store()
    name, before, at = opened_on(template, "pages/designer.py")
    changed = []
    for table in before["tables"]:
        at.selectbox(key="des_table").set_value(table["name"]).run()
        for field_id in at.selectbox(key="edit_pick").options:
            at.selectbox(key="edit_pick").set_value(field_id).run()
            form_save = next(b for b in at.button if b.proto.form_id == "edit_field" and b.label == "保存")
            form_save.click().run()
            assert not at.exception, (table["name"], field_id)
            after = dump_workspace(workspaces.get_workspace(store, name))
            if after != before:
                old = next(t for t in before["tables"] if t["name"] == table["name"])
                new = next(t for t in after["tables"] if t["name"] == table["name"])
                diff = [(a, b) for a, b in zip(old["fields"], new["fields"], strict=False) if a != b]
                changed.append((table["name"], field_id, diff[:1], [e.value for e in at.error]))
                before = after
    assert changed == []
