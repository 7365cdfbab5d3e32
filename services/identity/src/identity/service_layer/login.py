"""OTP login and sessions. Every race is settled by one SQL statement, never in Python."""
from __future__ import annotations

import asyncio
import logging
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncEngine

from identity import SERVICE
from identity.adapters import login_records
from identity.domain import otp
from identity.domain.identifiers import normalise_identifier
from revgen_common.clock import Clock
from revgen_common.contracts.commands import SendMessage
from revgen_common.contracts.identity import SessionRevoked
from revgen_common.tokens import new_token, token_hash
from revgen_common.unit_of_work import UnitOfWork

log = logging.getLogger(__name__)
GLOBAL_SEND_LOCK = 0x6F74_7073  # "otps": serialises the global send budget check
LOGIN_CODE_SUBJECT = "Your RevGen login code"  # an e-mail needs one; a text has none


@dataclass(frozen=True)
class Session:
    id: uuid.UUID
    person_id: uuid.UUID
    expires_at: datetime


class Login:
    def __init__(self, engine: AsyncEngine, pepper: bytes, session_ttl: timedelta, clock: Clock):
        self.engine = engine
        self.pepper = pepper
        self.session_ttl = session_ttl
        self.clock = clock
        self._sending: set[asyncio.Task] = set()

    async def request_code(self, raw_identifier: str, requested_from: str | None) -> otp.LoginAttempt:
        """Same answer for known and unknown identifiers, limited or not."""
        identifier = normalise_identifier(raw_identifier)  # InvalidIdentifier: refused
        attempt = otp.LoginAttempt(uuid.uuid4())
        await self._send_code(identifier, attempt, requested_from)
        return attempt

    def request_code_in_background(self, raw_identifier: str, requested_from: str | None) -> otp.LoginAttempt:
        """The answer before the work: looking the identifier up, checking the limits and
        writing the code happen after, so a known identifier is not answered later than an
        unknown one (it was, by 2-3 ms: who has an account could be read from the timing).
        A crash in between loses a code the person simply asks for again."""
        identifier = normalise_identifier(raw_identifier)
        attempt = otp.LoginAttempt(uuid.uuid4())
        task = asyncio.create_task(self._send_code(identifier, attempt, requested_from))
        self._sending.add(task)
        task.add_done_callback(self._sent)
        return attempt

    def _sent(self, task: asyncio.Task) -> None:
        self._sending.discard(task)
        if not task.cancelled() and task.exception() is not None:
            log.error("sending a login code failed", exc_info=task.exception())

    async def drain(self) -> None:
        """Wait for the codes still being sent (at shutdown)."""
        await asyncio.gather(*self._sending, return_exceptions=True)

    async def _send_code(self, identifier: str, attempt: otp.LoginAttempt, requested_from: str | None) -> None:
        now = self.clock()
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            if await login_records.person_with(db, identifier) is None:
                return
            await login_records.lock(db, GLOBAL_SEND_LOCK)
            sent = await login_records.codes_sent_since(db, identifier, now - otp.SENDS_GLOBALLY[1],
                                                        now - otp.SENDS_PER_IDENTIFIER[1])
            if sent.everyone >= otp.SENDS_GLOBALLY[0] or sent.mine >= otp.SENDS_PER_IDENTIFIER[0]:
                return
            code = otp.new_code()
            await login_records.add_code(
                db, identifier=identifier, attempt=attempt.login_attempt_id,
                code_hash=otp.code_hash(self.pepper, identifier, attempt.login_attempt_id, code),
                requested_from=requested_from, now=now, expires=now + otp.CODE_TTL,
                max_attempts=otp.MAX_ATTEMPTS_PER_CODE)
            command = SendMessage(to=identifier, body=f"Your RevGen login code is {code}. It expires in 10 minutes.",
                                  subject=LOGIN_CODE_SUBJECT if "@" in identifier else None, purpose="otp")
            uow.publish(command)
            await uow.commit()

    async def verify_code(self, raw_identifier: str, login_attempt_id: uuid.UUID, code: str) -> str | None:
        """A session token, or None (wrong, used, expired, or too many attempts: one answer)."""
        identifier = normalise_identifier(raw_identifier)
        now = self.clock()
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            db = uow.connection
            counted = await login_records.count_attempt(db, identifier, now.replace(minute=0, second=0, microsecond=0),
                                                        otp.MAX_FAILURES_PER_IDENTIFIER_PER_HOUR)
            verified = None
            if counted is not None:
                verified = await login_records.verify(
                    db, identifier, login_attempt_id, otp.code_hash(self.pepper, identifier, login_attempt_id, code), now)
            if verified is None or not verified.correct:
                await uow.commit()  # the attempt counts even though it failed
                return None
            person = await login_records.person_with(db, identifier)
            token = new_token()
            await login_records.add_session(db, token_hash(token), person, verified.id, now, now + self.session_ttl)
            await uow.commit()
        return token

    async def authenticate(self, token: str) -> Session | None:
        async with self.engine.connect() as db:
            row = await login_records.live_session(db, token_hash(token), self.clock())
        return Session(row.id, row.person_id, row.expires_at) if row else None

    async def logout(self, token: str) -> None:
        """Revoke the session; `SessionRevoked` tells every gateway to forget what it cached."""
        async with UnitOfWork(self.engine, SERVICE, self.clock) as uow:
            revoked = await login_records.revoke(uow.connection, token_hash(token), self.clock())
            if revoked is None:
                return  # already revoked: announced then
            uow.publish(SessionRevoked(person_id=str(revoked.person_id), session_id=str(revoked.id)))
            await uow.commit()
