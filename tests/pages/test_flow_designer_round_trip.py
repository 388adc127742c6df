"""Open every state and every transition of every template flow in the flow designer and save each form
unchanged: the draft stays the workspace document it was (colours, guards, effects, acknowledgements kept),
and saving the flow unchanged adds no version."""

from __future__ import annotations

import pytest

from engine import workspaces
from engine.schema_load import dump_workspace
from pages._ui import get_store
from tests.pages.conftest import TEMPLATES, opened_on


def _diff(before: dict, after: dict) -> list:
    out = []
    for old, new in zip(before["tables"], after["tables"], strict=True):
        if old != new:
            o, n = old.get("flow") or {}, new.get("flow") or {}
            out += [
                (old["name"], a, b)
                for a, b in zip(o.get("states", []), n.get("states", []), strict=False)
                if a != b
            ]
            out += [
                (old["name"], a, b)
                for a, b in zip(o.get("transitions", []), n.get("transitions", []), strict=False)
                if a != b
            ]
            out += [] if out else [(old["name"], "table", "changed")]
    return out


@pytest.mark.parametrize("template", TEMPLATES)
def test_every_state_and_transition_saved_unchanged_keeps_the_flow(app_env, template) -> None:
    store = get_store()
    name, original, at = opened_on(template, "pages/flow_designer.py")
    versions = len(workspaces.list_versions(store, name))
    changed = []
    for table in [t for t in original["tables"] if t.get("flow")]:
        at.selectbox(key="fd_table").set_value(table["name"]).run()
        flow = table["flow"]
        items = [f"s:{s['name']}" for s in flow["states"]] + [
            f"t:{i}" for i in range(len(flow["transitions"]))
        ]
        for item in items:
            at.selectbox(key="fd_item").set_value(item).run()
            form = next(
                b
                for b in at.button
                if b.proto.form_id.startswith(("fd_state_", "fd_tr_")) and b.label == "保存"
            )
            form.click().run()
            assert not at.exception and not at.error, (table, item, [e.value for e in at.error])
            key = f"fd_draft_{name}_{table['name']}"
            if at.session_state[key] != original:
                changed.append((table["name"], item, _diff(original, at.session_state[key])[:1]))
                at.session_state[key] = original
    assert changed == []
    at.button(key="fd_save").click().run()
    assert dump_workspace(workspaces.get_workspace(store, name)) == original
    assert len(workspaces.list_versions(store, name)) == versions
