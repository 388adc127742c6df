"""What runs after every write of user rows, registered in one place: automatic transitions.

records/ cannot import flow/ (a move is a write), so the hooks are wired here, and engine/__init__ imports
this module, so no write path can run before its hooks are registered.
"""

from __future__ import annotations

from engine.flow.bulk import advance_in
from engine.records.single import table_moves_itself
from engine.records.write import AFTER_WRITE, AfterWrite

AFTER_WRITE.add("automatic_transitions", AfterWrite(table_moves_itself, advance_in))
