"""Identity, as the gateway uses it: log in, log out, who is this, may they do this."""
from __future__ import annotations

from datetime import datetime
from typing import Any

from gateway.adapters.services import Refused, ServiceClient, reason_of
from gateway.domain.decisions import Decision, Outcome, Unauthenticated


def as_person(token: str, address: str | None = None) -> dict[str, str]:
    headers = {"Authorization": f"Bearer {token}"}
    if address:
        headers["X-Forwarded-For"] = address  # identity believes it from us (TRUSTED_PROXIES)
    return headers


class IdentityClient(ServiceClient):
    async def authorize(self, token: str, kind: str, scope_id: str | None, permission: str | None) -> Decision:
        params: dict[str, Any] = {"permission": permission}
        if kind in ("client", "agency"):
            params[f"{kind}_id"] = scope_id
        response = await self.call("GET", "/authorize", params=params, headers=as_person(token))
        if response.status_code == 401:
            raise Unauthenticated()
        if response.status_code not in (200, 403, 404):
            raise Refused(response.status_code, *reason_of(response))
        body = response.json()
        return Decision(Outcome(response.status_code), body["person_id"],
                        datetime.fromisoformat(body["session_expires_at"]))

    async def request_code(self, identifier: str, address: str | None) -> dict:
        headers = {"X-Forwarded-For": address} if address else None
        return (await self.json("POST", "/auth/otp", json={"identifier": identifier}, headers=headers))[1]

    async def verify_code(self, identifier: str, login_attempt_id: str, code: str) -> dict:
        return (await self.json("POST", "/auth/otp/verify", json={
            "identifier": identifier, "login_attempt_id": login_attempt_id, "code": code}))[1]

    async def logout(self, token: str) -> None:
        response = await self.call("POST", "/auth/logout", headers=as_person(token))
        if response.status_code not in (204, 401):  # 401: already over, which is what was asked
            raise Refused(response.status_code, *reason_of(response))

    async def me(self, token: str) -> dict:
        return await self.as_person(token, "GET", "/me")

    async def as_person(self, token: str, method: str, path: str, **kwargs) -> Any:
        """A call made on the person's behalf: identity checks their session and rights again."""
        response = await self.call(method, path, headers=as_person(token), **kwargs)
        if response.status_code == 401:
            raise Unauthenticated()
        if response.status_code >= 400:
            raise Refused(response.status_code, *reason_of(response))
        return response.json() if response.content else None
