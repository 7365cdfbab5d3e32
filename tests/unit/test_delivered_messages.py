"""A handler is given its message as the contract the consumer validated, once, with the
envelope it came in; a message the consumer does not handle is not validated at all."""
import pytest
from aiokafka import ConsumerRecord
from pydantic import ValidationError

from revgen_common.consumer import Delivered
from revgen_common.consumer.received import checked, decode, delivered
from revgen_common.contracts.commands import SendMessage
from revgen_common.contracts.dead_letters import MessageDeadLettered
from revgen_common.dead_letters import dead_letter_headers
from revgen_common.envelope import Envelope
from revgen_common.errors import InvalidPayload, PermanentError
from revgen_common.topics import DEAD_LETTERS

HANDLED = {"SendMessage": object(), "MessageDeadLettered": object()}


def record(value: bytes, topic: str = "messaging.commands", headers: dict[str, str] | None = None) -> ConsumerRecord:
    return ConsumerRecord(topic, 0, 7, 1_796_000_000_000, 0, b"k", value, None, 1, len(value),
                          [(k, v.encode()) for k, v in (headers or {}).items()])


def send(**payload: object) -> Envelope:
    return Envelope(type="SendMessage", producer="identity", key="ada@agency.example", payload=payload)


def test_a_handled_message_is_delivered_as_the_contract_it_was_checked_against_and_its_envelope():
    envelope = send(to="ada@agency.example", body="hi", purpose="alert")
    item = checked(decode(record(envelope.to_bytes())), HANDLED)

    given = delivered(item)
    assert given.body is item.body  # the contract checked produced: not validated a second time
    assert isinstance(given.body, SendMessage) and (given.body.to, given.body.body) == ("ada@agency.example", "hi")
    assert given.envelope == envelope
    assert (given.event_id, given.occurred_at) == (envelope.event_id, envelope.occurred_at)


def test_a_message_that_breaks_its_contract_is_refused_before_any_handler_and_delivers_nothing():
    item = checked(decode(record(send(to="ada@agency.example").to_bytes())), HANDLED)
    assert isinstance(item.error, InvalidPayload) and "SendMessage payload breaks its contract" in str(item.error)
    assert item.body is None


def test_a_message_the_consumer_does_not_handle_is_neither_validated_nor_refused():
    item = checked(decode(record(send(to="ada@agency.example").to_bytes())), {"MessageDeadLettered": object()})
    assert item.error is None and item.body is None and item.envelope is not None


def test_a_dead_letter_is_delivered_as_the_message_dead_lettered_it_stands_for():
    original = record(send(to="ada@agency.example", body="hi", purpose="alert").to_bytes())
    letter = record(original.value, DEAD_LETTERS.name, dead_letter_headers("messaging", original, PermanentError("no")))
    given = delivered(checked(decode(letter), HANDLED))
    assert isinstance(given.body, MessageDeadLettered)
    assert (given.body.consumer, given.body.original_type, given.body.error_class) == \
        ("messaging", "SendMessage", "PermanentError")


def test_a_test_builds_what_a_handler_is_given_from_an_envelope_and_an_invalid_one_is_refused():
    envelope = send(to="ada@agency.example", body="hi", purpose="alert")
    assert Delivered.of(envelope) == Delivered(SendMessage(to="ada@agency.example", body="hi", purpose="alert"), envelope)
    with pytest.raises(ValidationError):
        Delivered.of(send(body="hi"))
