"""The compiler's operator registries: every compiled operator has an evaluator twin, and names are unique."""

from __future__ import annotations

import re

import pytest

from engine.conditions.compile import ConditionError, compile_condition
from engine.conditions.evaluate import EAGER, LAZY
from engine.conditions.operands import PREDICATES, VALUES
from engine.schema import Table

# Evaluated in Python (alert messages, forms) but not compiled to SQL: a condition using one is refused.
EVALUATOR_ONLY = {
    "log",
    "reduce",
    "merge",
    "filter",
    "substr",
    "cat",
    "%",
    "min",
    "map",
    "?:",
    "max",
    "missing_some",
}


def test_every_compiled_operator_has_an_evaluator_twin() -> None:
    compiled = set(PREDICATES) | set(VALUES)
    assert compiled <= set(EAGER) | set(LAZY)
    assert (set(EAGER) | set(LAZY)) - compiled == EVALUATOR_ONLY


def test_registering_an_operator_twice_fails_loudly() -> None:
    with pytest.raises(ValueError, match="'and'"):
        PREDICATES.add("and", PREDICATES["and"])


@pytest.mark.parametrize("op", sorted(EVALUATOR_ONLY))
def test_an_evaluator_only_operator_is_refused_with_the_supported_list(op: str) -> None:
    table = Table.model_validate(
        {"name": "t", "label": "T", "fields": [{"name": "n", "label": "N", "type": "integer"}]}
    )
    with pytest.raises(ConditionError, match=rf"unknown operator {re.escape(repr(op))}.*supported: var, "):
        compile_condition({op: [{"var": "n"}, 1]}, table)
