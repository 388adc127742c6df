"""Every registry refuses a duplicate name, loudly, whichever way the name comes in."""

from __future__ import annotations

import re

import pytest

from connectors.platforms import APIS
from connectors.sources import FETCHERS
from engine.boards.checks import WIDGET_CHECKS
from engine.boards.customers import DIMENSIONS
from engine.boards.health import COMPONENTS
from engine.boards.kpi import COMPARED
from engine.boards.widgets import RENDERERS
from engine.conditions.evaluate import EAGER, LAZY
from engine.expressions import OPERATORS as EXPRESSION_OPERATORS
from engine.fields.registry import FIELD_TYPES
from engine.filters import OPERATORS as FILTER_OPERATORS
from engine.flow.effects import EFFECTS
from engine.intake.queue import APPLY
from engine.jobs import JOBS
from engine.notify.channels import KINDS
from engine.records.write import AFTER_WRITE
from engine.registry import DuplicateNameError, Registry
from engine.roles import ACTION_ROLES

ALL = [
    APIS, FETCHERS, WIDGET_CHECKS, DIMENSIONS, COMPONENTS, COMPARED, RENDERERS, EAGER, LAZY,
    EXPRESSION_OPERATORS, FIELD_TYPES, FILTER_OPERATORS, EFFECTS, APPLY, JOBS, KINDS, AFTER_WRITE, ACTION_ROLES,
]  # fmt: skip


@pytest.mark.parametrize("registry", ALL, ids=lambda r: r.kind)
def test_a_duplicate_name_is_refused(registry: Registry) -> None:
    name = next(iter(registry))
    before = dict(registry)
    for attempt in (
        lambda: registry.add(name, before[name]),
        lambda: registry.__setitem__(name, before[name]),
        lambda: registry.update({name: before[name]}),
    ):
        with pytest.raises(DuplicateNameError, match=re.escape(f"{name!r} is registered twice")):
            attempt()
    assert dict(registry) == before


def test_a_literal_registry_refuses_a_repeated_pair() -> None:
    with pytest.raises(DuplicateNameError, match="effect 'notify' is registered twice"):
        Registry("effect", [("notify", 1), ("notify", 2)])


def test_an_unknown_name_lists_the_known_ones() -> None:
    with pytest.raises(
        KeyError, match=r"unknown effect 'ship' \(known: notify, release_stock, reserve_stock\)"
    ):
        EFFECTS.require("ship")


def test_a_swapped_entry_comes_back() -> None:
    original = JOBS["alerts"]
    stand_in = original.__class__(original.name, original.label, original.every, lambda store, now: {})
    with JOBS.swapped("alerts", stand_in):
        assert JOBS["alerts"] is stand_in
    assert JOBS["alerts"] is original
