"""OrderHub Streamlit entry: sign in, choose a workspace and language, navigate the pages."""

from __future__ import annotations

import streamlit as st

from engine import auth, workspaces
from engine.errors import EngineError
from pages._ui import get_store, show_error, t

st.set_page_config(page_title="订单中枢 OrderHub", page_icon=":material/inventory_2:", layout="wide")
store = get_store()

LANGUAGES = {"zh": "中文", "en": "English"}


def _set_language() -> None:
    st.session_state["lang"] = st.session_state["lang_choice"]


with st.sidebar:
    st.radio(
        t("language"),
        list(LANGUAGES),
        format_func=LANGUAGES.get,
        horizontal=True,
        key="lang_choice",
        index=list(LANGUAGES).index(st.session_state.get("lang", "zh")),
        on_change=_set_language,
    )


def login() -> None:
    st.title(t("app"))
    with st.form("login"):
        username = st.text_input(t("username"), key="login_user")
        password = st.text_input(t("password"), type="password", key="login_password")
        submitted = st.form_submit_button(t("login"))
    st.caption(t("first_start"))
    if submitted:
        try:
            user = auth.authenticate(store, username, password)
        except EngineError as exc:
            show_error(exc)
            return
        st.session_state["user"] = {
            "username": user.username,
            "roles": list(user.roles),
            "name": user.display_name,
        }
        st.rerun()


if "user" not in st.session_state:
    # Only the sign-in page before sign-in: without a navigation Streamlit would list the files in pages/.
    st.navigation([st.Page(login, title=t("login"), icon=":material/login:")], position="hidden").run()
    st.stop()

names = [(w[0], w[1]) for w in workspaces.list_workspaces(store)]
with st.sidebar:
    user = st.session_state["user"]
    st.write(f":material/person: {user['name']} ({', '.join(user['roles'])})")
    if names:
        labels = {n: f"{label} ({n})" for n, label in names}
        current = st.session_state.get("workspace")
        index = [n for n, _ in names].index(current) if current in labels else 0
        st.session_state["workspace"] = st.selectbox(
            t("workspace"), list(labels), index=index, format_func=labels.get
        )
    if st.button(t("logout")):
        st.session_state.clear()
        st.rerun()

pages = [
    st.Page("pages/home.py", title=t("home"), icon=":material/home:", default=True),
    st.Page("pages/boards.py", title=t("boards"), icon=":material/dashboard:", url_path="boards"),
    st.Page("pages/records.py", title=t("records"), icon=":material/table:", url_path="records"),
    st.Page("pages/form.py", title=t("form"), icon=":material/edit_note:", url_path="form"),
    st.Page("pages/importer.py", title=t("import"), icon=":material/upload_file:", url_path="import"),
    st.Page("pages/connectors.py", title=t("connectors"), icon=":material/hub:", url_path="connectors"),
    st.Page("pages/alerts.py", title=t("alerts"), icon=":material/notifications:", url_path="alerts"),
    st.Page("pages/jobs.py", title=t("jobs"), icon=":material/schedule:", url_path="jobs"),
]
if set(st.session_state["user"]["roles"]) & {"admin", "builder"}:
    pages[1:1] = [
        st.Page(
            "pages/designer.py", title=t("designer"), icon=":material/construction:", url_path="designer"
        ),
        st.Page(
            "pages/flow_designer.py",
            title=t("flow_designer"),
            icon=":material/account_tree:",
            url_path="flow",
        ),
        st.Page("pages/alert_rules.py", title=t("alert_rules"), icon=":material/rule:", url_path="rules"),
        st.Page(
            "pages/board_builder.py",
            title=t("board_builder"),
            icon=":material/space_dashboard:",
            url_path="builder",
        ),
    ]
st.navigation(pages).run()
