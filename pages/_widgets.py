"""Form widgets by name: each field type names one, so pages draw any schema without type checks."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import streamlit as st

from engine.forms import FormField
from engine.registry import Registry
from pages._ui import t


def _text(f: FormField, key: str, value: Any) -> Any:
    return st.text_input(
        f.label,
        value="" if value is None else str(value),
        key=key,
        help=f.help or None,
        placeholder=f.placeholder,
        disabled=f.readonly,
    )


def _textarea(f: FormField, key: str, value: Any) -> Any:
    return st.text_area(
        f.label, value="" if value is None else str(value), key=key, help=f.help or None, disabled=f.readonly
    )


def _integer(f: FormField, key: str, value: Any) -> Any:
    return st.number_input(
        f.label,
        value=None if value is None else int(value),
        step=1,
        key=key,
        help=f.help or None,
        disabled=f.readonly,
    )


def _number(f: FormField, key: str, value: Any) -> Any:
    return st.number_input(
        f.label,
        value=None if value is None else float(value),
        step=0.01,
        format="%.2f",
        key=key,
        help=f.help or None,
        disabled=f.readonly,
    )


def _checkbox(f: FormField, key: str, value: Any) -> Any:
    return st.checkbox(f.label, value=bool(value), key=key, help=f.help or None, disabled=f.readonly)


def _date(f: FormField, key: str, value: Any) -> Any:
    return st.date_input(f.label, value=value, key=key, help=f.help or None, disabled=f.readonly)


def _select(f: FormField, key: str, value: Any) -> Any:
    values = [v for v, _ in f.options]
    labels = dict(f.options)
    index = values.index(value) if value in values else None
    return st.selectbox(
        f.label,
        values,
        index=index,
        format_func=lambda v: labels.get(v, v),
        key=key,
        help=f.help or None,
        disabled=f.readonly,
    )


def _multiselect(f: FormField, key: str, value: Any) -> Any:
    labels = dict(f.options)
    return st.multiselect(
        f.label,
        list(labels),
        default=list(value or []),
        format_func=lambda v: labels.get(v, v),
        key=key,
        disabled=f.readonly,
        placeholder=t("choose"),
    )


def _readonly(f: FormField, key: str, value: Any) -> Any:
    st.text_input(f.label, value="" if value is None else str(value), key=key, disabled=True)
    return None


# widget name (from the field type) → how to draw it; a new field type only names one of these.
WIDGETS: Registry[Callable[[FormField, str, Any], Any]] = Registry(
    "form widget",
    {
        "text": _text,
        "textarea": _textarea,
        "integer": _integer,
        "number": _number,
        "checkbox": _checkbox,
        "date": _date,
        "datetime": _text,
        "select": _select,
        "multiselect": _multiselect,
        "relation": _text,
        "readonly": _readonly,
    },
)


def render_fields(
    fields: list[FormField], prefix: str, values: dict[str, Any], errors: dict[str, str]
) -> dict[str, Any]:
    """Draw the widgets; returns the entered values of the writable fields."""
    entered: dict[str, Any] = {}
    for f in fields:
        label = f"{f.label} *" if f.required else f.label
        value = WIDGETS[f.widget](
            FormField(**{**f.__dict__, "label": label}), f"{prefix}_{f.name}", values.get(f.name, f.default)
        )
        if f.name in errors:
            st.markdown(f":red[{errors[f.name]}]")
        if not f.readonly and f.widget != "readonly":
            entered[f.name] = value
    return entered


def changed_values(entered: dict[str, Any], original: dict[str, Any]) -> dict[str, Any]:
    """Only what the user changed (blank text means 'no value')."""
    out = {}
    for name, value in entered.items():
        value = None if value == "" else value
        before = original.get(name)
        if value != before and not (value in (None, False, []) and before in (None, False, [])):
            out[name] = value
    return out
