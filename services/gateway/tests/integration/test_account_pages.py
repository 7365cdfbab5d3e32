"""The account pages, in a real headless Chromium against the real services, Kafka and
PostgreSQL, with the Stripe fake: a client's owner manages the team (invite, change a role,
remove); an operator makes a coupon and the owner subscribes with it, changes the plan,
pauses, resumes and cancels, each seen at the Stripe fake; a dispute Stripe reports and the
drift reconciliation finds appear on their pages; the conversions page weighs won jobs
against what was paid. The agency's own pages: its owner manages the agency's team (invite by
e-mail, change a role, be refused removing the last owner, remove someone, who is refused on
their next click in another browser; the change in the agency's audit log, with the
before-image); a coupon applied to a live subscription; every client's disputes on one page.
Every page: axe-core and the CSP (browsing.py).
Screenshots: .revgen/screenshots/<test>/."""
import re
import uuid

from sqlalchemy import text

from browsing import accessible, log_in, watch_csp
from gateway_testing import bearer, new_number
from gateway_testing import log_in as api_log_in
from revgen_devstack.browser import screenshot_dir
from revgen_testing.running import eventually


async def test_a_clients_owner_invites_a_member_changes_a_role_and_removes_the_new_member(page, system, world):
    refused = watch_csp(page)
    page.on("dialog", lambda dialog: dialog.accept())
    await log_in(page, system, world.phones["a_owner"])
    await page.goto(f"{system.url}/clients/{world.a['id']}")
    await page.get_by_role("link", name="Invite someone or change roles").click()
    await page.get_by_role("heading", name=re.compile("^Team of")).wait_for()
    await page.get_by_label("Name", exact=True).fill("Nora New")
    await page.get_by_label("Phone number or e-mail address").fill("12")  # no phone number, no e-mail
    async with page.expect_navigation() as sent:
        await page.get_by_role("button", name="Invite").click()
    assert (await sent.value).status == 400
    assert await page.get_by_role("alert").filter(has_text="Nora New could not be invited").is_visible()
    assert await page.get_by_label("Name", exact=True).input_value() == "Nora New"  # nothing typed is lost
    phone = new_number()
    await page.get_by_label("Phone number or e-mail address").fill(phone)
    await page.get_by_label("Role", exact=True).select_option("client_member")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Invite").click()
    assert await page.get_by_role("status").filter(has_text="Invited").is_visible()
    assert await page.get_by_role("row", name=re.compile(f"Nora New {re.escape(phone)} active")).is_visible()
    await page.get_by_label("Role of Mia Member").select_option("client_admin")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Change role of Mia Member").click()
    assert await page.get_by_role("status").filter(has_text="Role changed").is_visible()
    assert await page.get_by_label("Role of Mia Member").input_value() == "client_admin"
    await accessible(page)
    await page.shot("1-team")
    assert await _role(system, world, world.person_ids["a_member"]) == ("client_admin", True)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Remove Nora New").click()
    assert await page.get_by_role("row", name=re.compile("Nora New .* removed")).is_visible()
    await page.shot("2-removed")
    assert refused == []


async def test_a_member_cannot_open_the_team_page_and_an_admin_cannot_invite_an_owner(system, world):
    member = await api_log_in(system, world.phones["a_member"])
    team = f"/clients/{world.a['id']}/team"
    assert (await system.api.get(team, headers=system.as_cookie(member))).status_code == 403
    invited = await system.api.post(f"{team}/invite", headers=system.as_cookie(member), data={
        "csrf_token": system.csrf(member), "name": "Sneaky", "identifier": new_number(), "role": "client_owner"})
    assert invited.status_code == 403
    admin = await api_log_in(system, world.phones["a_admin"])  # may manage the team, not make an owner (ADR 0013)
    promoted = await system.api.post(f"{team}/invite", headers=system.as_cookie(admin), data={
        "csrf_token": system.csrf(admin), "name": "Sneaky", "identifier": new_number(), "role": "client_owner"})
    assert promoted.status_code == 403 and "only roles within your own" in promoted.text
    async with system.engines["identity"].connect() as db:
        assert await db.scalar(text("SELECT count(*) FROM people WHERE name = 'Sneaky'")) == 0


async def test_an_owner_subscribes_with_an_operators_coupon_then_changes_plan_pauses_resumes_and_cancels(
        page, browser, system, world, request):
    refused = watch_csp(page)
    operator = page
    operator.on("dialog", lambda dialog: dialog.accept())
    token = await api_log_in(system, world.phones["operator"])
    plans = [f"basic-{uuid.uuid4().hex[:6]}", f"pro-{uuid.uuid4().hex[:6]}"]
    for plan, cents in zip(plans, (4900, 9900), strict=True):
        assert (await system.api.post("/api/v1/plans", headers=bearer(token), json={
            "id": plan, "name": plan.split("-")[0].title(), "amount_cents": cents})).status_code == 201
    await log_in(operator, system, world.phones["operator"])
    await operator.get_by_role("link", name="Coupons").click()
    code = f"SAVE20-{uuid.uuid4().hex[:6]}"
    await operator.get_by_label("Code (letters, digits, - and _)").fill(code)
    await operator.get_by_label("Percent off").fill("20")
    await operator.get_by_label("Or amount off, in cents").fill("500")  # both: refused, saying so
    async with operator.expect_navigation() as sent:
        await operator.get_by_role("button", name="Create coupon").click()
    assert (await sent.value).status == 422
    assert await operator.get_by_role("alert").filter(has_text="exactly one of percent_off and amount_off_cents").is_visible()
    await operator.get_by_label("Or amount off, in cents").fill("")
    await operator.get_by_label("Most redemptions (empty: no limit)").fill("10")
    async with operator.expect_navigation():
        await operator.get_by_role("button", name="Create coupon").click()
    assert await operator.get_by_role("row", name=re.compile(f"{code} 20(\\.0+)? % off once 0 of 10 yes")).is_visible()
    await accessible(operator)
    await operator.shot("1-coupons")

    context = await browser.new_context(viewport={"width": 1280, "height": 900})
    owner = await context.new_page()
    owner.on("dialog", lambda dialog: dialog.accept())
    shot = lambda name: owner.screenshot(path=str(screenshot_dir(request.node.name) / f"{name}.png"), full_page=True)  # noqa: E731
    billing = f"{system.url}/clients/{world.a['id']}/billing"
    try:
        await log_in(owner, system, world.phones["a_owner"])
        await owner.goto(billing)
        await owner.get_by_label("Plan").select_option(plans[0])
        await owner.get_by_label("Coupon code (optional)").fill(code)
        async with owner.expect_navigation():
            await owner.get_by_role("button", name="Subscribe").click()
        await owner.get_by_role("status").filter(has_text="Subscribed").wait_for()
        (sub,) = [s for s in system.stripe.subscriptions.values() if s["metadata"].get("client_id") == world.a["id"]]
        assert [d["coupon"]["id"] for d in _discounts(system, sub)] == [code]
        row = owner.get_by_role("row", name=re.compile(sub["id"]))
        await row.get_by_label(f"New plan for {sub['id']}").select_option(plans[1])
        async with owner.expect_navigation():
            await row.get_by_role("button", name="Change plan").click()
        assert await owner.get_by_role("status").filter(has_text="Plan changed").is_visible()
        assert sub["items"]["data"][0]["price"]["unit_amount"] == 9900
        assert await row.get_by_text(plans[1]).is_visible()
        async with owner.expect_navigation():
            await row.get_by_role("button", name="Pause").click()
        assert sub["pause_collection"] is not None and await row.get_by_text("paused").is_visible()
        await accessible(owner)
        await shot("2-paused")
        async with owner.expect_navigation():
            await row.get_by_role("button", name="Resume").click()
        assert sub["pause_collection"] is None and await owner.get_by_role("status").filter(has_text="Resumed").is_visible()

        # Stripe's own news, through ingress: the paid invoice's charge is disputed.
        charge = next(c for c in system.stripe.charges.values() if c["customer"] == sub["customer"])
        dispute = system.stripe.open_dispute(charge["id"], reason="product_not_received")
        await system.deliver_stripe_events()
        await eventually(lambda: _shown(owner, f"{system.url}/clients/{world.a['id']}/disputes", dispute["id"]),
                         timeout=30, interval=0.5)
        assert await owner.get_by_role("row", name=re.compile(f"{dispute['id']} .* needs response product not received"))\
            .is_visible()
        await accessible(owner)
        await shot("3-disputes")

        async with system.engines["billing"].begin() as db:  # the team's outcomes, as billing keeps them
            await db.execute(text("""INSERT INTO lead_outcomes (client_id, lead_id, outcome, job_value_cents, decided_at)
                                     VALUES (:c, 'l1', 'won', 120000, now()), (:c, 'l2', 'lost', NULL, now())"""),
                             {"c": world.a["id"]})
        await owner.goto(f"{system.url}/clients/{world.a['id']}/conversions")
        assert await owner.get_by_text("50 % of those decided").is_visible()
        assert await owner.get_by_text("1200.00").is_visible()
        await accessible(owner)
        await shot("4-conversions")

        await owner.goto(billing)
        async with owner.expect_navigation():
            await row.get_by_role("button", name="Cancel now").click()
        assert sub["status"] == "canceled" and await owner.get_by_role("status").filter(has_text="Cancelled").is_visible()
        await shot("5-cancelled")
    finally:
        await context.close()

    # A drift no event reports, found by reconciliation from the operators' page.
    system.stripe.silently_set_status(sub["id"], "past_due")
    await operator.goto(f"{system.url}/me")
    await operator.get_by_role("link", name="Billing discrepancies").click()
    async with operator.expect_navigation():
        await operator.get_by_role("button", name="Reconcile with Stripe now").click()
    assert await operator.get_by_role("status").filter(has_text="Reconciliation ran").is_visible()
    drift = re.compile(f"status mismatch {sub['id']} local canceled.*stripe past_due")
    assert await operator.get_by_role("row", name=drift).is_visible()
    await accessible(operator)
    await operator.shot("6-discrepancies")
    assert refused == []


async def _role(system, world, person_id: str) -> tuple[str, bool]:
    async with system.engines["identity"].connect() as db:
        row = (await db.execute(text("SELECT role, active FROM client_memberships WHERE client_id = :c AND person_id = :p"),
                                {"c": world.a["id"], "p": person_id})).one()
    return row.role, row.active


def _discounts(system, subscription: dict) -> list[dict]:
    return [d if isinstance(d, dict) else system.stripe.discounts[d] for d in subscription["discounts"]]


async def _shown(page, url: str, what: str) -> bool:
    await page.goto(url)
    return await page.get_by_role("cell", name=what).is_visible()


async def test_an_agency_owner_invites_changes_a_role_and_removes_a_member_who_is_refused_on_their_next_click(
        page, browser, system, world, request):
    refused = watch_csp(page)
    page.on("dialog", lambda dialog: dialog.accept())
    staff_context = await browser.new_context(viewport={"width": 1280, "height": 900})
    staff = await staff_context.new_page()
    try:
        await log_in(staff, system, world.phones["x_staff"])
        await staff.goto(f"{system.url}/clients/{world.a['id']}")
        await staff.get_by_role("heading", name="Alpha Plumbing").wait_for()

        await log_in(page, system, world.phones["x_owner"])
        await page.goto(f"{system.url}/me")
        await page.get_by_role("link", name="Team of Agency X").click()
        await page.get_by_role("heading", name="Team of Agency X").wait_for()
        email = f"ana-{new_number()[-6:]}@agency.example"
        await page.get_by_label("Name", exact=True).fill("Ana Account")
        await page.get_by_label("Phone number or e-mail address").fill(email)
        await page.get_by_label("Role", exact=True).select_option("agency_admin")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Invite").click()
        assert await page.get_by_role("status").filter(has_text="Invited").is_visible()
        assert await page.get_by_role("row", name=re.compile(f"Ana Account {re.escape(email)} active")).is_visible()
        await page.get_by_label("Role of Ana Account").select_option("agency_staff")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Change role of Ana Account").click()
        assert await page.get_by_label("Role of Ana Account").input_value() == "agency_staff"
        async with page.expect_navigation() as sent:  # the only owner: refused, saying why
            await page.get_by_role("button", name="Remove Xavier Owner").click()
        assert (await sent.value).status == 409
        assert await page.get_by_role("alert").filter(has_text="last owner").is_visible()
        await accessible(page)
        await page.shot("1-agency-team")
        async with page.expect_navigation():
            await page.get_by_role("button", name="Remove Stella Staff").click()
        assert await page.get_by_role("row", name=re.compile("Stella Staff .* removed")).is_visible()
        await page.shot("2-removed")
        await page.get_by_role("link", name="Who changed the team, and when").click()
        removal = page.get_by_role("row", name=re.compile("Xavier Owner deactivate agency membership .*agency_staff"))
        assert await removal.is_visible()  # the before-image: the role she had
        await accessible(page)
        await page.shot("3-agency-audit")

        async with staff.expect_navigation() as next_click:  # the page they had open, one click on
            await staff.get_by_role("link", name="Leads").click()
        assert (await next_click.value).status == 404
        await staff.screenshot(path=str(screenshot_dir(request.node.name) / "4-removed-member-refused.png"),
                               full_page=True)
        assert refused == []
    finally:
        await staff_context.close()


async def test_an_owner_applies_a_coupon_to_a_live_subscription_and_sees_every_clients_disputes_in_one_list(
        page, system, world):
    refused = watch_csp(page)
    page.on("dialog", lambda dialog: dialog.accept())
    operator, owner = bearer(await api_log_in(system, world.phones["operator"])), \
        bearer(await api_log_in(system, world.phones["x_owner"]))
    plan, code, single = f"plan-{uuid.uuid4().hex[:6]}", f"WINBACK-{uuid.uuid4().hex[:6]}", f"ONE-{uuid.uuid4().hex[:6]}"
    assert (await system.api.post("/api/v1/plans", headers=operator, json={
        "id": plan, "name": "Basic", "amount_cents": 4900})).status_code == 201
    for coupon in ({"id": code, "percent_off": 30}, {"id": single, "percent_off": 10, "max_redemptions": 1}):
        assert (await system.api.post("/api/v1/coupons", headers=operator, json=coupon)).status_code == 201
    subs = {}
    for client in (world.a, world.b):
        made = await system.api.post(f"/api/v1/clients/{client['id']}/subscriptions", json={"plan_id": plan},
                                     headers={**owner, "Idempotency-Key": f"sub-{uuid.uuid4()}"})
        assert made.status_code == 201, made.text
        subs[client["id"]] = made.json()["subscription_id"]
    used = await system.api.post(f"/api/v1/subscriptions/{subs[world.b['id']]}/coupon", json={"coupon_id": single},
                                 headers={**owner, "Idempotency-Key": f"coupon-{uuid.uuid4()}"})
    assert used.status_code == 200, used.text

    await log_in(page, system, world.phones["x_owner"])
    await page.goto(f"{system.url}/clients/{world.a['id']}/billing")
    sub = subs[world.a["id"]]
    await page.get_by_label(f"Coupon code for {sub}").fill(single)  # used up on B: refused, saying why
    async with page.expect_navigation() as sent:
        await page.get_by_role("button", name="Apply coupon").click()
    assert (await sent.value).status == 409
    assert await page.get_by_text("redeemed 1 of 1 times").is_visible()
    await page.shot("1-coupon-refused")
    async with page.expect_navigation():  # the error page leads back to where the owner was
        await page.get_by_role("link", name="Back to the page you came from").click()
    assert page.url == f"{system.url}/clients/{world.a['id']}/billing"
    await page.get_by_label(f"Coupon code for {sub}").fill(code)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Apply coupon").click()
    assert await page.get_by_role("status").filter(has_text="Coupon applied").is_visible()
    (discount,) = system.stripe.subscriptions[sub]["discounts"]
    assert system.stripe.discounts[discount]["coupon"]["id"] == code
    await accessible(page)
    await page.shot("2-coupon-applied")

    disputes = []
    for client in (world.a, world.b):
        customer = system.stripe.subscriptions[subs[client["id"]]]["customer"]
        charge = next(c for c in system.stripe.charges.values() if c["customer"] == customer)
        disputes.append(system.stripe.open_dispute(charge["id"], reason="fraudulent")["id"])
    await system.deliver_stripe_events()
    await page.goto(f"{system.url}/me")
    await page.get_by_role("link", name="Disputes of every client of Agency X").click()
    await eventually(lambda: _rows_shown(page, disputes), timeout=30, interval=0.5)
    for client, dispute in zip(("Alpha Plumbing", "Bravo Roofing"), disputes, strict=True):
        assert await page.get_by_role("row", name=re.compile(f"{client} {dispute} .* fraudulent")).is_visible()
    await accessible(page)
    await page.shot("3-agency-disputes")
    listed = await system.api.get(f"/api/v1/agencies/{world.agency_x}/disputes", params={"limit": 1}, headers=owner)
    assert listed.status_code == 200 and listed.json()["next"] and len(listed.json()["data"]) == 1
    assert refused == []


async def _rows_shown(page, disputes: list[str]) -> bool:
    await page.reload()
    return all([await page.get_by_role("cell", name=d).is_visible() for d in disputes])
