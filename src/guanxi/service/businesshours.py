"""Business-time arithmetic: add business minutes to a moment, count business minutes between two.

A :class:`WorkingTime` is built once from a :class:`~guanxi.service.models.BusinessCalendar` and its
holiday / adjusted-working-day entries; it works in the calendar's time zone (Asia/Shanghai by
default) and answers in aware UTC datetimes. Holidays have no working hours; an adjusted working day
(调休, a Saturday or Sunday worked) has Monday's hours.
"""

from __future__ import annotations

import datetime
from functools import lru_cache
from zoneinfo import ZoneInfo

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

UTC = datetime.timezone.utc
#: how far ahead a deadline may fall before the calendar is called broken (no working hours at all)
MAX_DAYS = 3 * 366


def parse_hours(hours: dict) -> dict[int, list[tuple[datetime.time, datetime.time]]]:
    """``{"0": [["09:00", "12:00"], …]}`` -> ``{0: [(time(9), time(12)), …]}``, validated and sorted."""
    weekly: dict[int, list[tuple[datetime.time, datetime.time]]] = {}
    for key, spans in (hours or {}).items():
        day = int(key)
        parsed = []
        for start, end in spans:
            a, b = datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)
            if b <= a:
                raise ValidationError({"hours": _("A working period must end after it starts (%(start)s–%(end)s).") % {"start": start, "end": end}})
            parsed.append((a, b))
        parsed.sort()
        for (_a, b), (c, _d) in zip(parsed, parsed[1:]):
            if c < b:
                raise ValidationError({"hours": _("Working periods of one day must not overlap.")})
        weekly[day] = parsed
    return weekly


def format_hours(spans) -> str:
    return ", ".join(f"{a}-{b}" for a, b in spans)


def hours_from_text(text: str) -> list[list[str]]:
    """``"09:00-12:00, 13:00-18:00"`` -> ``[["09:00", "12:00"], ["13:00", "18:00"]]``."""
    spans = []
    for part in (text or "").replace("，", ",").split(","):
        part = part.strip()
        if not part:
            continue
        try:
            start, end = (p.strip() for p in part.replace("–", "-").split("-"))
            a, b = datetime.time.fromisoformat(start), datetime.time.fromisoformat(end)
        except ValueError:
            raise ValidationError(_("Write working hours as 09:00-12:00, 13:00-18:00.")) from None
        spans.append([a.strftime("%H:%M"), b.strftime("%H:%M")])
    return spans


class WorkingTime:
    def __init__(self, *, hours: dict, time_zone: str = "Asia/Shanghai", holidays=(), workdays=()):
        self.tz = ZoneInfo(time_zone)
        self.weekly = parse_hours(hours)
        self.holidays = frozenset(holidays)
        self.workdays = frozenset(workdays)
        if not any(self.weekly.values()):
            raise ValidationError({"hours": _("The calendar has no working hours.")})

    @classmethod
    def for_calendar(cls, calendar) -> "WorkingTime":
        from .choices import CalendarDayKind

        days = list(calendar.days.values_list("date", "kind"))
        return cls(
            hours=calendar.hours, time_zone=calendar.time_zone,
            holidays=[d for d, kind in days if kind == CalendarDayKind.HOLIDAY],
            workdays=[d for d, kind in days if kind == CalendarDayKind.WORKDAY],
        )

    def spans(self, day: datetime.date) -> list[tuple[datetime.datetime, datetime.datetime]]:
        """The working periods of one local date, as aware datetimes."""
        if day in self.holidays:
            return []
        if day in self.workdays:
            periods = self.weekly.get(day.weekday()) or self.weekly.get(0) or next(p for p in self.weekly.values() if p)
        else:
            periods = self.weekly.get(day.weekday(), [])
        return [
            (datetime.datetime.combine(day, a, self.tz), datetime.datetime.combine(day, b, self.tz))
            for a, b in periods
        ]

    def add(self, start: datetime.datetime, minutes: float) -> datetime.datetime:
        """The moment ``minutes`` business minutes after ``start``."""
        remaining = datetime.timedelta(minutes=minutes)
        local = start.astimezone(self.tz)
        if remaining <= datetime.timedelta(0):
            return start.astimezone(UTC)
        day = local.date()
        for _i in range(MAX_DAYS):
            for a, b in self.spans(day):
                if b <= local:
                    continue
                a = max(a, local)
                available = b - a
                if remaining <= available:
                    return (a + remaining).astimezone(UTC)
                remaining -= available
            day += datetime.timedelta(days=1)
        raise ValidationError(_("No deadline within %(days)d days: check the calendar's working hours.") % {"days": MAX_DAYS})

    def minutes_between(self, start: datetime.datetime, end: datetime.datetime) -> float:
        """Business minutes from ``start`` to ``end`` (negative when ``end`` is earlier)."""
        if end < start:
            return -self.minutes_between(end, start)
        start, end = start.astimezone(self.tz), end.astimezone(self.tz)
        total = datetime.timedelta(0)
        day = start.date()
        while day <= end.date():
            for a, b in self.spans(day):
                a, b = max(a, start), min(b, end)
                if b > a:
                    total += b - a
            day += datetime.timedelta(days=1)
        return total.total_seconds() / 60


def china_official_days(year: int) -> list[tuple[datetime.date, str, str]]:
    """China's public holidays on working days and adjusted working days of ``year``, from ``chinese_calendar``.

    Returns ``(date, kind, name)`` with kind ``holiday`` or ``workday``; a year the library does not
    know yet gives an empty list.
    """
    import chinese_calendar

    out = []
    day = datetime.date(year, 1, 1)
    try:
        chinese_calendar.is_holiday(day)
    except NotImplementedError:
        return []
    while day.year == year:
        holiday, name = chinese_calendar.get_holiday_detail(day)
        weekend = day.weekday() >= 5
        if holiday and not weekend and name:
            out.append((day, "holiday", _holiday_name(name)))
        elif not holiday and weekend:
            out.append((day, "workday", _holiday_name(name) if name else ""))
        day += datetime.timedelta(days=1)
    return out


@lru_cache(maxsize=None)
def _names() -> dict[str, str]:
    return {
        "New Year's Day": "元旦", "Spring Festival": "春节", "Tomb-sweeping Day": "清明节", "Labour Day": "劳动节",
        "Dragon Boat Festival": "端午节", "National Day": "国庆节", "Mid-autumn Festival": "中秋节",
        "Anti-Fascist 70th Day": "抗战胜利纪念日",
    }


def _holiday_name(name: str) -> str:
    return _names().get(name, name)
