"""A client's calls in the admin UI, in a real headless Chromium against the gateway and the
real services (voice among them): the owner sets how calls are answered (the AI voice after
hours), calls come in through the Twilio voice fake — one after hours to the AI voice and a
voicemail, one in business hours that a member picks up after the whisper — and the calls
page shows each, who answered, what the AI voice was asked, and plays the voicemail streamed
through the gateway. And the client's reviews (reputation, in the same running system): the
owner connects Google through its consent and approves an AI-drafted reply, edited, which
Google receives once. Every page is checked by axe-core and may raise no CSP violation.
Screenshots: .revgen/screenshots/<test>/."""
import uuid
from datetime import time

import httpx
from sqlalchemy import text

from browsing import accessible, log_in, watch_csp
from gateway_testing import bearer, new_number
from gateway_testing import log_in as api_log_in
from revgen_fakes.twilio import VoiceCalls
from revgen_fakes.twilio.voice_calls import fake_recording
from revgen_testing.running import eventually

ZONE = "America/New_York"
NINE_TO_FIVE = {str(day): [["09:00", "17:00"]] for day in range(7)}
GREETING = "Thanks for calling Alpha Plumbing. Ask me anything, or leave a message."
QUESTION = "Do you fix water heaters?"


async def test_the_owner_sets_the_ai_voice_and_sees_each_call_who_answered_and_hears_the_voicemail(page, system, world):
    refused = watch_csp(page)
    a = world.a["id"]
    number = new_number()
    owner = bearer(await api_log_in(system, world.phones["a_owner"]))
    assert (await system.api.put(f"/api/v1/clients/{a}/profile", headers=owner, json={
        "business_name": "Alpha Plumbing", "numbers": [number], "timezone": ZONE,
        "business_hours": NINE_TO_FIVE})).status_code == 200
    await eventually(lambda: _voice_knows(system, a), timeout=60)
    system.clock.next_local(ZONE, time(20, 0))  # after hours

    await log_in(page, system, world.phones["a_owner"])
    await page.goto(f"{system.url}/clients/{a}/voice")
    await page.get_by_label("Greeting", exact=True).fill(GREETING)
    await page.get_by_label("The greeting, then the AI voice answers one question, then voicemail").check()
    async with page.expect_navigation():
        await page.get_by_role("button", name="Save").click()
    await page.get_by_role("status").filter(has_text="Saved").wait_for()
    assert await page.get_by_label("Greeting", exact=True).input_value() == GREETING
    await accessible(page)
    await page.shot("1-voice-settings-saved")

    voice = f"http://127.0.0.1:{system.ports['voice']}"
    async with httpx.AsyncClient(timeout=20) as http:
        calls = VoiceCalls(http, auth_token=system.twilio.auth_token, account_sid=system.twilio.account_sid,
                           status_callback_url=f"{voice}/twilio/voice/status",
                           api_base=f"http://127.0.0.1:{system.ports['twilio']}")
        after_hours = await calls.call(f"{voice}/twilio/voice/incoming", from_="+15550004101", to=number,
                                       says=QUESTION, voicemail_seconds=9)
        system.clock.next_local(ZONE, time(10, 30))  # the next morning
        mia, adam = world.phones["a_member"], world.phones["a_admin"]
        rung = await calls.call(f"{voice}/twilio/voice/incoming", from_="+15550004102", to=number,
                                phones={mia: 0.0, adam: 0.1})
    assert after_hours.said[-2].startswith("echo: ") and QUESTION in after_hours.said[-2]  # the OpenAI fake's answer
    assert rung.connected == [mia] and list(rung.whispers) == [mia]
    await eventually(lambda: _voicemail_kept(system), timeout=30)

    await log_in(page, system, world.phones["a_owner"])  # the night went by: a new session
    await page.goto(f"{system.url}/clients/{a}/calls")
    rows = page.get_by_role("row")
    await rows.filter(has_text="Mia Member").wait_for()
    assert await rows.filter(has_text="+15550004102").filter(has_text="Mia Member").count() == 1
    ai_row = rows.filter(has_text="+15550004101")
    assert await ai_row.filter(has_text=f"Asked the AI voice: “{QUESTION}”").count() == 1
    assert await ai_row.get_by_role("cell", name="nobody").count() == 1
    link = ai_row.get_by_role("link", name="Download (9 s)")
    audio = await page.request.get(f"{system.url}{await link.get_attribute('href')}")
    assert audio.status == 200 and await audio.body() == fake_recording(after_hours.recording_sid)
    assert "twilio" not in (await page.content()).lower()  # no Twilio URL reaches the browser
    await accessible(page)
    await page.shot("2-calls")
    assert refused == []


async def _voice_knows(system, client_id: str) -> bool:
    async with system.engines["voice"].connect() as db:
        return await db.scalar(text("SELECT count(*) FROM team_members WHERE client_id = :c AND phone IS NOT NULL"),
                               {"c": client_id}) == 3 and await db.scalar(text(
                                   "SELECT count(*) FROM client_numbers WHERE client_id = :c"), {"c": client_id}) == 1


async def _voicemail_kept(system) -> bool:
    async with system.engines["voice"].connect() as db:
        return await db.scalar(text("SELECT count(*) FROM recordings WHERE audio IS NOT NULL")) == 1


async def test_voice_settings_voice_cannot_read_come_back_as_a_400_naming_the_field_and_nothing_is_saved(system, world):
    a = world.a["id"]
    token = await api_log_in(system, world.phones["a_owner"])
    form = {"csrf_token": system.csrf(token), "greeting": "Hi", "voice_id": "v1", "mode": "voicemail", "ring_seconds": "20"}
    bad_phone = await system.api.post(f"/clients/{a}/voice", headers=system.as_cookie(token),
                                      data={**form, "business_phone": "call me maybe"})
    too_short = await system.api.post(f"/clients/{a}/voice", headers=system.as_cookie(token),
                                      data={**form, "ring_seconds": "false"})
    assert bad_phone.status_code == 400 and "business_phone" in bad_phone.text
    assert too_short.status_code == 422 and "ring_seconds" in too_short.text
    async with system.engines["voice"].connect() as db:
        assert await db.scalar(text("SELECT count(*) FROM voice_settings WHERE client_id = :c"), {"c": a}) == 0


async def test_the_owner_connects_google_and_approves_a_drafted_reply_edited_which_google_receives_once(
        page, system, world):
    refused = watch_csp(page)
    a = world.a["id"]
    location = f"accounts/{uuid.UUID(a).int % 10**9}/locations/7"  # the fake's reviews are per location
    system.google.add_review(location, REVIEW_ID, 2, "The plumber came late and left a mess.", "Cy Reviewer",
                             "2026-11-20T10:00:00Z")
    # Logged in before the review arrives: its low-rating alert is texted to the owner too.
    owner = bearer(await api_log_in(system, world.phones["a_owner"]))
    await log_in(page, system, world.phones["a_owner"])
    await page.goto(f"{system.url}/clients/{a}/reviews")
    await page.get_by_label("Google Business Profile location").fill(location)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Connect Google").click()
    async with page.expect_navigation(url=f"**/clients/{a}/reviews?outcome=connected"):
        await page.get_by_role("link", name="Continue to Google").click()  # the fake consents at once
    await page.get_by_role("status").filter(has_text="Google is connected").wait_for()
    assert await page.get_by_role("listitem").filter(has_text=location).filter(has_text="connected").count() == 1

    await system.reputation.state.polling.schedule()  # the round the timer would make
    await eventually(lambda: _drafted(system, a), timeout=60)
    await page.goto(f"{system.url}/clients/{a}/reviews")
    reply = page.get_by_label("Reply (edit it before approving; it is posted publicly)")
    assert await reply.input_value()  # the AI's draft, waiting
    await accessible(page)
    await page.shot("3-reviews-draft-waiting")
    await reply.fill(EDITED)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Approve and post").click()
    await page.get_by_role("status").filter(has_text="Approved").wait_for()
    await eventually(lambda: _posted(system, a), timeout=60)
    assert system.google.replies == {f"{location}/reviews/{REVIEW_ID}": EDITED}
    assert system.google.requests.count("PUT") == 1
    [posted] = (await system.api.get(f"/api/v1/clients/{a}/reply-drafts", params={"status": "posted"},
                                     headers=owner)).json()["data"]
    assert posted["text"] == EDITED and posted["decided_by"] == world.person_ids["a_owner"]
    drafts = f"/api/v1/clients/{a}/reply-drafts/{posted['draft_id']}"
    assert (await system.api.post(f"{drafts}/reject", headers=owner)).status_code == 409  # decided before
    assert (await system.api.post(f"{drafts}/approve", json={"text": ""}, headers=owner)).status_code == 422
    forged = await system.api.get(f"/api/v1/clients/{a}/reviews", params={"cursor": "bm90LWEtY3Vyc29y"}, headers=owner)
    assert forged.status_code == 400 and "cursor" in forged.text
    await page.reload()
    assert await page.get_by_text("No reply is waiting.").count() == 1
    await accessible(page)
    await page.shot("4-reviews-reply-approved")
    assert refused == []


REVIEW_ID = "ChdDSUhNMG9nS0VJQ0FnSUR4"
EDITED = "We are sorry, Cy: that is not how we work. Please call us and we will make it right."


async def _drafted(system, client_id) -> bool:
    async with system.engines["reputation"].connect() as db:
        return await db.scalar(text("SELECT count(*) FROM reply_drafts WHERE client_id = :c AND status = 'drafted'"),
                               {"c": str(client_id)}) == 1


async def _posted(system, client_id) -> bool:
    async with system.engines["reputation"].connect() as db:
        return await db.scalar(text("SELECT count(*) FROM reply_drafts WHERE client_id = :c AND status = 'posted'"),
                               {"c": str(client_id)}) == 1
