"""The test runtime's own message types: registered contracts like the services' ones, so
the consumers under test route and validate them the same way. Tests publish them as
envelopes on topics of their own; the topic named here only satisfies the declaration."""
from __future__ import annotations

from revgen_common.contracts import Event
from revgen_common.topics import TopicSpec

TEST_TOPIC = TopicSpec("test.effects", key="the test's own key")


class _TestEvent(Event, abstract=True, topic=TEST_TOPIC):
    def key(self) -> str:
        return "test"


class EffectRequested(_TestEvent):
    seq: int


class EffectRecorded(_TestEvent):
    seq: int


class RuleBroken(_TestEvent):
    """Its handler always refuses it: a permanent error."""


class WebhookReceived(_TestEvent):
    pass


class Forwarded(_TestEvent):
    pass
