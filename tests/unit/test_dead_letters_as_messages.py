"""A record of revgen.dead-letters is read as the MessageDeadLettered it stands for: its
value is the original message as it was (so it can be re-driven), and what it is comes from
its `dlq.*` headers, with the id the dead-lettering consumer gave it."""
from aiokafka import ConsumerRecord

from revgen_common.consumer.received import decode
from revgen_common.contracts.commands import SendMessage
from revgen_common.contracts.dead_letters import MessageDeadLettered
from revgen_common.dead_letters import dead_letter_envelope, dead_letter_headers, poison_id
from revgen_common.envelope import Envelope
from revgen_common.errors import PermanentError, UndecodableMessage
from revgen_common.topics import DEAD_LETTERS


def record(topic: str, value: bytes, headers: dict[str, str] | None = None, offset: int = 3) -> ConsumerRecord:
    return ConsumerRecord(topic, 0, offset, 1_796_000_000_000, 0, b"k", value, None, 1, len(value),
                          [(k, v.encode()) for k, v in (headers or {}).items()])


def dead_letter_of(original: ConsumerRecord, consumer: str = "messaging") -> ConsumerRecord:
    headers = dead_letter_headers(consumer, original, PermanentError("not a phone number"))
    return record(DEAD_LETTERS.name, original.value, headers, offset=41)


def test_a_dead_letter_is_read_with_where_it_came_from_why_and_the_id_its_consumer_gave_it():
    original = Envelope.of(SendMessage(to="ada@agency.example", body="hi", purpose="alert"), "identity")
    failed = record("messaging.commands", original.to_bytes())
    read = decode(dead_letter_of(failed))
    assert read.error is None and read.envelope is not None
    assert read.event_id == dead_letter_envelope("messaging", original.event_id, original).event_id
    letter = read.envelope.contract()
    assert isinstance(letter, MessageDeadLettered)
    assert (letter.consumer, letter.original_topic, letter.original_offset, letter.original_type,
            letter.original_event_id, letter.error_class) == \
        ("messaging", "messaging.commands", 3, "SendMessage", str(original.event_id), "PermanentError")


def test_a_dead_letter_of_unreadable_bytes_takes_its_id_from_where_the_bytes_were():
    failed = record("webhooks.forms", b"\xff not an envelope", offset=9)
    read = decode(dead_letter_of(failed, "messaging"))
    assert read.envelope is not None and read.envelope.contract().original_type is None
    assert read.event_id == dead_letter_envelope("messaging", poison_id("webhooks.forms", 0, 9), None).event_id


def test_a_record_on_the_dead_letter_topic_without_our_headers_is_an_undecodable_message():
    read = decode(record(DEAD_LETTERS.name, b"{}"))
    assert isinstance(read.error, UndecodableMessage) and read.event_id == poison_id(DEAD_LETTERS.name, 0, 3)
