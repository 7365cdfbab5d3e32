"""What a person does about leads in the browser (headless Chromium against the real services):
marks a lead do-not-contact from its page (and the audit log names them), sends follow-ups to
the leads ticked on the list (the ticks survive the list updating itself) and is told how
many were scheduled and refused, schedules a callback (it shows in the escalation queue with
its time) and a message, in the client's own zone; a time that is not one is a 422 page
naming the field. axe-core and the CSP on every
page (browsing.py). Screenshots: .revgen/screenshots/<test>/."""
from datetime import UTC, timedelta
from zoneinfo import ZoneInfo

from browsing import accessible, log_in, watch_csp
from gateway_testing import new_number, text_in, with_profile
from tests.support.running import eventually

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
    await log_in(page, system, world.phones["a_owner"])
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
