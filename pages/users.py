"""Users (admins): add a user, change their roles, reset a password, deactivate or activate again.
Every action is the engine's (auth.py refuses non-admins, the last admin, deactivating yourself)."""

from __future__ import annotations

import streamlit as st

from engine import auth
from engine.errors import EngineError
from pages._ui import actor, get_store, pick_roles, role_label, show_error, t

store = get_store()
me = actor()
st.title(t("users"))


def _done(message: str) -> None:
    st.session_state["users_done"] = message
    st.rerun()


users = auth.list_users(store)
if message := st.session_state.pop("users_done", None):
    st.success(message)
st.dataframe(
    [
        {
            t("username"): u.username,
            t("display_name"): u.display_name,
            t("roles"): "、".join(role_label(r) for r in u.roles),
            t("user_state"): t("user_active") if u.active else t("user_inactive"),
        }
        for u in users
    ],
    hide_index=True,
    width="stretch",
)

st.subheader(t("add_user"))
with st.form("add_user", clear_on_submit=True):
    username = st.text_input(t("username"), key="new_user", help=t("username_help"))
    display = st.text_input(t("display_name"), key="new_display")
    password = st.text_input(t("password"), type="password", key="new_password", help=t("password_help"))
    roles = pick_roles(st, t("roles"), [], "new_roles")
    if st.form_submit_button(t("add_user")):
        try:
            auth.add_user(store, username, password, roles, me, display)
        except EngineError as exc:
            show_error(exc)
        else:
            _done(t("user_added", user=username))

st.subheader(t("edit_user"))
by_name = {u.username: u for u in users}
chosen = st.selectbox(
    t("username"),
    list(by_name),
    format_func=lambda n: f"{by_name[n].display_name} ({n})",
    key="edit_user_pick",
)
if chosen:
    user = by_name[chosen]
    c1, c2 = st.columns(2)
    with c1, st.form("user_roles"):
        new_roles = pick_roles(st, t("roles"), user.roles, f"roles_{chosen}")
        if st.form_submit_button(t("save_roles")):
            try:
                auth.set_roles(store, chosen, new_roles, me)
            except EngineError as exc:
                show_error(exc)
            else:
                _done(t("roles_saved", user=chosen))
    with c2, st.form("user_password", clear_on_submit=True):
        new_password = st.text_input(
            t("new_password"), type="password", key=f"pw_{chosen}", help=t("password_help")
        )
        if st.form_submit_button(t("reset_password")):
            try:
                auth.set_password(store, chosen, new_password, me)
            except EngineError as exc:
                show_error(exc)
            else:
                _done(t("password_reset", user=chosen))
    label = t("deactivate") if user.active else t("activate")
    if st.button(label, key=f"active_{chosen}", type="secondary"):
        try:
            auth.set_active(store, chosen, not user.active, me)
        except EngineError as exc:
            show_error(exc)
        else:
            _done(t("user_deactivated" if user.active else "user_activated", user=chosen))
    if user.active:
        st.caption(t("deactivate_help"))
