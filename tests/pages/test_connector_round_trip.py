"""Open every kind of connector in the connectors page and save its settings unchanged: the workspace
document stays what it was (mappings, statuses, options kept) and no version is added."""

from __future__ import annotations

from connectors.design import add_connector
from connectors.presets import TYPES
from engine import auth, workspaces
from engine.schema_load import dump_workspace
from pages._ui import get_store
from tests.pages.conftest import signed_in


def test_every_connector_type_saved_unchanged_keeps_the_document(app_env) -> None:
    store = get_store()
    for kind in TYPES:
        ws = workspaces.get_workspace(store, "home_ecommerce")
        platform = "taobao" if kind in ("platform_api", "platform_export") else "generic"
        add_connector(store, ws, auth.SYSTEM, kind, platform, name=f"rt_{kind}")
    original = dump_workspace(workspaces.get_workspace(store, "home_ecommerce"))
    versions = len(workspaces.list_versions(store, "home_ecommerce"))
    at = signed_in()
    at.switch_page("pages/connectors.py").run()
    for kind in TYPES:
        at.selectbox(key="conn_pick").set_value(f"rt_{kind}").run()
        at.button(key=f"save_rt_{kind}").click().run()
        assert not at.exception and not at.error, (kind, [e.value for e in at.error])
        after = dump_workspace(workspaces.get_workspace(store, "home_ecommerce"))
        old = next(c for c in original["connectors"] if c["name"] == f"rt_{kind}")
        new = next(c for c in after["connectors"] if c["name"] == f"rt_{kind}")
        assert new == old, {k: (old.get(k), new.get(k)) for k in {*old, *new} if old.get(k) != new.get(k)}
    assert dump_workspace(workspaces.get_workspace(store, "home_ecommerce")) == original
    assert len(workspaces.list_versions(store, "home_ecommerce")) == versions
