"""The named extensions of the condition language, for the evaluator: now, hours_since, days_between,
hours_in_status and changed_count (the last two read what the caller loaded under STATUS_SINCE and CHANGES).

Times travel as ISO text ('2026-03-15T14:05:00', the workspace's local time) so that JSONLogic's string
comparison orders them; `now` comes from the caller (injected clock), never read here.
"""

from __future__ import annotations

import math
from contextvars import ContextVar
from datetime import datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from engine.conditions.evaluate import EAGER, LAZY, evaluate, get_var

NOW: ContextVar[datetime | None] = ContextVar("condition_now", default=None)
US = timedelta(microseconds=1)
US_PER_HOUR = 3_600_000_000
US_PER_DAY = 86_400_000_000
# Keys of the record data that no field can have (field names start with a letter).
STATUS_SINCE = "@status_since"
CHANGES = "@changes"


def iso(moment: datetime) -> str:
    """A local time as the ISO text conditions compare."""
    return moment.isoformat(timespec="seconds") if moment.microsecond == 0 else moment.isoformat()


def parse_time(value: Any) -> datetime | None:
    """ISO text back to a datetime, or None when it is not one."""
    if not isinstance(value, str):
        return None
    try:
        return datetime.fromisoformat(value)
    except ValueError:
        return None


def local_time(value: Any, tz: str) -> datetime | None:
    """ISO text (with or without a zone, as the condition builder sends UTC 'Z' times) as a naive local time."""
    moment = parse_time(value.replace("Z", "+00:00") if isinstance(value, str) else value)
    if moment is not None and moment.tzinfo is not None:
        moment = moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return moment


def current_time() -> datetime:
    moment = NOW.get()
    if moment is None:
        raise ValueError("conditions with now/hours_since need a clock: evaluate them with a `now`")
    return moment


def _now(args: list[Any], data: Any) -> str:
    return iso(current_time())


def _hours_since(args: list[Any], data: Any) -> float:
    moment = parse_time(evaluate(args[0], data)) if args else None
    return math.nan if moment is None else ((current_time() - moment) // US) / US_PER_HOUR


def _days_between(args: list[Any], data: Any) -> float:
    start, end = (parse_time(evaluate(a, data)) for a in args[:2])
    return math.nan if start is None or end is None else ((end - start) // US) / US_PER_DAY


def _hours_in_status(args: list[Any], data: Any) -> float:
    moment = parse_time(get_var(data, STATUS_SINCE))
    return math.nan if moment is None else ((current_time() - moment) // US) / US_PER_HOUR


def _changed_count(args: list[Any], data: Any) -> int:
    name = evaluate(args[0], data) if args else None
    counts = data.get(CHANGES) if isinstance(data, dict) else None
    return int((counts or {}).get(name, 0))


for _name, _fn in {
    "now": _now,
    "hours_since": _hours_since,
    "days_between": _days_between,
    "hours_in_status": _hours_in_status,
    "changed_count": _changed_count,
}.items():
    if _name not in LAZY:
        LAZY[_name] = _fn


def evaluate_at(rule: Any, data: Any, now: datetime) -> Any:
    """Evaluate with the clock set to `now` (naive local time)."""
    token = NOW.set(now)
    try:
        return evaluate(rule, data)
    finally:
        NOW.reset(token)


def _starts_with(text: Any = None, part: Any = None) -> bool:
    return isinstance(text, str) and isinstance(part, str) and text.startswith(part)


def _ends_with(text: Any = None, part: Any = None) -> bool:
    return isinstance(text, str) and isinstance(part, str) and text.endswith(part)


for _name, _fn in {"starts_with": _starts_with, "ends_with": _ends_with}.items():
    if _name not in EAGER:
        EAGER[_name] = _fn
