"""Who is on duty, by the client's hours in the client's zone."""
from datetime import UTC, datetime

from revgen_common.business_hours import on_duty

NEW_YORK = "America/New_York"
SATURDAY_LATE = datetime(2026, 11, 29, 4, 59, 59, tzinfo=UTC)  # Saturday 23:59:59 in New York


def test_an_opening_that_closes_at_00_00_runs_to_the_end_of_the_day():
    assert on_duty({"5": [["22:00", "00:00"]]}, NEW_YORK, SATURDAY_LATE)


def test_the_closing_minute_itself_is_closed_and_the_day_is_the_clients_own():
    hours = {"5": [["09:00", "23:59"]]}  # Saturday where the client is; Sunday already in UTC
    assert not on_duty(hours, NEW_YORK, SATURDAY_LATE)
    assert on_duty(hours, NEW_YORK, datetime(2026, 11, 29, 4, 58, 59, tzinfo=UTC))


def test_a_client_whose_hours_are_not_known_has_everyone_on_duty():
    assert on_duty(None, None, SATURDAY_LATE)
    assert on_duty({}, NEW_YORK, SATURDAY_LATE)
