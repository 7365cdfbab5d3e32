"""Calls to the services behind the gateway, each with that service's internal credential
(revgen_common.internal_api). A service's refusal (4xx) comes back as `Refused` with its
status and reason, to be passed on; a service that is down, slow or failing (5xx) is
`Unavailable`, which the gateway answers 503 with Retry-After, never 500."""
from __future__ import annotations

from typing import Any

import httpx

from revgen_common.internal_api import internal_headers


class Refused(Exception):
    def __init__(self, status: int, reason: str, body: dict | None = None):
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.body = body or {}


class Unavailable(Exception):
    def __init__(self, service: str, detail: str):
        super().__init__(f"{service} is unavailable: {detail}")
        self.service = service


def reason_of(response: httpx.Response) -> tuple[str, dict]:
    try:
        body = response.json()
    except ValueError:
        return response.text[:300] or response.reason_phrase, {}
    if not isinstance(body, dict):
        return str(body)[:300], {}
    detail = body.get("error") or body.get("detail")
    if isinstance(detail, list):  # FastAPI's validation errors: name the fields
        detail = "; ".join(f"{'.'.join(map(str, d.get('loc', [])))}: {d.get('msg')}" for d in detail
                           if isinstance(d, dict))
    return str(detail or response.reason_phrase), body


class ServiceClient:
    def __init__(self, name: str, base_url: str, token: str, timeout: float,
                 transport: httpx.AsyncBaseTransport | None = None):
        self.name = name
        self.http = httpx.AsyncClient(base_url=base_url.rstrip("/"), headers=internal_headers(token),
                                      timeout=timeout, transport=transport)
        self.calls = 0  # the authorization matrix checks that a refused request reached no service

    async def call(self, method: str, path: str, *, json: Any = None, params: dict | None = None,
                   headers: dict | None = None) -> httpx.Response:
        """The service's answer when it is 2xx-4xx; Unavailable otherwise."""
        self.calls += 1
        try:
            response = await self.http.request(method, path, json=json, headers=headers,
                                               params={k: v for k, v in (params or {}).items() if v is not None})
        except httpx.HTTPError as error:
            raise Unavailable(self.name, type(error).__name__) from error
        if response.status_code >= 500:
            raise Unavailable(self.name, f"answered {response.status_code}")
        return response

    async def json(self, method: str, path: str, **kwargs) -> tuple[int, Any]:
        """(status, body) of a 2xx answer; Refused for a 4xx."""
        response = await self.call(method, path, **kwargs)
        if response.status_code >= 400:
            reason, body = reason_of(response)
            raise Refused(response.status_code, reason, body)
        return response.status_code, (response.json() if response.content else None)

    async def aclose(self) -> None:
        await self.http.aclose()
