"""What runs after every write of user rows, registered in one place: automatic transitions.

records/ cannot import flow/ (a move is a write), so the hooks are wired here, and engine/__init__ imports
this module, so no write path can run before its hooks are registered.
"""

from __future__ import annotations

from engine.flow.bulk import advance_in
from engine.records.write import AFTER_WRITE, AfterWrite
from engine.schema import Table


def _moves_itself(table: Table) -> bool:
    """Whether the table's flow has automatic transitions."""
    return bool(table.flow and any(tr.automatic for tr in table.flow.transitions))


AFTER_WRITE.add("automatic_transitions", AfterWrite(_moves_itself, advance_in))
