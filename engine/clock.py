"""The clock: engine functions take `now` as a parameter and default to this, so time rules are testable."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

DEFAULT_TZ = "Asia/Shanghai"


def local_now(tz: str = DEFAULT_TZ) -> datetime:
    """The current wall-clock time in `tz`, naive (as stored), to the microsecond."""
    return datetime.now(ZoneInfo(tz)).replace(tzinfo=None)


def as_naive(moment: datetime | None, tz: str = DEFAULT_TZ) -> datetime:
    """`moment` as a naive local time; None means now."""
    if moment is None:
        return local_now(tz)
    if moment.tzinfo is not None:
        return moment.astimezone(ZoneInfo(tz)).replace(tzinfo=None)
    return moment
