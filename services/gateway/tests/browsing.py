"""A person in the browser: logging in, and what every page is checked for (axe-core: no
serious or critical violation; no Content-Security-Policy refusal)."""
import re

from axe_playwright_python.async_playwright import Axe
from sqlalchemy import text

from gateway_testing import code_sent_to
from revgen_testing.running import eventually

AXE = Axe()


async def accessible(page) -> None:
    results = await AXE.run(page)
    serious = [f"{v['id']} ({v['impact']}): {v['help']}" for v in results.response["violations"]
               if v["impact"] in ("serious", "critical")]
    assert serious == [], serious


def watch_csp(page) -> list[str]:
    """Every message the browser logs about a Content-Security-Policy refusal."""
    refused: list[str] = []
    page.on("console", lambda m: refused.append(m.text) if "Content Security Policy" in m.text else None)
    return refused


async def texted_code(system, phone: str, known: int) -> str:
    async def arrived():
        bodies = [m.body for m in system.twilio.sent_to(phone)]
        return bodies if len(bodies) > known else None
    return re.search(r"\b(\d{6})\b", (await eventually(arrived, timeout=60, interval=0.2))[-1]).group(1)


async def ask_for_code(page, system, phone: str) -> None:
    await page.goto(f"{system.url}/login")
    await page.get_by_label("Phone number or e-mail address").fill(phone)
    await page.get_by_role("button", name="Send me a code").click()
    await page.get_by_label("Code").wait_for()


async def enter_code(page, code: str) -> None:
    await page.get_by_label("Code").fill(code)
    async with page.expect_navigation():
        await page.get_by_role("button", name="Log in").click()


async def log_in(page, system, phone: str) -> None:
    """Logged in with the code identity queued (the Twilio path is the first test's subject)."""
    async with system.engines["identity"].connect() as db:
        known = await db.scalar(text("SELECT count(*) FROM otp_codes WHERE identifier = :i"), {"i": phone})
    await ask_for_code(page, system, phone)
    await enter_code(page, await code_sent_to(system, phone, known))
