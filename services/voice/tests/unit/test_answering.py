"""How a call is answered: by the client's hours in its own zone, from the read model."""
from datetime import time

from revgen_common.testing.clock import FakeClock
from voice.domain.answering import BUSINESS_LINE, CallSetup, Line, lines_to_ring, route

HOURS = {str(day): [["09:00", "17:00"]] for day in range(5)}  # weekdays


def setup(business_phone: str | None = "+15557770000", hours=HOURS, timezone="America/Los_Angeles") -> CallSetup:
    return CallSetup(client_id="c1", timezone=timezone, hours=hours, business_phone=business_phone, greeting="Hi",
                     voice_id="v", mode="voicemail", ring_seconds=20, greeting_audio=None)


def test_the_business_line_rings_first_and_a_number_shared_with_a_member_rings_once():
    lines = lines_to_ring(setup(), [("p1", "+15551110001"), ("p2", "+15557770000"), ("p3", "+15551110003")])
    assert lines == [Line("+15557770000", BUSINESS_LINE), Line("+15551110001", "p1"), Line("+15551110003", "p3")]


def test_business_hours_are_read_in_the_clients_zone_not_utc(clock_start):
    clock = FakeClock(clock_start)
    lines = lines_to_ring(setup(), [])
    # 10:00 in Los Angeles on a Monday is 18:00 UTC: open there, though past five in UTC.
    while clock.local_date("America/Los_Angeles").weekday() != 0:
        clock.advance(days=1)
    assert route(setup(), lines, clock.at_local("America/Los_Angeles", time(10, 0))) == "ring"
    assert route(setup(), lines, clock.at_local("America/Los_Angeles", time(17, 0))) == "greeting"
    assert route(setup(), lines, clock.at_local("America/Los_Angeles", time(8, 59))) == "greeting"
    assert route(setup(), lines, clock.at_local("America/Los_Angeles", time(10, 0), days=5)) == "greeting"  # Saturday


def test_with_nobody_to_ring_the_caller_gets_the_greeting_even_in_business_hours(clock_start):
    clock = FakeClock(clock_start)
    assert route(setup(business_phone=None), [], clock.next_local("America/Los_Angeles", time(10, 0))) == "greeting"
