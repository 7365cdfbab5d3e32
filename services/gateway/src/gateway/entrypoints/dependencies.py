"""What routes take besides their own input: the composition root's parts and the caller the
door admitted (entrypoints/admission.py), and the list contract (revgen_common.pagination)."""
from __future__ import annotations

from typing import Annotated, Any

from fastapi import Depends, Query, Request

from gateway.entrypoints.admission import Caller
from revgen_common.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT


async def _gateway(request: Request) -> Any:
    return request.app.state.gateway


async def _caller(request: Request) -> Caller:
    return request.state.caller


# bootstrap.Gateway. Any: importing it under TYPE_CHECKING (as billing does) makes mypy find 35
# calls passing `Caller.token: str | None` where a str is due; a signed-in caller's type would end that.
GatewayDep = Annotated[Any, Depends(_gateway)]
CallerDep = Annotated[Caller, Depends(_caller)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS, description="the `next` of the previous page")]
Search = Annotated[str | None, Query(min_length=1, max_length=200, description="part of the name, any case")]
DEFAULT_PAGE = DEFAULT_LIMIT
