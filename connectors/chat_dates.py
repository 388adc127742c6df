"""The date a chat message asks for, relative to when it was sent: 3月15日前, 3.18, 15号, 明天, 下周三, 月底,
月中, 下月初, and the public holidays (国庆前, 元旦前, 春节前, 节后). "X前" means by the last day before X."""

from __future__ import annotations

import calendar
import re
from datetime import date, timedelta
from typing import Any

WEEKDAYS = {"一": 0, "二": 1, "三": 2, "四": 3, "五": 4, "六": 5, "日": 6, "天": 6, "末": 5}
MID_MONTH, EARLY_MONTH = 15, 5  # 月中 is the 15th; 月初 the first five days, so by the 5th

# The lunar festivals' days (Gregorian), from the official calendars; solar holidays are fixed below.
LUNAR = {
    "春节": ("2025-01-29", "2026-02-17", "2027-02-06", "2028-01-26", "2029-02-13", "2030-02-03"),
    "清明": ("2025-04-04", "2026-04-05", "2027-04-05", "2028-04-04", "2029-04-04", "2030-04-05"),
    "端午": ("2025-05-31", "2026-06-19", "2027-06-09", "2028-05-28", "2029-06-16", "2030-06-05"),
    "中秋": ("2025-10-06", "2026-09-25", "2027-09-15", "2028-10-03", "2029-09-22", "2030-09-12"),
}
SOLAR = {"元旦": (1, 1), "劳动节": (5, 1), "五一": (5, 1), "国庆": (10, 1), "十一": (10, 1)}
# Days off from the festival's day, as the State Council's yearly schedules usually give them.
DAYS_OFF = {
    "春节": 7,
    "国庆": 7,
    "十一": 7,
    "劳动节": 5,
    "五一": 5,
    "元旦": 1,
    "清明": 2,
    "端午": 3,
    "中秋": 3,
}
FESTIVAL_WORDS = "春节|过年|年前|年后|清明|端午|中秋|元旦|劳动节|五一|国庆|十一"
ALIASES = {"过年": "春节", "年前": "春节", "年后": "春节"}


def _safe(y: int, m: int, d: int) -> date | None:
    try:
        return date(y, m, d)
    except ValueError:
        return None


def _future(today: date, month: int, day: int) -> date | None:
    d = _safe(today.year, month, day)
    if d is None:
        return None
    # A deadline already past this year means next year's (said in December about January).
    return d if d >= today - timedelta(days=31) else _safe(today.year + 1, month, day)


def _month_end(t: date) -> date:
    return date(t.year, t.month, calendar.monthrange(t.year, t.month)[1])


def _next_month(t: date, day: int) -> date | None:
    y, m = (t.year + 1, 1) if t.month == 12 else (t.year, t.month + 1)
    return _safe(y, m, min(day, calendar.monthrange(y, m)[1]))


def _day_of_month(t: date, day: int) -> date | None:
    if not 1 <= day <= 31:
        return None
    d = _safe(t.year, t.month, day)
    return d if d and d >= t else _next_month(t, day)


def _weekday(today: date, prefix: str, name: str) -> date:
    target = WEEKDAYS.get(name, int(name) - 1 if name.isdigit() else 0)
    monday = today - timedelta(days=today.weekday())
    if prefix.startswith("下下"):
        return monday + timedelta(days=14 + target)
    if prefix.startswith("下"):
        return monday + timedelta(days=7 + target)
    this_week = monday + timedelta(days=target)
    if prefix in ("这", "本", "这个"):
        return this_week
    return this_week if this_week >= today else this_week + timedelta(days=7)


def festival_day(name: str, today: date) -> date | None:
    """The next day of a festival on or after today (a lunar one only within the years we know)."""
    name = ALIASES.get(name, name)
    if name in SOLAR:
        month, day = SOLAR[name]
        this_year = date(today.year, month, day)
        return this_year if this_year >= today else date(today.year + 1, month, day)
    days = [date.fromisoformat(d) for d in LUNAR.get(name, ())]
    return next((d for d in days if d + timedelta(days=DAYS_OFF[name]) >= today), None)


def _before(name: str, today: date) -> date | None:
    day = festival_day(name, today)
    return day - timedelta(days=1) if day else None


def _after(name: str | None, today: date) -> date | None:
    """The first working day after a festival's days off; 节后 alone means the next festival's."""
    names = [name] if name else [*LUNAR, "元旦", "劳动节", "国庆"]
    ends = [
        (d + timedelta(days=DAYS_OFF[ALIASES.get(n, n)]))
        for n in names
        if (d := festival_day(n, today)) is not None
    ]
    return min(ends) if ends else None


def _mid(t: date, month_offset: int) -> date | None:
    if month_offset:
        return _next_month(t, MID_MONTH)
    d = date(t.year, t.month, MID_MONTH)
    return d if d >= t else _next_month(t, MID_MONTH)


def _early(t: date, month_offset: int) -> date | None:
    if not month_offset and t.day <= EARLY_MONTH:
        return date(t.year, t.month, EARLY_MONTH)
    return _next_month(t, EARLY_MONTH)


NOT_A_DAY = "元块仓库门楼线口院店位排栋层车"  # 3号仓库, 5号门: places, not days of the month

DATE_RULES: list[tuple[re.Pattern[str], Any]] = [
    (re.compile(r"(20\d\d)[-/年.](\d{1,2})[-/月.](\d{1,2})[日号]?"), lambda m, t: _safe(int(m[1]), int(m[2]), int(m[3]))),
    (re.compile(r"下个?月(\d{1,2})[号日]"), lambda m, t: _next_month(t, int(m[1]))),
    (re.compile(r"下个?月底"), lambda m, t: _month_end(_next_month(t, 1) or t)),
    (re.compile(r"(下个?)?月中"), lambda m, t: _mid(t, 1 if m[1] else 0)),
    (re.compile(r"(下个?)?月初"), lambda m, t: _early(t, 1 if m[1] else 0)),
    (re.compile(rf"({FESTIVAL_WORDS})节?(?:之|以)?前(?!后)"), lambda m, t: _before(m[1], t)),
    (re.compile(rf"({FESTIVAL_WORDS})?节?(?:之|以)?后(?!天)"), lambda m, t: _after(m[1], t) if m[1] or "节后" in m[0] else None),
    (re.compile(r"(?<!\d)(\d{1,2})月(\d{1,2})[日号]?"), lambda m, t: _future(t, int(m[1]), int(m[2]))),
    (re.compile(r"(?<![\d.])(\d{1,2})[/.](\d{1,2})(?=\s*(?:前|之前|以前|到|交|发|送|号|日|要|$|[,，。 ]))(?![件套箱个])"),
     lambda m, t: _future(t, int(m[1]), int(m[2])) if 1 <= int(m[1]) <= 12 else None),
    (re.compile(r"月底"), lambda m, t: _month_end(t)),
    (re.compile(rf"(?<![\d月/.])(\d{{1,2}})[号日](?![{NOT_A_DAY}])"), lambda m, t: _day_of_month(t, int(m[1]))),
    (re.compile(r"大后天"), lambda m, t: t + timedelta(days=3)),
    (re.compile(r"后天"), lambda m, t: t + timedelta(days=2)),
    (re.compile(r"明天|明日|明早|明儿"), lambda m, t: t + timedelta(days=1)),
    (re.compile(r"今天|今日|今晚|当天"), lambda m, t: t),
    (re.compile(r"(下下|下个|下|这个|这|本)?(?:周|星期|礼拜)([一二三四五六日天末1-7])"), lambda m, t: _weekday(t, m[1] or "", m[2])),
    (re.compile(r"(\d{1,3})天(?:内|之内|以内|后)"), lambda m, t: t + timedelta(days=int(m[1]))),
    (re.compile(r"下周"), lambda m, t: t - timedelta(days=t.weekday()) + timedelta(days=11)),  # 下周 alone: its Friday
]  # fmt: skip


def _free(spans: list[tuple[int, int]], start: int, end: int) -> bool:
    return all(end <= a or start >= b for a, b in spans)


def find_date(
    text: str, today: date, taken: list[tuple[int, int]] | None = None
) -> tuple[date | None, list[tuple[int, int]]]:
    """The date a message asks for, and the span of text it used (those numbers are not quantities); text in
    `taken` (a product's name such as 美孚1号) is not read as a date."""
    taken = taken or []
    for pattern, make in DATE_RULES:
        for m in pattern.finditer(text):
            if not _free(taken, *m.span()):
                continue
            found = make(m, today)
            if found is not None:
                return found, [m.span()]
    return None, []


def distinct_dates(text: str, today: date, taken: list[tuple[int, int]] | None = None) -> set[date]:
    """Every date the message names (明天 刹车片…后天 刹车盘 names two): more than one needs a person."""
    spans = list(taken or [])
    found: set[date] = set()
    for pattern, make in DATE_RULES:
        for m in pattern.finditer(text):
            if _free(spans, *m.span()) and (d := make(m, today)) is not None:
                found.add(d)
                spans.append(m.span())
    return found
