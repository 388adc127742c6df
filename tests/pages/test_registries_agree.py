"""Registries that share keys across layers name the same things: every widget type of the board language has
a renderer, a check, a designer form, a starter and a page drawer; every field type's form widget has a page
widget; every effect type of the flow language has an engine effect."""

from __future__ import annotations

import typing

import pytest

from engine.boards.checks import WIDGET_CHECKS
from engine.boards.design import FORM, STARTERS
from engine.boards.model import Widget
from engine.boards.widgets import RENDERERS
from engine.fields.registry import FIELD_TYPES
from engine.flow.effects import EFFECTS
from engine.registry import DuplicateNameError
from engine.schema import Effect
from pages._charts import DRAW
from pages._widgets import WIDGETS


def _types(union: object) -> set[str]:
    """Every `type` value a discriminated union admits (a member may admit several: bar and line charts)."""
    members = typing.get_args(typing.get_args(union)[0])
    return {value for m in members for value in typing.get_args(m.model_fields["type"].annotation)}


def test_every_widget_type_is_rendered_checked_designed_and_drawn() -> None:
    kinds = _types(Widget)
    assert set(RENDERERS) == kinds
    assert set(WIDGET_CHECKS) == kinds
    assert set(FORM) == kinds
    assert set(STARTERS) == kinds
    assert set(DRAW) == kinds


def test_every_field_types_widget_is_drawn_by_the_form_page() -> None:
    assert {cls.widget for cls in FIELD_TYPES.values()} <= set(WIDGETS)


def test_every_effect_type_of_the_language_has_an_effect() -> None:
    assert set(EFFECTS) == _types(Effect)


def test_the_pages_registries_refuse_a_duplicate_name() -> None:
    for registry in (DRAW, WIDGETS):
        name = next(iter(registry))
        with pytest.raises(DuplicateNameError, match="registered twice"):
            registry.add(name, registry[name])


def test_every_field_type_and_role_has_a_name_in_both_languages() -> None:
    from engine.roles import ROLE_LABELS, ROLES
    from pages._ui import TEXT

    assert {k for k in FIELD_TYPES if f"type_{k}" not in TEXT} == set()
    assert set(ROLE_LABELS) == set(ROLES)
    assert all(zh and en and zh != en for zh, en in ROLE_LABELS.values())
