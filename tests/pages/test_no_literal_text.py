"""Every text a page shows goes through the translation table: no English or Chinese string literal as a
widget's label, help or placeholder, a message, a heading, or a table's column header (a dict key shown by
st.dataframe or st.data_editor without a column_config label). Read from the source with ast."""

from __future__ import annotations

import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SHOWN = {
    "title", "header", "subheader", "markdown", "caption", "write", "button", "text_input", "text_area",
    "number_input", "selectbox", "multiselect", "checkbox", "radio", "error", "success", "info", "warning",
    "toast", "expander", "form_submit_button", "tabs", "metric", "download_button", "file_uploader",
    "date_input", "time_input", "toggle", "slider", "popover", "link_button", "page_link", "status", "spinner",
    "TextColumn", "SelectboxColumn", "CheckboxColumn", "NumberColumn", "ProgressColumn", "LinkColumn",
    "DatetimeColumn", "Column",
}  # fmt: skip
TABLES = {"dataframe", "table", "data_editor"}
# A word of two Latin letters or a Chinese character; markdown's own markup is not text.
WORD = re.compile(r"[A-Za-z]{2,}|[\u4e00-\u9fff]")
MARKUP = re.compile(r":material/[a-z_]+:|:[a-z]+(-badge)?\[|\*\*|https?://\S+")


def _texts(node: ast.AST) -> list[str]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [node.value]
    if isinstance(node, ast.JoinedStr):
        return [v.value for v in node.values if isinstance(v, ast.Constant) and isinstance(v.value, str)]
    if isinstance(node, ast.List | ast.Tuple):
        return [x for e in node.elts for x in _texts(e)]
    return []


def _configured(call: ast.Call) -> set[str]:
    config = next((k.value for k in call.keywords if k.arg == "column_config"), None)
    if isinstance(config, ast.Dict):
        return {k.value for k in config.keys if isinstance(k, ast.Constant)}
    return set()


def _renames(tree: ast.AST) -> set[int]:
    """The dicts that rename a frame's columns into translated headings (their keys are never shown)."""
    return {
        id(arg)
        for node in ast.walk(tree)
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "rename"
        for arg in node.args
    }


def literals(path: Path) -> list[str]:
    """Each user-facing literal of a page file, as 'file:line: text'."""
    out = []
    tree = ast.parse(path.read_text())
    renames = _renames(tree)
    for node in ast.walk(tree):
        if not (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute)):
            continue
        name = node.func.attr
        if name in SHOWN:
            shown = node.args[:1] + [
                k.value for k in node.keywords if k.arg in ("label", "help", "placeholder")
            ]
            out += [
                f"{path.name}:{node.lineno}: {text!r}"
                for arg in shown
                for text in _texts(arg)
                if WORD.search(MARKUP.sub("", text))
            ]
        if name in TABLES and node.args:
            configured = _configured(node)
            out += [
                f"{path.name}:{sub.lineno}: column {k.value!r}"
                for sub in ast.walk(node.args[0])
                if isinstance(sub, ast.Dict) and id(sub) not in renames
                for k in sub.keys
                if isinstance(k, ast.Constant) and isinstance(k.value, str)
                if WORD.search(k.value) and k.value not in configured
            ]
    return out


def test_pages_show_no_text_outside_the_translation_table() -> None:
    files = [*sorted((ROOT / "pages").glob("*.py")), ROOT / "app.py"]
    assert [hit for path in files for hit in literals(path)] == []


def test_every_text_has_both_languages_with_the_same_placeholders() -> None:
    from string import Formatter

    from pages._ui import TEXT

    def slots(text: str) -> set[str]:
        return {name for _, name, _, _ in Formatter().parse(text) if name}

    bad = [k for k, (zh, en) in TEXT.items() if not zh or not en or slots(zh) != slots(en)]
    assert bad == []
