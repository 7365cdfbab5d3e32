"""What routes take besides their own input: the composition root's parts and the caller the
door admitted (entrypoints/admission.py), and the list contract (revgen_common.pagination)."""
from __future__ import annotations

from typing import TYPE_CHECKING, Annotated

from fastapi import Depends, Query, Request

from gateway.entrypoints.admission import Caller, Visitor
from revgen_common.pagination import DEFAULT_LIMIT, MAX_CURSOR_CHARS, MAX_LIMIT

if TYPE_CHECKING:  # bootstrap imports the routes, which import this module: no import back at run time
    from gateway.bootstrap import Gateway
else:
    Gateway = object  # for annotations (never evaluated: every module has `from __future__ import annotations`)


async def gateway(request: Request) -> Gateway:
    return request.app.state.gateway


async def visitor(request: Request) -> Visitor:
    """Whoever the door let in: on an open route (Public, ClaimLink) all that is known."""
    caller = getattr(request.state, "caller", None)
    if not isinstance(caller, Visitor):
        raise RuntimeError("no caller: the route was declared without the route table's door")
    return caller


async def signed_in(request: Request) -> Caller:
    """The person every session rule admits; the route table refuses it on an open route."""
    caller = getattr(request.state, "caller", None)
    if not isinstance(caller, Caller):
        raise RuntimeError("a route that takes CallerDep must have a rule that asks for a session")
    return caller


GatewayDep = Annotated[Gateway, Depends(gateway)]
CallerDep = Annotated[Caller, Depends(signed_in)]
VisitorDep = Annotated[Visitor, Depends(visitor)]
Limit = Annotated[int, Query(ge=1, le=MAX_LIMIT, description="items per page")]
Cursor = Annotated[str | None, Query(max_length=MAX_CURSOR_CHARS, description="the `next` of the previous page")]
Search = Annotated[str | None, Query(min_length=1, max_length=200, description="part of the name, any case")]
DEFAULT_PAGE = DEFAULT_LIMIT
