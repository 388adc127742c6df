"""The Users page: an admin adds a user, changes their roles, resets a password and deactivates them, each
answer in the UI's language. (A deactivated user's open tab is signed out: tests/browser/test_links.py.)"""

from __future__ import annotations

from engine import auth
from pages._ui import get_store
from tests.pages.conftest import signed_in


def _form_button(at, label: str):
    return next(b for b in at.button if b.label == label)


def test_an_admin_manages_a_user_from_the_page(app_env) -> None:
    store = get_store()
    at = signed_in()
    at.switch_page("pages/users.py").run()
    assert not at.exception
    at.text_input(key="new_user").set_value("wh7")
    at.text_input(key="new_password").set_value("short")
    at.multiselect(key="new_roles").set_value(["warehouse"])
    _form_button(at, "添加用户").click().run()
    assert [e.value for e in at.error] == ["密码太短：至少 8 个字符"]
    at.text_input(key="new_user").set_value("wh7")
    at.text_input(key="new_password").set_value("wh-pass-1234")
    at.multiselect(key="new_roles").set_value(["warehouse"])
    _form_button(at, "添加用户").click().run()
    assert [s.value for s in at.success] == ["已添加用户 wh7"]
    assert auth.get_user(store, "wh7").roles == ("warehouse",)

    at.selectbox(key="edit_user_pick").set_value("wh7").run()
    at.multiselect(key="roles_wh7").set_value(["warehouse", "temp_worker"])
    _form_button(at, "保存角色").click().run()
    assert [s.value for s in at.success] == ["已保存 wh7 的角色"]
    assert set(auth.get_user(store, "wh7").roles) == {"warehouse", "temp_worker"}

    at.text_input(key="pw_wh7").set_value("reset-pass-99")
    _form_button(at, "重置密码").click().run()
    assert auth.authenticate(store, "wh7", "reset-pass-99").username == "wh7"

    _form_button(at, "停用此用户").click().run()
    assert not auth.get_user(store, "wh7").active
    assert _form_button(at, "重新启用此用户")  # the same button now activates again

    at.selectbox(key="edit_user_pick").set_value("admin").run()
    _form_button(at, "停用此用户").click().run()
    assert [e.value for e in at.error] == ["不能停用自己的账号"]
    assert auth.get_user(store, "admin").active
