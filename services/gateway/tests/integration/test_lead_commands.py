"""The commands people issue about leads, over /api/v1 against the real services: do-not-contact
set once however often it is sent, audited in identity with who did it, reaching escalation
(a callback for the lead is refused, and dropped there too) and blocking a reply; a callback
becomes an escalation with its due time; follow-ups for chosen leads scheduled once per
request and refused for the marked lead; a scheduled message listed; bad input a clear 4xx."""
import uuid
from datetime import timedelta

from sqlalchemy import text

from gateway_testing import bearer, log_in, new_number, text_in, with_profile
from tests.support.running import eventually


async def leads_of(system, client_id: str, headers: dict, count: int) -> dict[str, str]:
    """Phone -> lead id, once messaging has `count` leads for the client."""
    async def listed():
        page = (await system.api.get(f"/api/v1/clients/{client_id}/leads", headers=headers)).json()
        return {lead["phone"]: lead["id"] for lead in page["data"]} if len(page["data"]) >= count else None
    return await eventually(listed, timeout=30, interval=0.1)


async def a_lead(system, world, who: str, says: str) -> tuple[str, str, dict]:
    """A new lead texting client A: (its phone, its id, `who`'s API headers)."""
    number, phone = await with_profile(system, world), new_number()
    await text_in(system, number, phone, says)
    headers = bearer(await log_in(system, world.phones[who]))
    return phone, (await leads_of(system, world.a["id"], headers, 1))[phone], headers


async def test_do_not_contact_is_set_once_audited_with_who_honoured_by_replies_and_callbacks_and_reaches_escalation(
        system, world):
    a = world.a["id"]
    phone, lead, admin = await a_lead(system, world, "a_admin", "Hi, can you quote a new boiler?")
    base = f"/api/v1/clients/{a}/leads/{lead}"

    answers = [await system.api.put(f"{base}/do-not-contact", json={"do_not_contact": True}, headers=admin)
               for _ in range(2)]
    assert [(r.status_code, r.json()["changed"]) for r in answers] == [(200, True), (200, False)]
    assert (await system.api.get(base, headers=admin)).json()["do_not_contact"] is True
    refused = await system.api.post(f"{base}/callbacks", headers=admin, json={
        "callback_id": "cb-1", "due_at": (system.clock() + timedelta(days=1)).isoformat()})
    assert refused.status_code == 409 and "do-not-contact" in refused.json()["error"]
    reply = await system.api.post(f"{base}/replies", json={"reply_id": "r-1", "body": "Still there?"}, headers=admin)
    assert reply.status_code == 202

    owner = bearer(await log_in(system, world.phones["a_owner"]))

    async def audited():
        entries = (await system.api.get(f"/api/v1/clients/{a}/audit", headers=owner)).json()["data"]
        return [e for e in entries if e["entity"] == "lead"] or None
    marks = await eventually(audited, timeout=30, interval=0.2)
    assert [(m["action"], m["actor_name"], m["after"]["do_not_contact"]) for m in marks] == [
        ("mark do-not-contact", "Adam Admin", True)]

    async def in_escalation():
        async with system.engines["escalation"].connect() as db:
            return await db.scalar(text("SELECT do_not_contact FROM do_not_contact_leads WHERE lead_phone = :p"),
                                   {"p": phone})
    assert await eventually(in_escalation, timeout=30, interval=0.1) is True

    async def reply_blocked():
        async with system.engines["messaging"].connect() as db:
            return await db.scalar(text("SELECT blocked_reason FROM sends WHERE source_key LIKE '%r-1'"))
    assert await eventually(reply_blocked, timeout=30, interval=0.1) == "do_not_contact"
    assert "Still there?" not in [m.body for m in system.twilio.sent_to(phone)]

    cleared = await system.api.put(f"{base}/do-not-contact", json={"do_not_contact": False}, headers=admin)
    assert cleared.json() == {"lead_id": lead, "do_not_contact": False, "changed": True}


async def test_a_callback_becomes_an_escalation_due_when_asked_once_however_often_it_is_sent(system, world):
    a = world.a["id"]
    phone, lead, member = await a_lead(system, world, "a_member", "Could someone call me tomorrow?")
    due = (system.clock() + timedelta(days=1)).replace(microsecond=0)
    for _ in range(2):
        asked = await system.api.post(f"/api/v1/clients/{a}/leads/{lead}/callbacks", headers=member, json={
            "callback_id": "cb-tomorrow", "due_at": due.isoformat(), "note": "wants a quote"})
        assert asked.status_code == 202, asked.text

    async def callbacks():
        queue = (await system.api.get(f"/api/v1/clients/{a}/escalations", headers=member)).json()["data"]
        return [e for e in queue if e["lead_phone"] == phone and e["due_at"]] or None
    found = await eventually(callbacks, timeout=30, interval=0.2)
    assert [(e["reason"], e["due_at"][:19]) for e in found] == [("call back: wants a quote", due.isoformat()[:19])]


async def test_follow_ups_for_chosen_leads_count_what_was_scheduled_and_refused_and_repeat_nothing(system, world):
    a = world.a["id"]
    number = await with_profile(system, world)
    phones = [new_number() for _ in range(3)]
    for phone in phones:
        await text_in(system, number, phone, "Hello")
    admin = bearer(await log_in(system, world.phones["a_admin"]))
    leads = await leads_of(system, a, admin, 3)
    marked = leads[phones[0]]
    assert (await system.api.put(f"/api/v1/clients/{a}/leads/{marked}/do-not-contact", headers=admin,
                                 json={"do_not_contact": True})).status_code == 200
    body = {"request_id": f"fu-{uuid.uuid4().hex[:8]}", "template": "Hi {name}, it's {business}: still need help?",
            "lead_ids": [leads[p] for p in phones] + [str(uuid.uuid4())]}
    first = await system.api.post(f"/api/v1/clients/{a}/follow-ups", json=body, headers=admin)
    again = await system.api.post(f"/api/v1/clients/{a}/follow-ups", json=body, headers=admin)
    assert first.status_code == 200, first.text
    assert {k: first.json()[k] for k in ("scheduled", "already_scheduled", "refused", "unknown")} == {
        "scheduled": 2, "already_scheduled": 0, "refused": [marked], "unknown": 1}
    assert (again.json()["scheduled"], again.json()["already_scheduled"]) == (0, 2)


async def test_a_message_is_scheduled_once_and_listed_and_bad_input_is_a_4xx_that_names_it(system, world):
    a = world.a["id"]
    _, lead, admin = await a_lead(system, world, "a_admin", "Hi")
    base = f"/api/v1/clients/{a}/leads/{lead}"
    due = (system.clock() + timedelta(hours=3)).isoformat()
    for _ in range(2):
        assert (await system.api.post(f"{base}/scheduled-messages", headers=admin, json={
            "schedule_id": "s-1", "body": "See you at 9!", "due_at": due})).status_code == 202
    waiting = (await system.api.get(f"{base}/scheduled-messages", headers=admin)).json()["data"]
    assert [w["body"] for w in waiting] == ["See you at 9!"]

    bad = [(f"{base}/do-not-contact", "PUT", {"do_not_contact": "yes"}, 422, "do_not_contact"),
           (f"{base}/do-not-contact", "PUT", {"do_not_contact": 1}, 422, "do_not_contact"),
           (f"{base}/callbacks", "POST", {"callback_id": "c", "due_at": "2026-12-07T15:00:00"}, 422, "due_at"),
           (f"{base}/callbacks", "POST", {"callback_id": "c", "due_at": "2020-01-01T00:00:00Z"}, 422, "past"),
           (f"{base}/scheduled-messages", "POST", {"schedule_id": "s 2", "body": "x", "due_at": due}, 422, "schedule_id"),
           (f"/api/v1/clients/{a}/follow-ups", "POST", {"request_id": "f", "template": "Hi {nam}", "lead_ids": [lead]},
            422, "{nam}"),
           (f"/api/v1/clients/{a}/follow-ups", "POST", {"request_id": "f", "template": "Hi", "lead_ids": []}, 422,
            "lead_ids"),
           (f"/api/v1/clients/{a}/leads/{uuid.uuid4()}/do-not-contact", "PUT", {"do_not_contact": True}, 404, "lead")]
    for path, method, body, status, named in bad:
        answer = await system.api.request(method, path, json=body, headers=admin)
        assert (answer.status_code, named in answer.text) == (status, True), (path, body, answer.text)
