"""Graph checks of a status flow: states no move reaches from the initial state, and open states no move
leaves. Run when a workspace is loaded (schema_checks) and shown by the flow designer as it is edited.

A state after a done one (signed → after-sale) is legal: only open states must have a way out.
"""

from __future__ import annotations

from engine.schema import Flow, State

TERMINAL = ("done", "cancelled")


def reachable(flow: Flow) -> set[str]:
    """Names of the states some sequence of moves reaches from the initial state (the initial included)."""
    seen = {flow.initial}
    changed = True
    while changed:
        changed = False
        for tr in flow.transitions:
            if tr.to not in seen and ("*" in tr.from_ or seen & set(tr.from_)):
                seen.add(tr.to)
                changed = True
    return seen


def unreachable(flow: Flow) -> list[State]:
    """States no move reaches from the initial state."""
    seen = reachable(flow)
    return [s for s in flow.states if s.name not in seen]


def dead_ends(flow: Flow) -> list[State]:
    """Open states (neither done nor cancelled) that no move leaves."""
    leaving = {src for tr in flow.transitions for src in tr.from_}
    if "*" in leaving:
        return []
    return [s for s in flow.states if s.category not in TERMINAL and s.name not in leaving]


def graph_problems(flow: Flow) -> list[tuple[int, str]]:
    """(state index, what a builder should fix) for every unreachable state and dead end."""
    index = {s.name: i for i, s in enumerate(flow.states)}
    problems = [
        (index[s.name], f"{s.label} ({s.name}) cannot be reached from {flow.initial}")
        for s in unreachable(flow)
    ]
    problems += [
        (
            index[s.name],
            f"{s.label} ({s.name}) is a dead end: no move leaves it and its category is {s.category}, "
            "not done or cancelled",
        )
        for s in dead_ends(flow)
    ]
    return problems
