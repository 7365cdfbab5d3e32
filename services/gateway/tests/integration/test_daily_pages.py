"""What people do every day, in a real headless Chromium against the gateway and the real
services (ingress, messaging, escalation, billing, identity), Kafka and PostgreSQL, with the
provider fakes: create a client and set its profile; watch a lead's texts arrive on an open
page, sent through ingress as Twilio signs them; claim an escalation from the page while a
teammate claims it by the texted link; subscribe a client and see the Stripe fake's
subscription; the operators' figures. Every page: axe-core and the CSP (browsing.py).
Screenshots: .revgen/screenshots/<test>/."""
import asyncio
import re
import uuid

from sqlalchemy import text

from browsing import accessible, log_in, watch_csp
from gateway_testing import new_number, text_in, with_profile
from revgen_devstack.browser import screenshot_dir
from revgen_testing.running import eventually


async def streaming(page) -> None:
    """The page's live stream is subscribed (its `ready` event arrived)."""
    await page.locator('[data-live][data-live-state="open"]').wait_for(timeout=15_000)


async def never_reloaded(page) -> bool:
    return await page.evaluate("window.__stayed === true")


async def test_an_agency_owner_creates_a_client_sets_its_profile_and_finds_it_by_searching(page, system, world):
    refused = watch_csp(page)
    await log_in(page, system, world.phones["x_owner"])
    await page.get_by_role("link", name="Clients").click()
    await page.get_by_role("heading", name="Clients").wait_for()
    await accessible(page)
    await page.shot("1-clients")
    name = f"Delta Drains {uuid.uuid4().hex[:4]}"
    await page.get_by_label("Name", exact=True).fill(name)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Create client").click()
    await page.get_by_role("heading", name=f"Profile of {name}").wait_for()
    assert await page.get_by_text("No number yet").is_visible()
    number = new_number()
    await page.get_by_label("Phone numbers leads text and call").fill(number)
    await page.get_by_label("Monday").fill("08:00-12:00, 13:00-18:00")
    await page.get_by_label("Time zone").fill("America/Chicago")
    await page.get_by_label("Tuesday").fill("8 to 6")  # not hours: refused, saying which day
    async with page.expect_navigation():
        await page.get_by_role("button", name="Save profile").click()
    assert await page.get_by_role("alert").filter(has_text="Tuesday").is_visible()
    await accessible(page)
    await page.shot("2-profile-refused")
    await page.get_by_label("Tuesday").fill("08:00-18:00")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Save profile").click()
    assert await page.get_by_role("status").filter(has_text="Saved").is_visible()
    assert await page.get_by_label("Monday").input_value() == "08:00-12:00, 13:00-18:00"
    assert await page.get_by_label("Phone numbers leads text and call").input_value() == number
    await accessible(page)
    await page.shot("3-profile-saved")
    async with system.engines["messaging"].connect() as db:  # messaging has it, as the form said
        assert await db.scalar(text("SELECT timezone FROM profiles p JOIN numbers n USING (client_id) "
                                    "WHERE n.number = :n"), {"n": number}) == "America/Chicago"
    await page.goto(f"{system.url}/clients?q={name.split()[-1].upper()}")
    assert await page.get_by_role("link", name=name).is_visible()
    assert not await page.get_by_role("link", name="Alpha Plumbing").is_visible()
    await page.shot("4-search")
    await page.get_by_role("link", name=name).click()
    await page.get_by_role("link", name="Audit log").click()
    assert await page.get_by_role("row", name=re.compile("Xavier Owner.*create client")).is_visible()
    await accessible(page)
    await page.shot("5-audit-log")
    await page.get_by_role("link", name="Delete").click()
    assert await page.get_by_text("subscriptions are cancelled").is_visible()
    await accessible(page)
    await page.shot("6-delete-confirmation")
    async with page.expect_navigation():
        await page.get_by_role("button", name=f"Delete {name}").click()
    assert await page.get_by_role("status").filter(has_text="deleted").is_visible()
    assert not await page.get_by_role("link", name=name).is_visible()
    assert refused == []


async def test_a_signed_inbound_sms_makes_the_lead_and_its_messages_appear_on_the_open_pages_without_a_reload(
        page, system, world):
    refused = watch_csp(page)
    number, lead = await with_profile(system, world), new_number()
    await log_in(page, system, world.phones["a_owner"])
    await page.goto(f"{system.url}/clients/{world.a['id']}/leads")
    await streaming(page)
    await page.evaluate("window.__stayed = true")  # gone if the page were loaded again
    await page.shot("1-no-leads")
    await text_in(system, number, lead, "Hi, do you fix leaking boilers?")
    await page.get_by_role("link", name=lead).wait_for(timeout=20_000)
    assert await never_reloaded(page)
    await accessible(page)
    await page.shot("2-lead-appeared")

    await page.get_by_role("link", name=lead).click()
    await page.get_by_role("heading", name=lead).wait_for()
    await streaming(page)
    await page.evaluate("window.__stayed = true")
    thread = page.locator("#thread")
    await thread.get_by_text("Hi, do you fix leaking boilers?", exact=True).wait_for()
    await thread.get_by_text("echo: Hi, do you fix leaking boilers?").wait_for(timeout=20_000)  # the assistant
    await text_in(system, number, lead, "Great, can you come tomorrow morning?")
    await thread.get_by_text("Great, can you come tomorrow morning?", exact=True).wait_for(timeout=20_000)
    # the answer to it, and its delivery state, told by Twilio's callbacks through ingress
    answer = thread.locator("li.message.out", has_text="echo: Great, can you come tomorrow morning?")
    await answer.locator(".delivery", has_text="delivered").wait_for(timeout=30_000)
    assert await never_reloaded(page)
    assert await page.get_by_text("may be texted").is_visible()
    await accessible(page)
    await page.shot("3-conversation-live")

    await page.get_by_label(f"Reply to {lead}").fill("We can be there at 9. Olive")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Send reply").click()
    mine = thread.locator("li.message.out", has_text="We can be there at 9. Olive")
    await mine.locator(".delivery", has_text="delivered").wait_for(timeout=30_000)
    assert [m.body for m in system.twilio.sent_to(lead)][-1] == "We can be there at 9. Olive"

    await page.evaluate("window.__stayed = true")
    await text_in(system, number, lead, "STOP")
    await page.get_by_text("Opted out").wait_for(timeout=20_000)
    assert await never_reloaded(page)
    await page.shot("4-opted-out")

    await page.get_by_role("link", name="Reports").click()
    today = page.get_by_role("row").nth(1)  # the first day is today, where the client is
    assert [await c.inner_text() for c in await today.get_by_role("cell").all()][1:3] == ["1", "1"]  # new, answered
    await accessible(page)
    await page.shot("5-report")
    first_day = await today.get_by_role("cell").first.inner_text()
    async with page.expect_navigation():
        await page.get_by_role("link", name="Older days").click()  # the report pages back, a week at a time
    week_before = [await r.get_by_role("cell").first.inner_text() for r in (await page.get_by_role("row").all())[1:]]
    assert week_before[0] < first_day and len(week_before) == 7 and week_before == sorted(week_before, reverse=True)
    assert await page.get_by_role("link", name="Newer days").is_visible()
    assert (await page.goto(f"{page.url.split('?')[0]}?before=0")).status == 422  # 0 is no date
    assert refused == []


async def test_a_claim_from_the_page_racing_a_claim_by_the_texted_link_gives_the_lead_to_one_person_and_both_see_who(
        page, browser, system, world, request):
    folder = screenshot_dir(request.node.name)
    number, lead = await with_profile(system, world), new_number()
    member_phone = world.phones["a_member"]
    known = len(system.twilio.sent_to(member_phone))
    await text_in(system, number, lead, "Can I talk to a real person please?")

    async def link_texted():
        bodies = [m.body for m in system.twilio.sent_to(member_phone)[known:]]
        return next((re.search(r"(http\S+/claim/\S+)", b).group(1) for b in bodies if "/claim/" in b), None)
    link = await eventually(link_texted, timeout=30, interval=0.2)

    admin = page
    refused = watch_csp(admin)
    await log_in(admin, system, world.phones["a_admin"])
    await admin.goto(f"{system.url}/clients/{world.a['id']}/escalations")
    await streaming(admin)
    row = admin.get_by_role("row", name=re.compile(re.escape(lead)))
    await row.wait_for()
    await accessible(admin)
    await admin.shot("admin-1-queue")

    phone = await browser.new_context(viewport={"width": 400, "height": 800})  # the member's phone: no session
    member = await phone.new_page()
    try:
        opened = await member.goto(link)  # what a link preview also does: it must not claim
        assert opened.status == 200
        await member.get_by_role("button", name="Claim this lead").wait_for()
        await accessible(member)
        await member.screenshot(path=str(folder / "member-1-link-opened.png"), full_page=True)
        async with system.engines["escalation"].connect() as db:
            assert await db.scalar(text("SELECT status FROM escalations WHERE lead_phone = :p"), {"p": lead}) == "pending"

        async def claim_on_page():
            async with admin.expect_navigation():
                await row.get_by_role("button", name="Claim").click()

        async def claim_by_link():
            async with member.expect_navigation():
                await member.get_by_role("button", name="Claim this lead").click()

        await asyncio.gather(claim_on_page(), claim_by_link())
        async with system.engines["escalation"].connect() as db:
            owner = await db.scalar(text("SELECT claimed_by FROM escalations WHERE lead_phone = :p AND status = 'claimed'"),
                                    {"p": lead})
        assert owner in (world.person_ids["a_admin"], world.person_ids["a_member"])
        await admin.shot("admin-2-after-race")
        await member.screenshot(path=str(folder / "member-2-after-race.png"), full_page=True)
        row = admin.get_by_role("row", name=re.compile(re.escape(lead)))
        if owner == world.person_ids["a_admin"]:
            await row.get_by_text("You").wait_for()
            assert await member.get_by_role("alert").filter(has_text="Adam Admin already has this lead").is_visible()
            assert not await member.get_by_text(lead).is_visible()  # the number stays with the one who has it
            async with admin.expect_navigation():
                await row.get_by_role("button", name="Resolve").click()
            await admin.get_by_text("Nothing open").wait_for()
        else:
            assert await member.get_by_role("status").filter(has_text="It's yours: call").is_visible()
            assert await member.get_by_role("link", name=lead).is_visible()
            await row.get_by_text("Mia Member").wait_for()  # the admin's page: refused or refreshed, it says who
            assert not await row.get_by_role("button", name="Claim").is_visible()
        await accessible(admin)
        await admin.shot("admin-3-truth")
        assert refused == []
    finally:
        await phone.close()


async def test_an_owner_subscribes_the_client_and_sees_the_stripe_fakes_subscription_then_cancels_at_period_end(
        page, browser, system, world, request):
    refused = watch_csp(page)
    plan = f"pro-{uuid.uuid4().hex[:6]}"
    operator = page
    await log_in(operator, system, world.phones["operator"])
    await operator.goto(f"{system.url}/plans")
    await operator.get_by_label("Id (lower case, e.g. pro-monthly)").fill(plan)
    await operator.get_by_label("Name", exact=True).fill("Pro")
    await operator.get_by_label("Price in cents").fill("9900")
    async with operator.expect_navigation():
        await operator.get_by_role("button", name="Create plan").click()
    await operator.get_by_role("cell", name=plan).wait_for()
    await accessible(operator)
    await operator.shot("1-plans")

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    owner = await context.new_page()
    owner.shot = lambda name: owner.screenshot(path=str(screenshot_dir(request.node.name) / f"{name}.png"),
                                               full_page=True)
    try:
        await log_in(owner, system, world.phones["a_owner"])
        await owner.goto(f"{system.url}/clients/{world.a['id']}/billing")
        await owner.get_by_label("Plan").select_option(plan)
        await owner.get_by_label("Billing e-mail (optional)").fill("olive@alpha.example")
        async with owner.expect_navigation():
            await owner.get_by_role("button", name="Subscribe").click()
        await owner.get_by_role("status").filter(has_text="Subscribed").wait_for()
        at_stripe = [s for s in system.stripe.subscriptions.values()
                     if s["metadata"].get("client_id") == world.a["id"]]
        assert len(at_stripe) == 1
        row = owner.get_by_role("row", name=re.compile(at_stripe[0]["id"]))
        assert await row.get_by_text(at_stripe[0]["status"]).is_visible()  # the fake's own status
        await system.deliver_stripe_events()  # Stripe's webhooks, signed, through ingress: the invoice
        invoice = next(i for i in system.stripe.invoices.values()
                       if i["parent"]["subscription_details"]["subscription"] == at_stripe[0]["id"])
        await eventually(lambda: _invoice_shown(owner, system, world, invoice["id"]), timeout=30, interval=0.5)
        await accessible(owner)
        await owner.shot("2-subscribed")
        owner.on("dialog", lambda dialog: dialog.accept())
        async with owner.expect_navigation():
            await row.get_by_role("button", name="Cancel at period end").click()
        await owner.get_by_text("ends with the period").wait_for()
        assert system.stripe.subscriptions[at_stripe[0]["id"]]["cancel_at_period_end"] is True
        await owner.shot("3-cancelling")
    finally:
        await context.close()
    assert refused == []


async def _invoice_shown(page, system, world, invoice_id: str) -> bool:
    await page.goto(f"{system.url}/clients/{world.a['id']}/billing")
    return await page.get_by_role("cell", name=invoice_id).is_visible()


async def test_an_operator_sees_every_consumer_groups_lag_and_the_dead_letters(page, system, world):
    refused = watch_csp(page)
    await log_in(page, system, world.phones["operator"])
    await page.get_by_role("link", name="Operations: lag and dead letters").click()
    await page.get_by_role("heading", name="Consumer lag").wait_for()
    lag = page.get_by_role("table", name="Consumer groups, worst first")
    for group in ("messaging", "messaging-sender", "escalation", "billing"):  # every service's group, live or not
        assert await lag.get_by_role("row", name=re.compile(rf"^{group} (OK|WARN|REWIND|STALL|STOP|ERR) ")).count() == 1
    await accessible(page)
    await page.shot("operations")
    assert refused == []
