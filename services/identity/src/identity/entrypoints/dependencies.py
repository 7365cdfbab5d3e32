"""What identity's routes take besides their input: the service's objects, the signed-in
person (a bearer session), the caller's address, and the input types the routes share.
Only the providers here read `app.state` (tests/unit/test_typed_dependencies.py)."""
from __future__ import annotations

import uuid
from typing import Annotated

from fastapi import Depends, Header, Query, Request

from identity.service_layer.login import Login
from identity.service_layer.tenants import Tenants
from identity.settings import IdentitySettings
from revgen_common.api_errors import documented
from revgen_common.api_input import Line
from revgen_common.client_address import client_address
from revgen_common.pagination import MAX_LIMIT

SIGNED_IN = documented(401)
ON_A_CLIENT = documented(401, 403, 404)


async def login(request: Request) -> Login:
    return request.app.state.login


async def tenants(request: Request) -> Tenants:
    return request.app.state.tenants


async def settings(request: Request) -> IdentitySettings:
    return request.app.state.settings


async def client_ip(request: Request, settings: Annotated[IdentitySettings, Depends(settings)]) -> str | None:
    """The caller's address, read through the proxies TRUSTED_PROXIES names."""
    return client_address(request, settings.trusted_proxies)


LoginDep = Annotated[Login, Depends(login)]
TenantsDep = Annotated[Tenants, Depends(tenants)]
ClientIp = Annotated[str | None, Depends(client_ip)]


async def current_person(request: Request, login: LoginDep,
                         authorization: Annotated[str | None, Header()] = None) -> uuid.UUID:
    scheme, _, token = (authorization or "").partition(" ")
    session = await login.authenticate(token) if scheme.lower() == "bearer" and token else None
    if session is None:
        raise Unauthenticated()
    request.state.token = token
    request.state.session = session
    return session.person_id


PersonDep = Annotated[uuid.UUID, Depends(current_person)]


class Unauthenticated(Exception):
    pass


Identifier = Annotated[str, Line(320)]
Name = Annotated[str, Line(200)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT)]
Cursor = Annotated[str | None, Query(max_length=512)]
