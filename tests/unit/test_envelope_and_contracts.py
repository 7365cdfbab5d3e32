from datetime import datetime, timedelta, timezone

import pytest
from pydantic import ValidationError

from revgen_common import Envelope, event_id_from
from revgen_common.contracts import CONTRACTS, UnknownMessageType, json_schemas, parse_payload
from revgen_common.errors import Backoff, PermanentError, TransientError, classify
from revgen_common.settings import is_placeholder
from revgen_common.topics import ALL_TOPICS


def test_an_event_id_derived_from_a_provider_id_is_the_same_in_every_process():
    assert event_id_from("stripe", "evt_1") == event_id_from("stripe", "evt_1")
    assert event_id_from("stripe", "evt_1") != event_id_from("stripe", "evt_2")
    assert event_id_from("twilio-call", "CA1", "busy") != event_id_from("twilio-call", "CA1", "no-answer")


def test_a_provider_id_that_is_empty_cannot_derive_an_event_id():
    with pytest.raises(ValueError):
        event_id_from("stripe", "")


def test_an_envelope_round_trips_as_json_and_tolerates_unknown_fields():
    event = Envelope(type="ClientCreated", producer="identity", key="c1", payload={"client_id": "c1", "name": "A"})
    raw = event.to_bytes().replace(b'"version":1', b'"version":1,"added_later":true')
    assert Envelope.from_bytes(raw) == event


def test_occurred_at_is_kept_in_utc_and_a_naive_time_is_refused():
    local = datetime(2026, 1, 1, 12, tzinfo=timezone(timedelta(hours=-5)))
    event = Envelope(type="X", producer="p", key="k", occurred_at=local)
    assert event.occurred_at.utcoffset() == timedelta(0) and event.occurred_at.hour == 17
    with pytest.raises(ValidationError):
        Envelope(type="X", producer="p", key="k", occurred_at=datetime(2026, 1, 1))


def test_a_follow_up_message_carries_the_correlation_and_names_its_cause():
    cause = Envelope(type="A", producer="p", key="k", client_id="c")
    follow = cause.caused("B", "q", {"x": 1})
    assert (follow.correlation_id, follow.causation_id, follow.client_id) == (cause.event_id, cause.event_id, "c")


def test_every_contract_exports_a_json_schema_and_validates_payloads():
    schemas = json_schemas()
    assert set(schemas) == set(CONTRACTS) and all(s["type"] == "object" for s in schemas.values())
    with pytest.raises(ValidationError):
        parse_payload("SendMessage", {"client_id": "c", "to": "+15550001111", "body": "", "purpose": "otp"})
    with pytest.raises(UnknownMessageType):
        parse_payload("NoSuchThing", {})


def test_topics_are_declared_once_each():
    names = [t.name for t in ALL_TOPICS]
    assert len(names) == len(set(names))


def test_retry_after_is_a_floor_and_backoff_is_capped():
    backoff = Backoff(initial=0.1, maximum=2.0)
    assert all(backoff.delay(1, retry_after=5.0) >= 5.0 for _ in range(50))
    assert all(backoff.delay(30) <= 2.0 for _ in range(50))


def test_errors_are_classified_transient_or_permanent():
    assert classify(TransientError("429", retry_after=2)).retry_after == 2
    assert not classify(PermanentError("bad")).transient
    assert classify(ConnectionResetError()).transient and not classify(ConnectionResetError()).bounded
    assert classify(RuntimeError("bug")).bounded  # retried a few times, then dead-lettered


@pytest.mark.parametrize("value", ["changeme", "CHANGEME", "whsec_", "sk_test_", "<token>", "${SECRET}", "xxxx"])
def test_placeholders_are_recognised(value):
    assert is_placeholder(value)


@pytest.mark.parametrize("value", ["whsec_5f3a9c1e", "sk_live_51Habc", "127.0.0.1:9092"])
def test_real_values_are_not_placeholders(value):
    assert not is_placeholder(value)


def test_a_handler_reads_its_message_as_the_contract_it_expects_and_no_other():
    from revgen_common.contracts.reputation import PollReviews, PostReply

    message = Envelope.of(PollReviews(client_id="client-1", source="google"), producer="reputation")

    command = message.contract_as(PollReviews)
    assert (command.client_id, command.source) == ("client-1", "google")
    with pytest.raises(UnknownMessageType):
        message.contract_as(PostReply)
