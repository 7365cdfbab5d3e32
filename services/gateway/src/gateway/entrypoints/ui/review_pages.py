"""A client's reviews (services/reputation, ADR 0019): its review sources and whether each is
connected or waits for the owner to connect it again, its latest reviews, and the replies the
AI drafted, which a person approves (maybe edited) or rejects; nothing is posted without that.

Connecting Google sends the person to Google's consent from here and brings them back to
/oauth/google/callback, which reputation accepts only for the person who started the consent
(`requested_by`): a consent link forwarded to someone else, or a forged one, connects nothing."""
from __future__ import annotations

import asyncio
import re
import uuid
from typing import Annotated

from fastapi import Form, Query, Request

from gateway.adapters.services import Refused
from gateway.domain.rules import OnClient, SignedIn
from gateway.entrypoints.admission import Caller
from gateway.entrypoints.dependencies import CallerDep, Cursor, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.client_context import client_context
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
READ = OnClient(Permission.LEADS_READ)
DECIDE = OnClient(Permission.CLIENT_UPDATE)
# Google Business Profile's name of a location, as reputation takes it.
LOCATION = r"^accounts/[0-9]{1,30}/locations/[0-9]{1,30}$"
OUTCOMES = {"connected": "Google is connected: its reviews are read within the next few minutes.",
            "approved": "Approved: the reply is being posted.", "rejected": "Rejected: nothing is posted."}


@table.get("/clients/{client_id}/reviews", rule=READ)
async def reviews_page(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                       cursor: Cursor = None, drafts_cursor: Cursor = None, outcome: str | None = None):
    return await _page(request, gw, caller, client_id, cursor=cursor, drafts_cursor=drafts_cursor,
                       outcome=OUTCOMES.get(outcome or ""))


@table.post("/clients/{client_id}/reviews/google", rule=DECIDE)
async def connect_google(request: Request, client_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                         location: Annotated[str, Form(max_length=100)]):
    """The consent started: a link on to Google (a redirect would break the CSP's form-action
    'self'), which comes back to /oauth/google/callback."""
    if not _is_location(location.strip()):
        return await _page(request, gw, caller, client_id, status=400,
                           error="Google was not connected: the location must read accounts/<number>/locations/<number>.")
    _, consent = await gw.reputation.json("POST", f"/clients/{client_id}/google/consent",
                                          json={"location": location.strip(), "requested_by": caller.person_id})
    return await _page(request, gw, caller, client_id, consent_url=consent["url"])


@table.get("/oauth/google/callback", rule=SignedIn())
async def google_callback(request: Request, gw: GatewayDep, caller: CallerDep,
                          state: Annotated[str, Query(pattern=r"^[A-Za-z0-9_-]{1,200}$")],
                          code: Annotated[str | None, Query(pattern=r"^[\x21-\x7e]{1,2000}$")] = None,
                          error: Annotated[str | None, Query(pattern=r"^[a-z_]{1,100}$")] = None):
    """Back from Google: reputation checks the state and that the caller is who started it."""
    params = {"state": state, "code": code, "error": error, "requested_by": caller.person_id}
    try:
        _, connected = await gw.reputation.json("GET", "/oauth/google/callback", params=params)
    except Refused as refused:
        if refused.status != 400:
            raise
        return render(request, "error.html", status=400,
                      reason=f"Google was not connected: {refused.reason}; start again from the client's Reviews page")
    return see_other(f"/clients/{connected['client_id']}/reviews?outcome=connected")


@table.post("/clients/{client_id}/reply-drafts/{draft_id}/approve", rule=DECIDE)
async def approve(request: Request, client_id: uuid.UUID, draft_id: uuid.UUID, gw: GatewayDep, caller: CallerDep,
                  text: Annotated[str, Form(max_length=4000)]):
    if not text.strip():
        return await _page(request, gw, caller, client_id, status=400,
                           error="The reply was not approved: its text is empty.")
    return await _decide(request, gw, caller, client_id, draft_id, "approve", text.strip())


@table.post("/clients/{client_id}/reply-drafts/{draft_id}/reject", rule=DECIDE)
async def reject(request: Request, client_id: uuid.UUID, draft_id: uuid.UUID, gw: GatewayDep, caller: CallerDep):
    return await _decide(request, gw, caller, client_id, draft_id, "reject", None)


async def _decide(request: Request, gw: Gateway, caller: Caller, client_id: uuid.UUID, draft_id: uuid.UUID, verb: str,
                  text: str | None):
    body = {"person_id": caller.person_id} | ({"text": text} if text is not None else {})
    try:
        await gw.reputation.json("POST", f"/clients/{client_id}/reply-drafts/{draft_id}/{verb}", json=body)
    except Refused as refused:
        if refused.status not in (404, 409):
            raise
        return await _page(request, gw, caller, client_id, status=refused.status,
                           error=f"Nothing was done: {refused.reason}.")
    return see_other(f"/clients/{client_id}/reviews?outcome={verb}d")


def _is_location(value: str) -> bool:
    return re.fullmatch(LOCATION, value) is not None


async def _page(request: Request, gw: Gateway, caller: Caller, client_id: uuid.UUID, status: int = 200, cursor: str | None = None,
                drafts_cursor: str | None = None, **context):
    here, (_, sources), (_, reviews), (_, drafts) = await asyncio.gather(
        client_context(gw, caller, client_id), gw.reputation.json("GET", f"/clients/{client_id}/connections"),
        gw.reputation.json("GET", f"/clients/{client_id}/reviews", params={"limit": 50, "cursor": cursor}),
        gw.reputation.json("GET", f"/clients/{client_id}/reply-drafts",
                           params={"limit": 50, "cursor": drafts_cursor}))
    return render(request, "reviews.html", status=status, here=here, client=here.client, sources=sources["data"],
                  reviews=reviews, drafts=drafts, **context)
