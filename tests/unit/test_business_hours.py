from datetime import UTC, date, datetime, time
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from core.business_hours import BusinessCalendar

LONDON = BusinessCalendar()  # Mon-Fri 08:00-20:00, Sat 09:00-17:00, Sun closed


def utc(*args: int) -> datetime:
    return datetime(*args, tzinfo=UTC)


# Wednesday 14 January 2026 is in winter (GMT), so local time equals UTC.
@pytest.mark.parametrize(
    ("at", "open_"),
    [
        (utc(2026, 1, 14, 7, 59, 59), False),
        (utc(2026, 1, 14, 8, 0), True),
        (utc(2026, 1, 14, 19, 59, 59), True),
        (utc(2026, 1, 14, 20, 0), False),
        (utc(2026, 1, 17, 8, 59), False),  # Saturday opens later
        (utc(2026, 1, 17, 9, 0), True),
        (utc(2026, 1, 17, 17, 0), False),
        (utc(2026, 1, 18, 12, 0), False),  # Sunday
    ],
)
def test_a_window_opens_at_its_start_and_closes_at_its_end(at, open_):
    assert LONDON.is_open(at) is open_


def test_summer_time_moves_opening_an_hour_earlier_in_utc():
    # Clocks go forward on Sunday 29 March 2026: Friday opens 08:00 GMT, Monday 08:00 BST = 07:00 UTC.
    assert not LONDON.is_open(utc(2026, 3, 27, 7, 30))
    assert LONDON.is_open(utc(2026, 3, 30, 7, 0))
    assert not LONDON.is_open(utc(2026, 3, 30, 6, 59))
    assert not LONDON.is_open(utc(2026, 3, 30, 19, 0))  # 20:00 BST


def test_next_opening_across_the_spring_clock_change_weekend():
    after_saturday_close = utc(2026, 3, 28, 17, 0)  # 17:00 GMT
    assert LONDON.next_opening(after_saturday_close) == utc(2026, 3, 30, 7, 0)


def test_next_opening_across_the_autumn_clock_change_weekend():
    # Clocks go back on Sunday 25 October 2026: Saturday opens 09:00 BST, Monday 08:00 GMT.
    assert LONDON.next_opening(utc(2026, 10, 24, 7, 0)) == utc(2026, 10, 24, 8, 0)
    assert LONDON.next_opening(utc(2026, 10, 24, 16, 0)) == utc(2026, 10, 26, 8, 0)


def test_next_opening_is_the_moment_itself_when_open():
    at = utc(2026, 1, 14, 12, 34, 56)
    assert LONDON.next_opening(at) is at


def test_next_opening_later_the_same_day_and_over_a_weekend():
    assert LONDON.next_opening(utc(2026, 1, 14, 6, 0)) == utc(2026, 1, 14, 8, 0)
    assert LONDON.next_opening(utc(2026, 1, 17, 17, 0)) == utc(2026, 1, 19, 8, 0)


def test_next_opening_skips_holidays():
    christmas = BusinessCalendar(holidays=[date(2026, 12, 25), date(2026, 12, 26), date(2026, 12, 28)])
    assert not christmas.is_open(utc(2026, 12, 25, 12, 0))
    assert christmas.next_opening(utc(2026, 12, 24, 20, 0)) == utc(2026, 12, 29, 8, 0)


def test_next_opening_keeps_the_callers_time_zone():
    hong_kong = ZoneInfo("Asia/Hong_Kong")
    at = datetime(2026, 1, 18, 9, 0, tzinfo=hong_kong)  # Sunday 01:00 in London
    opening = LONDON.next_opening(at)
    assert opening.tzinfo is hong_kong
    assert opening == utc(2026, 1, 19, 8, 0)


def test_an_opening_time_inside_a_clock_change_gap_still_gives_an_open_moment():
    # Havana springs forward from 00:00 to 01:00 on Sunday 8 March 2026, so 00:30 never happens that night.
    havana = BusinessCalendar(timezone="America/Havana", hours={"sun": ["00:30", "02:00"]})
    at = utc(2026, 3, 8, 4, 0)  # Saturday 23:00 local
    opening = havana.next_opening(at)
    assert at < opening <= utc(2026, 3, 8, 5, 30)
    assert havana.is_open(opening)


def test_a_calendar_with_no_opening_in_thirty_days_raises():
    closed = BusinessCalendar(hours={})
    with pytest.raises(ValueError, match="30 days"):
        closed.next_opening(utc(2026, 1, 14, 12, 0))
    assert closed.describe_hours() == "Closed"


def test_naive_datetimes_are_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        LONDON.is_open(datetime(2026, 1, 14, 12, 0))


def test_loads_from_a_yaml_style_dict_and_leaves_unlisted_days_closed():
    calendar = BusinessCalendar.model_validate(
        {"timezone": "Europe/London", "hours": {"Mon": ["08:00", "20:00"], "sun": None}, "holidays": ["2026-12-25"]}
    )
    assert calendar.hours["mon"] == (time(8), time(20))
    assert calendar.hours["tue"] is None
    assert calendar.holidays == [date(2026, 12, 25)]
    assert calendar.is_open(utc(2026, 1, 12, 9, 0))
    assert not calendar.is_open(utc(2026, 1, 13, 9, 0))


def _validation_error(config: dict[str, object]) -> str:
    with pytest.raises(ValidationError) as error:
        BusinessCalendar.model_validate(config)
    return str(error.value)


def test_an_unknown_time_zone_is_named_in_the_error():
    message = _validation_error({"timezone": "Europe/Londn"})
    assert "timezone" in message
    assert "unknown time zone 'Europe/Londn'" in message


def test_a_window_that_closes_before_it_opens_is_named_in_the_error():
    message = _validation_error({"hours": {"tue": ["20:00", "08:00"]}})
    assert "hours" in message
    assert "tue: closing time 08:00 must be after opening time 20:00" in message


def test_a_window_ending_at_midnight_is_refused():
    assert "closing time 00:00" in _validation_error({"hours": {"fri": ["18:00", "00:00"]}})


def test_unknown_weekdays_and_fields_are_refused():
    assert "unknown weekday monday" in _validation_error({"hours": {"monday": ["08:00", "20:00"]}})
    assert "holiday" in _validation_error({"holiday": ["2026-12-25"]})
    assert "hours.wed" in _validation_error({"hours": {"wed": ["8am", "5pm"]}})


def test_describe_hours_groups_consecutive_days_with_the_same_window():
    assert LONDON.describe_hours() == "Mon-Fri 08:00-20:00, Sat 09:00-17:00 (UK time)"
    split_week = BusinessCalendar(
        timezone="America/New_York", hours={"mon": ["09:00", "17:00"], "wed": ["09:00", "17:00"]}
    )
    assert split_week.describe_hours() == "Mon 09:00-17:00, Wed 09:00-17:00 (New York time)"


in_2026_to_2028 = st.datetimes(
    min_value=datetime(2026, 1, 1), max_value=datetime(2028, 12, 31, 23, 59, 59), timezones=st.just(UTC)
)
WITH_HOLIDAYS = BusinessCalendar(holidays=[date(2026, 12, 25), date(2027, 4, 2), date(2027, 12, 27)])


@given(in_2026_to_2028)
def test_next_opening_is_never_earlier_and_always_open(at):
    for calendar in (LONDON, WITH_HOLIDAYS):
        opening = calendar.next_opening(at)
        assert opening >= at
        assert calendar.is_open(opening)
