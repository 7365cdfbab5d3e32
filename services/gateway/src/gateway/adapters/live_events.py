"""What open pages need to hear of, read from Kafka (adapters/following.py): messaging.events
(a lead's SMS recorded, a send out, blocked or delivered, a lead opting out) and
escalation.events (created, claimed, released, resolved …), each published to the pages
open on its client (service_layer/live.py). Pages then fetch what changed through the
gateway, authorized as any request: an event carries no data to a browser."""
from __future__ import annotations

from gateway.adapters.following import FollowFromEnd
from gateway.service_layer.live import Change, Hub
from revgen_common.envelope import Envelope
from revgen_common.topics import ESCALATION_EVENTS, MESSAGING_EVENTS


class LiveFeed(FollowFromEnd):
    def __init__(self, bootstrap_servers: str, hub: Hub, stale_after: float = 2.0):
        super().__init__(bootstrap_servers, [MESSAGING_EVENTS.name, ESCALATION_EVENTS.name], stale_after)
        self.hub = hub

    def apply(self, value: bytes) -> None:
        try:
            event = Envelope.from_bytes(value)
        except Exception:
            return  # nothing a page can be told about
        payload = event.payload if isinstance(event.payload, dict) else {}
        client_id = payload.get("client_id") or event.client_id
        if not client_id:
            return
        phone = payload.get("lead_phone") or payload.get("to")
        self.hub.publish(Change(event.type, str(client_id), str(phone) if phone else None))
