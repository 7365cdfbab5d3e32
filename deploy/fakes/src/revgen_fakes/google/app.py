"""The Google fake's HTTP surface and state."""
from __future__ import annotations

import secrets
from dataclasses import dataclass, field
from urllib.parse import urlencode

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, RedirectResponse

from revgen_fakes.request_log import RecordingFaultInjector, RecordRequests, RequestLog
from revgen_fakes.sliding_limit import SlidingLimit

ACCESS_LIFETIME = 3599
_STATUS = {400: "INVALID_ARGUMENT", 401: "UNAUTHENTICATED", 404: "NOT_FOUND", 429: "RESOURCE_EXHAUSTED",
           500: "INTERNAL", 502: "UNAVAILABLE", 503: "UNAVAILABLE"}


@dataclass
class GoogleState:
    client_id: str = "revgen-test.apps.googleusercontent.com"
    client_secret: str = "google-test-secret"
    codes: dict[str, str] = field(default_factory=dict)  # one-time code -> the refresh token it buys
    refresh_tokens: set[str] = field(default_factory=set)  # valid (not revoked)
    access_tokens: set[str] = field(default_factory=set)
    reviews: dict[str, list[dict]] = field(default_factory=dict)  # location name -> reviews, newest first
    replies: dict[str, str] = field(default_factory=dict)  # review name -> the reply's comment
    per_location: SlidingLimit = field(default_factory=SlidingLimit)
    per_project: SlidingLimit = field(default_factory=SlidingLimit)
    retry_after: int = 1  # seconds a quota refusal asks for
    requests: RequestLog = field(default_factory=RequestLog)

    def grant(self) -> str:
        """A consent's code, as if the owner said yes."""
        code = "4/" + secrets.token_urlsafe(24)
        self.codes[code] = "1//" + secrets.token_urlsafe(32)
        return code

    def revoke(self, refresh_token: str) -> None:
        """The owner removed RevGen's access (or the token expired): refreshes get invalid_grant."""
        self.refresh_tokens.discard(refresh_token)

    def revoke_all(self) -> None:
        self.refresh_tokens.clear()
        self.access_tokens.clear()

    def add_review(self, location: str, review_id: str, stars: int, comment: str, author: str,
                   create_time: str) -> dict:
        review = {"name": f"{location}/reviews/{review_id}", "reviewId": review_id,
                  "reviewer": {"displayName": author}, "starRating": ["ONE", "TWO", "THREE", "FOUR", "FIVE"][stars - 1],
                  "comment": comment, "createTime": create_time, "updateTime": create_time}
        self.reviews.setdefault(location, []).insert(0, review)
        return review


def _oauth_error(error: str, description: str, status: int = 400) -> JSONResponse:
    return JSONResponse({"error": error, "error_description": description}, status_code=status)


def _api_error(status: int, message: str, headers: dict | None = None) -> JSONResponse:
    return JSONResponse({"error": {"code": status, "message": message, "status": _STATUS.get(status, "UNKNOWN")}},
                        status_code=status, headers=headers)


def error_body(status: int) -> tuple[dict, dict]:
    if status == 429:
        return {"error": {"code": 429, "message": "Quota exceeded.", "status": "RESOURCE_EXHAUSTED"}}, {}
    return {"error": {"code": status, "message": "The service is currently unavailable.",
                      "status": _STATUS.get(status, "UNAVAILABLE")}}, {}


def create_app(state: GoogleState | None = None) -> FastAPI:
    state = state or GoogleState()
    app = FastAPI(title="Google fake")
    app.state.fake = state
    app.add_middleware(RecordRequests, log=state.requests)

    @app.get("/o/oauth2/v2/auth")
    async def consent(request: Request):
        query = request.query_params
        if query.get("client_id") != state.client_id:
            return _oauth_error("invalid_client", "The OAuth client was not found.", 401)
        back = {"code": state.grant(), "state": query.get("state", ""), "scope": query.get("scope", "")}
        return RedirectResponse(f"{query.get('redirect_uri')}?{urlencode(back)}", status_code=302)

    @app.post("/token")
    async def token(request: Request):
        form = await request.form()
        if form.get("client_id") != state.client_id or form.get("client_secret") != state.client_secret:
            return _oauth_error("invalid_client", "The OAuth client was not found.", 401)
        grant_type = form.get("grant_type")
        if grant_type == "authorization_code":
            refresh = state.codes.pop(str(form.get("code")), None)
            if refresh is None:
                return _oauth_error("invalid_grant", "Malformed auth code.")
            state.refresh_tokens.add(refresh)
            return _tokens(state, refresh_token=refresh)
        if grant_type == "refresh_token":
            if form.get("refresh_token") not in state.refresh_tokens:
                return _oauth_error("invalid_grant", "Token has been expired or revoked.")
            return _tokens(state)
        return _oauth_error("unsupported_grant_type", f"Invalid grant_type: {grant_type}")

    @app.get("/v4/accounts/{account}/locations/{location}/reviews")
    async def reviews(account: str, location: str, request: Request):
        name = f"accounts/{account}/locations/{location}"
        refused = _refusal(state, request, name)
        if refused is not None:
            return refused
        size = min(int(request.query_params.get("pageSize", 50)), 50)
        start = int(request.query_params.get("pageToken") or 0)
        everything = state.reviews.get(name, [])
        page = everything[start:start + size]
        body: dict = {"reviews": page, "totalReviewCount": len(everything)}
        if start + size < len(everything):
            body["nextPageToken"] = str(start + size)
        return body

    @app.put("/v4/accounts/{account}/locations/{location}/reviews/{review}/reply")
    async def reply(account: str, location: str, review: str, request: Request):
        name = f"accounts/{account}/locations/{location}"
        refused = _refusal(state, request, name)
        if refused is not None:
            return refused
        found = next((r for r in state.reviews.get(name, []) if r["reviewId"] == review), None)
        if found is None:
            return _api_error(404, "Requested entity was not found.")
        comment = (await request.json()).get("comment")
        if not isinstance(comment, str) or not comment:
            return _api_error(400, "Request contains an invalid argument.")
        state.replies[found["name"]] = comment
        found["reviewReply"] = {"comment": comment, "updateTime": found["updateTime"]}
        return found["reviewReply"]

    @app.post("/_fake/reviews")
    async def add_review(request: Request):
        """A review appears on a location (for a local run: curl it)."""
        raw = await request.json()
        return state.add_review(raw["location"], raw["review_id"], int(raw["stars"]), raw.get("comment", ""),
                                raw.get("author", "A customer"), raw["create_time"])

    return app


def _tokens(state: GoogleState, refresh_token: str | None = None) -> dict:
    access = "ya29." + secrets.token_urlsafe(32)
    state.access_tokens.add(access)
    body = {"access_token": access, "expires_in": ACCESS_LIFETIME, "token_type": "Bearer",
            "scope": "https://www.googleapis.com/auth/business.manage"}
    return {**body, "refresh_token": refresh_token} if refresh_token else body


def _refusal(state: GoogleState, request: Request, location: str) -> JSONResponse | None:
    bearer = request.headers.get("authorization", "").removeprefix("Bearer ")
    if bearer not in state.access_tokens:
        return _api_error(401, "Request had invalid authentication credentials.")
    if not state.per_project.allows("project") or not state.per_location.allows(location):
        return _api_error(429, "Quota exceeded for quota metric 'Requests' of service 'mybusiness.googleapis.com'.",
                          {"retry-after": str(state.retry_after)})
    return None


def faulty_app(state: GoogleState | None = None) -> RecordingFaultInjector:
    state = state or GoogleState()
    return RecordingFaultInjector(create_app(state), error_body, state.requests)
