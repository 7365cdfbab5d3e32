"""The commands people issue about leads, over /api/v1 against the real services: do-not-contact
set once however often it is sent, audited in identity with who did it, reaching escalation
(a callback for the lead is refused, and dropped there too) and blocking a reply; a callback
becomes an escalation with its due time; follow-ups for chosen leads scheduled once per
request and refused for the marked lead; a scheduled message listed; bad input a clear 4xx.

In the browser (headless Chromium), a person marks a lead do-not-contact from its page (the
audit log names them), sends follow-ups to the leads ticked on the list (the ticks survive
the list updating itself) and is told how many were scheduled and refused, schedules a
callback (it shows in the escalation queue with its time) and a message, in the client's own
zone; a time that is not one is a 422 page naming the field. axe-core and the CSP on every
page (browsing.py). Screenshots: .revgen/screenshots/<test>/."""
import uuid
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import text

from browsing import accessible, watch_csp
from browsing import log_in as log_in_browser
from gateway_testing import bearer, log_in, new_number, text_in, with_profile
from revgen_testing.running import eventually


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


ZONE = ZoneInfo("America/New_York")  # the client's (with_profile keeps the default)


async def row_shown(page, url: str, row: str) -> None:
    """`url` shows a row named `row` (it comes from another service's events: look again until it does)."""
    async def shown():
        await page.goto(url)
        return await page.get_by_role("row", name=row).count()
    await eventually(shown, timeout=30, interval=0.3)


async def test_a_person_marks_a_lead_do_not_contact_sends_follow_ups_to_chosen_leads_and_schedules_a_callback(
        page, system, world):
    refused = watch_csp(page)
    a = world.a["id"]
    number, phones = await with_profile(system, world), [new_number() for _ in range(3)]
    for phone in phones:
        await text_in(system, number, phone, "Hi, do you service boilers?")
    await log_in_browser(page, system, world.phones["a_owner"])
    await page.goto(f"{system.url}/clients/{a}/leads")
    for phone in phones:
        await page.get_by_role("link", name=phone).wait_for(timeout=30_000)

    await page.get_by_role("link", name=phones[0]).click()
    await page.get_by_role("heading", name=phones[0]).wait_for()
    page.on("dialog", lambda dialog: dialog.accept())  # "Stop every text, call-back and follow-up to …?"
    async with page.expect_navigation():
        await page.get_by_role("button", name="Mark do not contact").click()
    await page.get_by_text("Do not contact", exact=True).wait_for()
    assert await page.get_by_role("button", name="Allow contact again").is_visible()
    assert not await page.get_by_role("button", name="Schedule callback").is_visible()
    await accessible(page)
    await page.shot("1-lead-marked-do-not-contact")

    await page.goto(f"{system.url}/clients/{a}/leads")
    await page.locator('[data-live][data-live-state="open"]').wait_for(timeout=15_000)
    for phone in phones:
        await page.get_by_label(f"Choose {phone}").check()
    later = new_number()  # a lead texting while the list is open: the list is drawn again, the ticks stay
    await text_in(system, number, later, "Me too!")
    await page.get_by_role("link", name=later).wait_for(timeout=30_000)
    for phone in phones:
        assert await page.get_by_label(f"Choose {phone}").is_checked()
    assert not await page.get_by_label(f"Choose {later}").is_checked()
    await page.get_by_label("Text ({name} and {business} are filled in)").fill("Hi {name}, it's {business}: still keen?")
    await accessible(page)
    await page.shot("2-leads-chosen")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Send follow-ups").click()
    result = page.get_by_role("status")
    assert "2 follow-ups scheduled" in " ".join((await result.inner_text()).split())
    assert "1 refused" in " ".join((await result.inner_text()).split())
    await accessible(page)
    await page.shot("3-follow-ups-scheduled-and-refused")

    await page.goto(f"{system.url}/clients/{a}/leads")
    await page.get_by_role("link", name=phones[1]).click()
    tomorrow = (system.clock() + timedelta(days=1)).astimezone(ZONE).replace(hour=10, minute=0)
    await page.get_by_label("Call them at (America/New_York)").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    await page.get_by_label("Note for the team").fill("wants a boiler quote")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Schedule callback").click()
    assert await page.get_by_role("status").filter(has_text="Callback scheduled").is_visible()
    await page.get_by_label("Text", exact=True).fill("Reminder: we come by tomorrow at 10.")
    await page.get_by_label("Send at (America/New_York)").fill(tomorrow.strftime("%Y-%m-%dT%H:%M"))
    async with page.expect_navigation():
        await page.get_by_role("button", name="Schedule message").click()
    scheduled = page.locator("section", has=page.get_by_role("heading", name="Scheduled"))
    await scheduled.get_by_text("Reminder: we come by tomorrow at 10.").wait_for()
    await accessible(page)
    await page.shot("4-callback-and-message-scheduled")

    await row_shown(page, f"{system.url}/clients/{a}/escalations", "call back: wants a boiler quote")
    due = page.get_by_role("row", name="call back: wants a boiler quote").locator("time").first
    assert (await due.get_attribute("datetime"))[:16] == tomorrow.astimezone(UTC).strftime("%Y-%m-%dT%H:%M")
    await accessible(page)
    await page.shot("5-callback-in-the-queue")

    await row_shown(page, f"{system.url}/clients/{a}/audit", "Olive Owner mark do-not-contact lead")
    await accessible(page)
    await page.shot("6-audit-log")

    cookie = next(c for c in await page.context.cookies() if c["name"] == "revgen_session")["value"]
    wrong = await system.api.post(f"/clients/{a}/leads/00000000-0000-4000-8000-000000000000/callback",
                                  headers=system.as_cookie(cookie), data={
                                      "csrf_token": system.csrf(cookie), "callback_id": "x", "due": "tomorrow"})
    assert wrong.status_code == 422 and "due" in wrong.text and "2026-12-07T15:30" in wrong.text
    assert refused == []
