"""Start-up refusal, keywords, quiet hours and phone numbers."""
import os
import subprocess
import sys
from datetime import UTC, datetime, time

import pytest

from messaging.domain.compliance import Facts, decide, quiet_until
from messaging.domain.keywords import Keyword, asks_for_a_person, keyword_of
from messaging.domain.phones import timezone_of
from revgen_common.phones import InvalidPhone, normalize
from revgen_common.settings import EXIT_BAD_SETTINGS


def test_messaging_refuses_to_start_naming_every_missing_or_placeholder_setting():
    names = ("MESSAGING_DATABASE_URL", "TWILIO_ACCOUNT_SID", "TWILIO_AUTH_TOKEN", "STATUS_CALLBACK_URL",
             "PLATFORM_NUMBER", "OPENAI_API_KEY", "MESSAGING_API_TOKEN", "RESEND_API_KEY", "EMAIL_FROM")
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9", TWILIO_AUTH_TOKEN="changeme", OPENAI_API_KEY="", RESEND_API_KEY="")
    result = subprocess.run([sys.executable, "-m", "messaging.main"], env=env, capture_output=True, text=True, timeout=60)
    assert result.returncode == EXIT_BAD_SETTINGS
    for name in names:
        assert name in result.stderr


@pytest.mark.parametrize(("body", "keyword"), [
    ("STOP", Keyword.OPT_OUT), (" stop. ", Keyword.OPT_OUT), ("Unsubscribe", Keyword.OPT_OUT), ("QUIT", Keyword.OPT_OUT),
    ("START", Keyword.OPT_IN), ("unstop", Keyword.OPT_IN), ("HELP", Keyword.HELP),
    ("please stop by tomorrow", None), ("stopped leaking, thanks", None),
])
def test_only_a_message_that_is_exactly_a_carrier_keyword_counts(body, keyword):
    assert keyword_of(body) is keyword


def test_asking_for_a_person_is_recognised():
    assert asks_for_a_person("can I talk to someone?") and not asks_for_a_person("what time do you open")


def facts(purpose="win_back", **extra):
    return Facts(**{"purpose": purpose, "opted_out": False, "do_not_contact": False, "timezone": "America/New_York",
                    "quiet_start": time(21, 0), "quiet_end": time(8, 0), **extra})


def test_quiet_hours_span_midnight_in_the_leads_timezone_and_defer_until_they_end():
    late = datetime(2026, 11, 29, 4, 30, tzinfo=UTC)  # 23:30 in New York
    decision = decide(facts(), late)
    assert not decision.allowed and decision.defer_until == datetime(2026, 11, 29, 13, 0, tzinfo=UTC)
    assert decide(facts(), datetime(2026, 11, 29, 15, 0, tzinfo=UTC)).allowed
    assert decide(facts("reply"), late).allowed  # an answer to the lead is not business-initiated
    assert quiet_until(late, "America/Los_Angeles", time(21, 0), time(8, 0)) is None  # 20:30 there


@pytest.mark.parametrize(("night", "local_end", "utc_end"), [
    # The night the clocks go forward: 08:00 is EDT, an hour less after it than before.
    (datetime(2027, 3, 14, 6, 30, tzinfo=UTC), "2027-03-14 08:00 EDT", datetime(2027, 3, 14, 12, 0, tzinfo=UTC)),
    # The night they go back: 08:00 is EST again.
    (datetime(2027, 11, 7, 5, 30, tzinfo=UTC), "2027-11-07 08:00 EST", datetime(2027, 11, 7, 13, 0, tzinfo=UTC)),
    # 23:00 the evening before each change.
    (datetime(2027, 3, 14, 4, 0, tzinfo=UTC), "2027-03-14 08:00 EDT", datetime(2027, 3, 14, 12, 0, tzinfo=UTC)),
    (datetime(2027, 11, 7, 3, 0, tzinfo=UTC), "2027-11-07 08:00 EST", datetime(2027, 11, 7, 13, 0, tzinfo=UTC)),
])
def test_quiet_hours_end_at_the_local_wall_clock_time_on_the_nights_daylight_saving_changes(night, local_end, utc_end):
    until = quiet_until(night, "America/New_York", time(21, 0), time(8, 0))
    assert until == utc_end, f"expected {local_end}"


def test_an_opted_out_number_gets_only_the_opt_out_confirmation():
    noon = datetime(2026, 11, 28, 17, 0, tzinfo=UTC)
    assert decide(facts("otp", opted_out=True), noon).blocked_reason == "opted_out"
    assert decide(facts("compliance", opted_out=True), noon).allowed


def test_a_suspended_clients_automations_are_blocked_while_replies_and_the_owners_notice_go_even_at_night():
    night = datetime(2026, 11, 29, 4, 30, tzinfo=UTC)  # 23:30 in New York
    for automated in ("speed_to_lead", "reminder", "follow_up", "win_back", "no_show"):
        assert decide(facts(automated, suspended=True), night).blocked_reason == "service_suspended"
    assert decide(facts("reply", suspended=True), night).allowed  # keyword confirmations; the AI's are never drafted
    assert decide(facts("account_notice", suspended=True), night).allowed


def test_alerts_to_the_business_go_at_night_while_what_it_sends_leads_by_itself_waits_for_morning():
    night = datetime(2026, 11, 29, 7, 30, tzinfo=UTC)  # 02:30 in New York
    for to_the_business in ("alert", "escalation_alert", "account_notice"):  # a dispute cannot wait for 08:00
        assert decide(facts(to_the_business), night).allowed, to_the_business
    assert decide(facts("reminder"), night).defer_until == datetime(2026, 11, 29, 13, 0, tzinfo=UTC)


def test_phone_numbers_are_stored_in_e164_and_nonsense_is_refused():
    assert normalize("(212) 555-0147") == "+12125550147"
    assert timezone_of("+12125550147", "UTC") == "America/New_York"
    with pytest.raises(InvalidPhone):
        normalize("not a number")
