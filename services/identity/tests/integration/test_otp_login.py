"""OTP login: single-use under any race, capped, limited, and blind to who exists."""
import asyncio
import json
import uuid

import pytest
from sqlalchemy import text

from identity.domain.otp import MAX_ATTEMPTS_PER_CODE
from identity_testing import sent_codes


def phone(n: int) -> str:
    return f"+1415555{n:04d}"


async def people(engine, count: int, start: int = 0) -> list[str]:
    numbers = [phone(start + i) for i in range(count)]
    async with engine.begin() as db:
        await db.execute(text("INSERT INTO people (id, phone, name) SELECT gen_random_uuid(), p, 'Person' "
                              "FROM unnest(CAST(:phones AS text[])) AS p"), {"phones": numbers})
    return numbers


async def test_the_correct_code_verified_20_times_concurrently_makes_exactly_one_session(login, identity_engine, clock):
    numbers = await people(identity_engine, 100)
    for trial, number in enumerate(numbers):
        if trial % 50 == 0:
            clock.advance(minutes=2)  # stay inside the global send budget
        attempt = await login.request_code(number, "127.0.0.1")
        (code,) = await sent_codes(identity_engine, number)
        tokens = await asyncio.gather(*(login.verify_code(number, attempt.login_attempt_id, code) for _ in range(20)))
        assert sum(t is not None for t in tokens) == 1, f"trial {trial}: {sum(t is not None for t in tokens)} sessions"
    async with identity_engine.connect() as db:
        assert await db.scalar(text("SELECT count(*) FROM sessions")) == 100


async def test_wrong_codes_sent_concurrently_never_exceed_the_attempt_cap(login, identity_engine):
    (number,) = await people(identity_engine, 1)
    attempt = await login.request_code(number, None)
    (code,) = await sent_codes(identity_engine, number)
    wrong = f"{(int(code) + 1) % 1_000_000:06d}"
    results = await asyncio.gather(*(login.verify_code(number, attempt.login_attempt_id, wrong) for _ in range(20)))
    assert results == [None] * 20
    async with identity_engine.connect() as db:
        assert await db.scalar(text("SELECT attempts FROM otp_codes")) == MAX_ATTEMPTS_PER_CODE
    assert await login.verify_code(number, attempt.login_attempt_id, code) is None  # burnt by the cap


async def test_10000_requests_to_distinct_numbers_within_a_minute_send_at_most_100_codes(login, identity_engine):
    numbers = await people(identity_engine, 10_000)
    gate = asyncio.Semaphore(25)

    async def ask(number):
        async with gate:
            return await login.request_code(number, "127.0.0.1")

    answers = await asyncio.gather(*(ask(n) for n in numbers))
    assert len({a.login_attempt_id for a in answers}) == 10_000  # everyone gets an answer, the same kind
    assert len(await sent_codes(identity_engine)) == 100


@pytest.mark.calendar
async def test_an_identifier_gets_at_most_3_codes_per_15_minutes(login, identity_engine, clock):
    (number,) = await people(identity_engine, 1)
    for _ in range(5):
        await login.request_code(number, None)
    assert len(await sent_codes(identity_engine, number)) == 3
    clock.advance(minutes=15, seconds=1)
    await login.request_code(number, None)
    assert len(await sent_codes(identity_engine, number)) == 4


async def test_unknown_identifiers_get_the_same_answer_and_no_code(login, identity_engine):
    answer = await login.request_code(phone(9999), None)
    assert isinstance(answer.login_attempt_id, uuid.UUID)
    assert await sent_codes(identity_engine) == []


@pytest.mark.calendar
async def test_a_code_expires_after_10_minutes_by_the_clock_not_by_sleeping(login, identity_engine, clock):
    first, second = await people(identity_engine, 2)
    late = await login.request_code(first, None)
    on_time = await login.request_code(second, None)
    (late_code,), (on_time_code,) = await sent_codes(identity_engine, first), await sent_codes(identity_engine, second)
    clock.advance(minutes=9, seconds=59)
    assert await login.verify_code(second, on_time.login_attempt_id, on_time_code) is not None
    clock.advance(seconds=2)
    assert await login.verify_code(first, late.login_attempt_id, late_code) is None


@pytest.mark.calendar
async def test_a_session_lasts_its_ttl_in_elapsed_time_whatever_the_wall_clocks_do(login, identity_engine, clock):
    (number,) = await people(identity_engine, 1)
    attempt = await login.request_code(number, None)
    (code,) = await sent_codes(identity_engine, number)
    token = await login.verify_code(number, attempt.login_attempt_id, code)
    person = await login.authenticate(token)
    assert person is not None
    clock.advance(minutes=59, seconds=59)  # the fixture's TTL is 60 minutes, an hour that DST may skip or repeat
    assert await login.authenticate(token) == person
    clock.advance(seconds=2)
    assert await login.authenticate(token) is None


async def test_a_code_is_bound_to_its_identifier_and_login_attempt(login, identity_engine):
    mine, yours = await people(identity_engine, 2)
    attempt = await login.request_code(mine, None)
    other = await login.request_code(yours, None)
    (code,) = await sent_codes(identity_engine, mine)
    assert await login.verify_code(yours, attempt.login_attempt_id, code) is None
    assert await login.verify_code(mine, other.login_attempt_id, code) is None
    assert await login.verify_code(mine, attempt.login_attempt_id, code) is not None


async def test_unicode_digit_variants_of_one_number_are_one_identity_and_share_its_limits(login, identity_engine):
    (number,) = await people(identity_engine, 1)  # +14155550000
    variants = ["＋１ ４１５ ５５５ ００００", "+١٤١٥٥٥٥٠٠٠٠", "(415) 555-0000", "+1 415 555 0000"]
    for variant in variants:
        await login.request_code(variant, None)
    assert len(await sent_codes(identity_engine, number)) == 3  # one identity, one limit


async def test_a_code_for_an_email_identifier_goes_out_with_a_subject_and_a_texted_one_without(login, identity_engine):
    address = f"ada.{uuid.uuid4().hex[:8]}@example.com"
    (number,) = await people(identity_engine, 1, start=9000)
    async with identity_engine.begin() as db:
        await db.execute(text("INSERT INTO people (id, email, name) VALUES (gen_random_uuid(), :e, 'Ada')"),
                         {"e": address})
    await login.request_code(address.upper(), None)
    await login.request_code(number, None)
    async with identity_engine.connect() as db:
        rows = await db.execute(text("SELECT value FROM outbox WHERE topic = 'messaging.commands' ORDER BY id"))
        commands = [json.loads(r.value)["payload"] for r in rows]
    assert [(c["to"], c["subject"], c["purpose"]) for c in commands] == [
        (address, "Your RevGen login code", "otp"), (number, None, "otp")]
