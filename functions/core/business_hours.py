"""When human agents are available: a weekly timetable in the contact centre's own time zone, minus holidays.

Opening windows are wall-clock times in `timezone`, so "08:00" stays 08:00 across the clock changes;
zoneinfo does the UTC arithmetic. A window is half-open: open at its start, closed at its end.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, field_validator

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
SEARCH_DAYS = 30  # how far ahead next_opening looks before giving up

OpeningWindow = tuple[time, time]

# Names customers recognise, for the zones a UK/HK contact centre is likely to run in.
_ZONE_NAMES = {"Europe/London": "UK time", "Asia/Hong_Kong": "Hong Kong time", "Asia/Shanghai": "China time"}


def _default_hours() -> dict[str, OpeningWindow | None]:
    weekday = (time(8), time(20))
    return dict.fromkeys(WEEKDAYS[:5], weekday) | {"sat": (time(9), time(17)), "sun": None}


class BusinessCalendar(BaseModel):
    """The contact centre's opening hours.

    `hours` maps "mon".."sun" to an opening window or None (closed). When `hours` is given, weekdays it
    leaves out are closed: a config that lists only Mon-Fri means closed at weekends, not "defaults".
    `holidays` are whole local days closed.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    timezone: str = "Europe/London"  # an IANA zone name
    hours: dict[str, OpeningWindow | None] = Field(default_factory=_default_hours)
    holidays: list[date] = Field(default_factory=list)

    @field_validator("timezone")
    @classmethod
    def _known_zone(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValueError(f"unknown time zone {value!r}; use an IANA name such as 'Europe/London'") from error
        return value

    @field_validator("hours")
    @classmethod
    def _valid_week(cls, hours: dict[str, OpeningWindow | None]) -> dict[str, OpeningWindow | None]:
        week = {day.strip().lower(): window for day, window in hours.items()}
        unknown = sorted(set(week) - set(WEEKDAYS))
        if unknown:
            raise ValueError(f"unknown weekday {', '.join(unknown)}; use {', '.join(WEEKDAYS)}")
        for day, window in week.items():
            if window is not None:
                _check_window(day, window)
        return {day: week.get(day) for day in WEEKDAYS}

    @property
    def zone(self) -> ZoneInfo:
        return ZoneInfo(self.timezone)

    def is_open(self, at: datetime) -> bool:
        local = _aware(at).astimezone(self.zone)
        window = self._window_on(local.date())
        return window is not None and window[0] <= local.time() < window[1]

    def next_opening(self, at: datetime) -> datetime:
        """The first moment from `at` on when agents are available, in `at`'s time zone."""
        if self.is_open(at):
            return at
        first_day = _aware(at).astimezone(self.zone).date()
        for offset in range(SEARCH_DAYS + 1):
            day = first_day + timedelta(days=offset)
            window = self._window_on(day)
            if window is None:
                continue
            opening = datetime.combine(day, window[0], tzinfo=self.zone).astimezone(at.tzinfo)
            # The is_open check covers an opening time that falls in a clock-change gap and so never occurs.
            if opening > at and self.is_open(opening):
                return opening
        raise ValueError(f"no opening hours within {SEARCH_DAYS} days of {at.isoformat()}")

    def describe_hours(self) -> str:
        """A short customer-facing sentence, e.g. "Mon-Fri 08:00-20:00, Sat 09:00-17:00 (UK time)"."""
        runs = _runs_of_equal_windows(self.hours)
        if not runs:
            return "Closed"
        parts = [f"{_day_range(first, last)} {start:%H:%M}-{end:%H:%M}" for first, last, (start, end) in runs]
        zone_name = _ZONE_NAMES.get(self.timezone, self.timezone.rsplit("/", 1)[-1].replace("_", " ") + " time")
        return f"{', '.join(parts)} ({zone_name})"

    def _window_on(self, day: date) -> OpeningWindow | None:
        if day in self.holidays:
            return None
        return self.hours.get(WEEKDAYS[day.weekday()])


def _check_window(day: str, window: OpeningWindow) -> None:
    start, end = window
    if start.tzinfo is not None or end.tzinfo is not None:
        raise ValueError(f"{day}: give wall-clock times without an offset; the calendar's timezone applies")
    if end <= start:
        raise ValueError(f"{day}: closing time {end:%H:%M} must be after opening time {start:%H:%M}")


def _aware(at: datetime) -> datetime:
    if at.utcoffset() is None:
        raise ValueError("a timezone-aware datetime is required (UTC in practice)")
    return at


def _runs_of_equal_windows(hours: dict[str, OpeningWindow | None]) -> list[tuple[str, str, OpeningWindow]]:
    """Consecutive open days with the same window, in week order: Mon-Fri 08:00-20:00 is one run."""
    runs: list[tuple[str, str, OpeningWindow]] = []
    for day in WEEKDAYS:
        window = hours.get(day)
        if window is None:
            continue
        previous_day = WEEKDAYS[WEEKDAYS.index(day) - 1]
        if runs and runs[-1][1] == previous_day and runs[-1][2] == window:
            runs[-1] = (runs[-1][0], day, window)
        else:
            runs.append((day, day, window))
    return runs


def _day_range(first: str, last: str) -> str:
    return first.title() if first == last else f"{first.title()}-{last.title()}"
