"""The Facebook Graph fake's HTTP surface and state."""
from __future__ import annotations

import base64
import itertools
from dataclasses import dataclass, field

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse

from revgen_fakes.request_log import RecordingFaultInjector, RecordRequests, RequestLog
from revgen_fakes.sliding_limit import SlidingLimit

_ids = itertools.count(10_000_000)


@dataclass
class FacebookState:
    page_tokens: dict[str, str] = field(default_factory=dict)  # page id -> its valid access token
    ratings: dict[str, list[dict]] = field(default_factory=dict)  # page id -> ratings, newest first
    comments: dict[str, list[dict]] = field(default_factory=dict)  # story id -> comments
    per_page: SlidingLimit = field(default_factory=SlidingLimit)
    requests: RequestLog = field(default_factory=RequestLog)

    def add_rating(self, page_id: str, recommendation: str, text: str, author: str, created_time: str,
                   rating: int | None = None) -> dict:
        story = f"{page_id}_{next(_ids)}"
        raw: dict[str, object] = {"created_time": created_time, "recommendation_type": recommendation, "review_text": text,
               "reviewer": {"id": str(next(_ids)), "name": author}, "open_graph_story": {"id": story}}
        if rating is not None:
            raw["rating"] = rating
        self.ratings.setdefault(page_id, []).insert(0, raw)
        return raw


def _graph_error(message: str, code: int, type_: str = "OAuthException", status: int = 400) -> JSONResponse:
    return JSONResponse({"error": {"message": message, "type": type_, "code": code, "fbtrace_id": "AbCdEf"}},
                        status_code=status)


def error_body(status: int) -> tuple[dict, dict]:
    return {"error": {"message": "An unexpected error has occurred. Please retry your request later.",
                      "type": "OAuthException", "code": 2, "is_transient": True}}, {}


def _cursor(offset: int) -> str:
    return base64.urlsafe_b64encode(str(offset).encode()).decode()


def _offset(cursor: str | None) -> int:
    try:
        return int(base64.urlsafe_b64decode(cursor.encode()).decode()) if cursor else 0
    except ValueError:
        return 0


def create_app(state: FacebookState | None = None) -> FastAPI:
    state = state or FacebookState()
    app = FastAPI(title="Facebook Graph fake")
    app.state.fake = state
    app.add_middleware(RecordRequests, log=state.requests)

    def token_of(request: Request) -> str:
        return request.headers.get("authorization", "").removeprefix("Bearer ") \
            or request.query_params.get("access_token", "")

    def refusal(request: Request, page_id: str) -> JSONResponse | None:
        if page_id not in state.page_tokens or token_of(request) != state.page_tokens[page_id]:
            return _graph_error("Error validating access token: The session has been invalidated.", 190)
        if not state.per_page.allows(page_id):
            return _graph_error("(#32) Page request limit reached", 32)
        return None

    @app.get("/{version}/{page_id}/ratings")
    async def ratings(version: str, page_id: str, request: Request):
        refused = refusal(request, page_id)
        if refused is not None:
            return refused
        limit = min(int(request.query_params.get("limit", 25)), 100)
        start = _offset(request.query_params.get("after"))
        everything = state.ratings.get(page_id, [])
        data = everything[start:start + limit]
        body: dict = {"data": data}
        if data:
            body["paging"] = {"cursors": {"before": _cursor(start), "after": _cursor(start + len(data))}}
            if start + limit < len(everything):
                body["paging"]["next"] = f"{request.url}&after={_cursor(start + len(data))}"
        return body

    @app.api_route("/{version}/{story_id}/comments", methods=["GET", "POST"])
    async def comments(version: str, story_id: str, request: Request):
        page_id = story_id.partition("_")[0]
        refused = refusal(request, page_id)
        if refused is not None:
            return refused
        if request.method == "GET":
            return {"data": state.comments.get(story_id, [])}
        message = (await request.form()).get("message")
        if not message:
            return _graph_error("(#100) The parameter message is required", 100, "GraphMethodException")
        comment = {"id": f"{story_id}_{next(_ids)}", "from": {"id": page_id}, "message": str(message)}
        state.comments.setdefault(story_id, []).append(comment)
        return {"id": comment["id"]}

    @app.post("/_fake/ratings")
    async def add_rating(request: Request):
        """A rating appears on a page (for a local run: curl it); the page's token is set with it."""
        raw = await request.json()
        state.page_tokens[raw["page_id"]] = raw["page_access_token"]
        return state.add_rating(raw["page_id"], raw.get("recommendation", "positive"), raw.get("text", ""),
                                raw.get("author", "A customer"), raw["created_time"], raw.get("rating"))

    return app


def faulty_app(state: FacebookState | None = None) -> RecordingFaultInjector:
    state = state or FacebookState()
    return RecordingFaultInjector(create_app(state), error_body, state.requests)
