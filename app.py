"""OrderHub Streamlit entry: sign in, choose a workspace and language, navigate the pages."""

from __future__ import annotations

from collections.abc import Callable

import streamlit as st

from engine import auth, sessions, workspaces
from engine.auth import Actor, may
from engine.errors import EngineError
from engine.forms import can
from pages._ui import current_workspace, get_store, role_label, show_error, t

st.set_page_config(
    page_title="订单中枢 OrderHub",
    page_icon=":material/inventory_2:",
    layout="wide",
    initial_sidebar_state="auto",
)
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


def _pixel(url: str) -> str:
    """An invisible image: the browser's request for it carries and sets the session cookie."""
    return f'<img src="{url}" alt="" width="1" height="1" style="opacity:0">'


def _sign_in(user: auth.User) -> None:
    st.session_state["user"] = {
        "username": user.username,
        "roles": list(user.roles),
        "name": user.display_name,
    }


def login() -> None:
    st.title(t("app"))
    if st.session_state.pop("session_end", False):
        st.markdown(_pixel("/api/session/end"), unsafe_allow_html=True)
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
        _sign_in(user)
        # The browser redeems this grant for a session cookie, so its other tabs are signed in too.
        st.session_state["session_grant"] = sessions.grant(store, user.username)
        st.rerun()


if "user" not in st.session_state:
    # A new tab of a signed-in browser (a link from a board) carries the session cookie.
    known = sessions.user_of(store, st.context.cookies.get(sessions.COOKIE))
    if known is not None:
        _sign_in(known)
else:
    # Roles changed or the user deactivated since sign-in: the next page run already knows.
    try:
        fresh = auth.get_user(store, st.session_state["user"]["username"])
    except EngineError:
        fresh = None
    if fresh is None or not fresh.active:
        st.session_state.clear()
    else:
        _sign_in(fresh)

FOLD_SIDEBAR_ON_PHONES = """<script>
/* page: {page} */
if (window.innerWidth < 768) {{
  const open = document.querySelector('[data-testid="stSidebar"][data-collapsed="false"]');
  const fold = document.querySelector('[data-testid="stSidebarCollapseButton"] button');
  if (open && fold) {{ fold.click(); }}
}}
</script>"""

# (file, url path, title key, icon, who sees it); Home is the default page at "/".
PageRule = Callable[[Actor, list], bool]
PAGES: list[tuple[str, str, str, str, PageRule]] = [
    ("pages/home.py", "", "home", "home", lambda me, tables: True),
    ("pages/designer.py", "designer", "designer", "construction", lambda me, tables: may(me, "edit_schema")),
    (
        "pages/flow_designer.py",
        "flow",
        "flow_designer",
        "account_tree",
        lambda me, tables: may(me, "edit_schema"),
    ),
    ("pages/alert_rules.py", "rules", "alert_rules", "rule", lambda me, tables: may(me, "edit_schema")),
    (
        "pages/board_builder.py",
        "builder",
        "board_builder",
        "space_dashboard",
        lambda me, tables: may(me, "edit_schema"),
    ),
    ("pages/boards.py", "boards", "boards", "dashboard", lambda me, tables: True),
    ("pages/records.py", "records", "records", "table", lambda me, tables: True),
    (
        "pages/form.py",
        "form",
        "form",
        "edit_note",
        lambda me, tables: any(can(me, tb, "create") for tb in tables),
    ),
    (
        "pages/importer.py",
        "import",
        "import",
        "upload_file",
        lambda me, tables: any(can(me, tb, "create") for tb in tables),
    ),
    (
        "pages/connectors.py",
        "connectors",
        "connectors",
        "hub",
        lambda me, tables: may(me, "run_syncs") or may(me, "review_chat"),
    ),
    ("pages/alerts.py", "alerts", "alerts", "notifications", lambda me, tables: True),
    ("pages/jobs.py", "jobs", "jobs", "schedule", lambda me, tables: may(me, "run_jobs")),
    ("pages/users.py", "users", "users", "group", lambda me, tables: may(me, "manage_users")),
]

if "user" not in st.session_state:
    # Only the sign-in page before sign-in (without a navigation Streamlit would list the files in pages/),
    # at every page's address: a link to /records?… signs in there and then shows that page.
    login_pages = [st.Page(login, title=t("login"), icon=":material/login:", default=True)]
    login_pages += [st.Page(login, title=t("login"), url_path=path) for _, path, *_ in PAGES if path]
    st.navigation(login_pages, position="hidden").run()
    st.stop()

names = [(w[0], w[1]) for w in workspaces.list_workspaces(store)]
with st.sidebar:
    user = st.session_state["user"]
    st.write(f":material/person: {user['name']} ({'、'.join(role_label(r) for r in user['roles'])})")
    if names:
        labels = {n: f"{label} ({n})" for n, label in names}
        current = st.session_state.get("workspace")
        index = [n for n, _ in names].index(current) if current in labels else 0
        st.session_state["workspace"] = st.selectbox(
            t("workspace"), list(labels), index=index, format_func=labels.get
        )
    # Kept on every run (the same element, fetched once): a page left at once must not cancel the fetch.
    grant = st.session_state.get("session_grant")
    if grant:
        st.markdown(_pixel(f"/api/session/grant?code={grant}"), unsafe_allow_html=True)
    if st.button(t("logout")):
        sessions.end(store, st.context.cookies.get(sessions.COOKIE))
        st.session_state.clear()
        # A tab that signed in after it opened never saw the cookie: the browser ends the session itself.
        st.session_state["session_end"] = True
        st.rerun()

me = Actor(user["username"], frozenset(user["roles"]))
ws = current_workspace(store) if names else None
tables = list(ws.tables) if ws is not None else []
pages = [
    st.Page(
        path,
        title=t(title),
        icon=f":material/{icon}:",
        **({"url_path": url} if url else {"default": True}),
    )
    for path, url, title, icon, shown in PAGES
    if shown(me, tables)
]
current = st.navigation(pages)
with st.sidebar:
    # On a phone the sidebar covers the page: after choosing a page, fold it away (wide screens keep it).
    # Always there (the pages' own elements keep their places); its text changes, and its script runs, only
    # when the page does.
    st.html(FOLD_SIDEBAR_ON_PHONES.format(page=current.url_path or "home"), unsafe_allow_javascript=True)
current.run()
