"""The Python evaluator against the JSONLogic conformance suites in ../shared/testdata/jsonlogic."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import pytest

from engine.conditions.evaluate import SUPPORTED, RuleError, evaluate
from engine.conditions.jsvalues import loose_equals, number_to_string, to_number, truthy

# shared/ stands beside the repository (locally and in CI); ORDERHUB_SHARED may point elsewhere.
SHARED = Path(os.environ.get("ORDERHUB_SHARED") or Path(__file__).resolve().parents[3].parent / "shared")
SUITES = SHARED / "testdata" / "jsonlogic"
if not (SUITES / "tests.json").is_file():
    raise RuntimeError(
        f"JSONLogic conformance suites not found under {SUITES}: set ORDERHUB_SHARED to the shared/ folder"
    )
OFFICIAL = [
    c for c in json.loads((SUITES / "tests.json").read_text(encoding="utf-8")) if not isinstance(c, str)
]
# Operators of the newer community suites that json-logic-js (our reference) does not have.
UNSUPPORTED = {"??", "exists", "preserve", "throw", "try", "val"}
COMPAT_PASSING = 827  # of 1,138; the rest test error types and the newer spec's arithmetic rules


def same(got: Any, expected: Any) -> bool:
    """Equal as JSON values (true is not 1)."""
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(got) is type(expected) and got == expected
    if isinstance(expected, list) and isinstance(got, list):
        return len(got) == len(expected) and all(same(g, e) for g, e in zip(got, expected, strict=True))
    return got == expected


@pytest.mark.parametrize(
    ("rule", "data", "expected"), OFFICIAL, ids=[json.dumps(c[0])[:60] for c in OFFICIAL]
)
def test_official_suite(rule: Any, data: Any, expected: Any) -> None:
    assert same(evaluate(rule, data), expected)


def test_official_suite_is_complete() -> None:
    assert len(OFFICIAL) == 277


def test_compat_suites_pass_count_and_unsupported_operators() -> None:
    passed, unsupported = 0, set()
    for name in json.loads((SUITES / "compat-suites" / "index.json").read_text(encoding="utf-8")):
        for case in json.loads((SUITES / "compat-suites" / name).read_text(encoding="utf-8")):
            if not isinstance(case, dict):
                continue
            try:
                got = evaluate(case["rule"], case.get("data"))
            except RuleError as exc:
                unsupported.add(str(exc).split("'")[1])
                continue
            except (TypeError, ValueError, ZeroDivisionError, OverflowError):
                passed += "error" in case
                continue
            passed += "result" in case and same(got, case["result"])
    assert unsupported == UNSUPPORTED and not unsupported & SUPPORTED
    assert passed >= COMPAT_PASSING


@pytest.mark.parametrize(
    ("a", "b", "equal"),
    [
        (1, "1", True),
        (0, "", True),
        (None, 0, False),
        (None, None, True),
        (True, 1, True),
        ([1], "1", True),
        ("a", "b", False),
    ],
)
def test_loose_equality(a: Any, b: Any, equal: bool) -> None:
    assert loose_equals(a, b) is equal


@pytest.mark.parametrize(
    ("value", "text"), [(1.0, "1"), (0.1 + 0.2, "0.30000000000000004"), (1e21, "1e+21"), (-0.5, "-0.5")]
)
def test_numbers_print_as_javascript_does(value: float, text: str) -> None:
    assert number_to_string(value) == text


def test_truthiness_and_numbers() -> None:
    assert [truthy(v) for v in ([], [0], "", "0", 0, {}, None)] == [
        False,
        True,
        False,
        True,
        False,
        True,
        False,
    ]
    assert to_number(" 12 ") == 12 and to_number("0x10") == 16


def test_unknown_operator_is_named() -> None:
    with pytest.raises(RuleError, match="unrecognized operation 'nope'"):
        evaluate({"nope": [1]})
