"""A lead marked do-not-contact in messaging is audited here, in the client's audit log: who,
when, before and after; the event delivered twice is one row (the consumer's inbox)."""
import uuid
from datetime import UTC, datetime

from identity_testing import log_in
from revgen_common.contracts.messaging import LeadDoNotContactChanged
from revgen_common.envelope import Envelope
from revgen_testing.kafka_io import group_caught_up, publish
from revgen_testing.running import eventually


async def test_a_do_not_contact_mark_is_audited_once_with_who_and_when_even_delivered_twice(
        api, tenants, identity_engine, infra):
    agency, owner = await tenants.create_agency("Agency D", "+14155550300", "Dana Owner")
    client = await tenants.create_client(owner, agency, "Delta Drains")
    lead, at = str(uuid.uuid4()), datetime(2026, 11, 28, 15, 0, tzinfo=UTC)
    change = LeadDoNotContactChanged(client_id=client["id"], lead_id=lead, lead_phone="+12125550199",
                                     do_not_contact=True, changed_by=str(owner), changed_at=at)
    envelope = Envelope(type="LeadDoNotContactChanged", producer="messaging", key=change.key(),
                        client_id=client["id"], payload=change.model_dump(mode="json"))
    await publish(infra.bootstrap_servers, "messaging.events", [envelope, envelope])  # a redelivery
    session = await log_in(api, identity_engine, "+14155550300")

    async def audited():
        entries = (await api.get(f"/clients/{client['id']}/audit", headers=session)).json()["data"]
        marks = [e for e in entries if e["entity"] == "lead"]
        return marks or None
    await eventually(audited, timeout=30, interval=0.1)
    await eventually(lambda: group_caught_up(infra.bootstrap_servers, "identity", "messaging.events"), timeout=30,
                     interval=0.1)  # both copies consumed
    marks = await audited()
    assert [(m["action"], m["entity_id"], m["actor_name"], m["before"], m["after"]) for m in marks] == [
        ("mark do-not-contact", f"{client['id']}/{lead}", "Dana Owner", {"do_not_contact": False},
         {"do_not_contact": True, "lead": "+12125550199"})]
    assert datetime.fromisoformat(marks[0]["at"]) == at
