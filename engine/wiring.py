"""What runs after every write of user rows, registered in one place: automatic transitions.

records/ cannot import flow/ (a move is a write), so the hooks are wired here, and engine/__init__ imports
this module, so no write path can run before its hooks are registered.
"""

from __future__ import annotations

from engine.flow.bulk import advance_in
from engine.records.write import AFTER_WRITE, Write


def _automatic_transitions(w: Write, ids: list[int]) -> None:
    if w.table.flow is not None and any(tr.automatic for tr in w.table.flow.transitions):
        advance_in(w, ids)


AFTER_WRITE.add("automatic_transitions", _automatic_transitions)
