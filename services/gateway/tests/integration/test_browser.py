"""People in a real headless Chromium, against the gateway and the real services: logging in
with the code the Twilio fake received, seeing who they are and where they may act, logging
out; an expired session; a member removed in one browser refused on their next click in
another. Every page is checked by axe-core (no serious or critical violation) and may raise
no Content-Security-Policy violation. Screenshots: .revgen/screenshots/<test>/."""
import re
import time

from browsing import accessible, ask_for_code, enter_code, log_in, texted_code, watch_csp
from gateway_testing import texts_settled
from revgen_devstack.browser import screenshot_dir


async def test_a_person_logs_in_with_the_code_texted_to_them_sees_who_they_are_and_logs_out(page, system, world):
    refused = watch_csp(page)
    phone = world.phones["a_owner"]
    await texts_settled(system)
    known = len(system.twilio.sent_to(phone))
    await page.goto(f"{system.url}/")
    assert page.url == f"{system.url}/login"
    await accessible(page)
    await page.shot("1-login")
    await ask_for_code(page, system, phone)
    await accessible(page)
    await page.shot("2-code-asked")
    await enter_code(page, await texted_code(system, phone, known))  # what the Twilio fake received
    assert page.url == f"{system.url}/me"
    await page.get_by_role("heading", name="Olive Owner").wait_for()
    assert await page.get_by_text("Client Alpha Plumbing: client owner").is_visible()
    assert await page.get_by_role("link", name="Alpha Plumbing").is_visible()
    await accessible(page)
    await page.shot("3-who-am-i")
    cookie = next(c for c in await page.context.cookies() if c["name"] == "revgen_session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax" and cookie["path"] == "/"
    assert not cookie["secure"]  # the test's gateway is http://; behind https it is Secure
    await page.get_by_role("link", name="Alpha Plumbing").click()
    await page.get_by_role("heading", name="Team").wait_for()
    await accessible(page)
    await page.shot("4-client")
    async with page.expect_navigation():
        await page.get_by_role("button", name="Log out").click()
    assert page.url == f"{system.url}/login"
    assert not [c for c in await page.context.cookies() if c["name"] == "revgen_session"]
    await page.shot("5-logged-out")
    back = await page.goto(f"{system.url}/me")
    assert back.status == 401 and await page.get_by_label("Phone number or e-mail address").is_visible()
    assert refused == []


async def test_an_expired_session_sends_the_person_back_to_log_in(page, system, world):
    refused = watch_csp(page)
    await log_in(page, system, world.phones["a_member"])
    await page.get_by_role("heading", name="Mia Member").wait_for()
    system.clock.advance(minutes=61)  # identity's sessions last 60 minutes
    async with page.expect_navigation() as navigation:
        await page.get_by_role("link", name="Who am I").click()
    assert (await navigation.value).status == 401
    assert await page.get_by_role("alert").filter(has_text="expired").is_visible()
    assert not [c for c in await page.context.cookies() if c["name"] == "revgen_session"]
    await accessible(page)
    await page.shot("expired")
    await log_in(page, system, world.phones["a_member"])  # and in again, back where they were going
    assert page.url == f"{system.url}/me"
    assert refused == []


async def test_a_member_removed_in_one_browser_is_refused_on_their_next_click_in_another_within_a_second(
        page, browser, system, world, request):
    folder = screenshot_dir(request.node.name)
    owner = page
    refused = watch_csp(owner)
    member_context = await browser.new_context(viewport={"width": 1280, "height": 900})
    member = await member_context.new_page()
    refused_too = watch_csp(member)
    try:
        await log_in(member, system, world.phones["a_member"])
        await member.get_by_role("link", name="Alpha Plumbing").click()
        await member.get_by_role("heading", name="Team").wait_for()
        await member.screenshot(path=str(folder / "member-1-client.png"), full_page=True)
        await member.get_by_role("link", name="Who am I").click()
        await member.get_by_role("heading", name="Mia Member").wait_for()

        await log_in(owner, system, world.phones["a_owner"])
        await owner.goto(f"{system.url}/clients/{world.a['id']}")
        await accessible(owner)
        await owner.shot("owner-1-team")
        owner.on("dialog", lambda dialog: dialog.accept())  # "Remove Mia Member from Alpha Plumbing? …"
        async with owner.expect_navigation():
            await owner.get_by_role("button", name="Remove Mia Member").click()
        removed_at = time.monotonic()
        await owner.get_by_role("row", name=re.compile("Mia Member.*removed")).wait_for()
        await owner.shot("owner-2-removed")

        while True:  # the member's next click, and again until refused
            clicked_at = time.monotonic()
            async with member.expect_navigation() as navigation:
                await member.get_by_role("link", name="Alpha Plumbing").click()
            if (await navigation.value).status == 404:
                break
            assert clicked_at - removed_at < 1.0, "a click a second after the removal still got in"
            await member.go_back()
        assert clicked_at - removed_at < 1.0  # the refused click was made within a second of the removal
        await member.screenshot(path=str(folder / "member-2-refused.png"), full_page=True)
        await accessible(member)
        assert refused == [] and refused_too == []
    finally:
        await member_context.close()


async def test_the_api_documentation_page_lists_every_operation_with_who_may_call_it(page, system, request):
    refused = watch_csp(page)
    await page.goto(f"{system.url}/api/v1/docs")
    await page.get_by_role("heading", name="POST /api/v1/clients/{client_id}/subscriptions").first.wait_for()
    assert await page.get_by_text("billing:manage on the client {client_id}").first.is_visible()
    await accessible(page)
    await page.screenshot(path=str(screenshot_dir(request.node.name) / "docs.png"))  # its first screen
    document = (await system.api.get("/api/v1/openapi.json")).json()
    operations = sum(len(item) for item in document["paths"].values())
    assert await page.locator("section.operation h3 .method").count() == operations
    assert refused == []
