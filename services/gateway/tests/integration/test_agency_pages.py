"""The agency's own pages, in a real headless Chromium against the real services, Kafka and
PostgreSQL: the agency's owner manages the agency's team (invite by e-mail, change a role, be
refused removing the last owner, remove someone, who is refused on their next click in another
browser; the change in the agency's audit log, with the before-image); a coupon applied to a live
subscription; every client's disputes on one page.
Every page: axe-core and the CSP (browsing.py). Screenshots: .revgen/screenshots/<test>/."""
import re
import uuid

from browsing import accessible, log_in, watch_csp
from gateway_testing import bearer, log_in as api_log_in, new_number
from revgen_devstack.browser import screenshot_dir
from tests.support.running import eventually


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
    await page.goto(f"{system.url}/clients/{world.a['id']}/billing")
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
