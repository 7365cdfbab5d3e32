"""The HTTP face of the fake: authentication, form decoding, idempotency, request ids and
expansion around the synchronous endpoint functions, plus /_fake/ controls for tests
that run in other processes."""
from __future__ import annotations

import asyncio
import copy
import json

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from revgen_fakes.faults import FaultInjector
from revgen_fakes.stripe import params as p
from revgen_fakes.stripe.errors import StripeError, fault_error_body
from revgen_fakes.stripe.forms import decode_form
from revgen_fakes.stripe.idempotency import fingerprint
from revgen_fakes.stripe.routes import resolve
from revgen_fakes.stripe.state import CONTROLS, StripeState
from revgen_fakes.stripe.store import RequestRecord


def create_app(state: StripeState | None = None) -> FastAPI:
    state = state or StripeState()
    app = FastAPI(title="Fake Stripe", openapi_url=None, docs_url=None, redoc_url=None)
    app.state.fake = state
    _add_controls(app, state)

    @app.api_route("/{path:path}", methods=["GET", "POST", "DELETE"])
    async def api(request: Request) -> Response:
        request_id = "req_" + state.token(14)
        try:
            response = await _handle(state, request, request_id)
        except StripeError as error:
            response = JSONResponse(error.body(), error.status)
        response.headers["Request-Id"] = request_id
        return response

    return app


def faulty_app(state: StripeState | None = None) -> FaultInjector:
    """create_app wrapped in a FaultInjector that fails the way Stripe does."""
    fake = create_app(state)

    def error_body(status: int) -> tuple[dict, dict]:
        return fault_error_body(status), {"Request-Id": "req_" + fake.state.fake.token(14)}

    return FaultInjector(fake, error_body)


def _api_key(request: Request) -> str:
    header = request.headers.get("authorization", "")
    if not header:
        raise StripeError(401, "You did not provide an API key. You need to provide your API key in the "
                               "Authorization header, using Bearer auth (e.g. 'Authorization: Bearer "
                               "YOUR_SECRET_KEY').")
    scheme, _, key = header.partition(" ")
    if scheme.lower() != "bearer" or not key.startswith(("sk_", "rk_")) or len(key) < 8:
        raise StripeError(401, f"Invalid API Key provided: {key[:8]}{'*' * max(len(key) - 12, 0)}{key[-4:]}")
    return key


async def _handle(state: StripeState, request: Request, request_id: str) -> Response:
    api_key = _api_key(request)
    method, path = request.method, request.url.path
    encoded = (await request.body()).decode() if method == "POST" else request.url.query
    try:
        params = decode_form(encoded)
    except ValueError as error:
        raise StripeError(400, f"Invalid request: {error}") from None
    key = request.headers.get("idempotency-key") if method == "POST" else None
    replayed = False
    try:
        handler, ids = resolve(method, path)
        if key is None:
            return _execute(state, handler, params, ids, request_id, key)[1]
        saved = state.idempotency.begin(api_key, key, fingerprint(method, path, params))
        if saved is not None:
            replayed = True
            assert saved.status is not None  # begin() replays finished responses only
            return Response(saved.body, saved.status, media_type="application/json",
                            headers={"Idempotent-Replayed": "true", "Original-Request": saved.request_id})
        if state.latency_seconds:
            await asyncio.sleep(state.latency_seconds)
        try:
            status, response = _execute(state, handler, params, ids, request_id, key)
        except StripeError as error:
            if error.type == "invalid_request_error":  # refused before executing: Stripe saves nothing
                state.idempotency.forget(api_key, key)
            else:
                state.idempotency.finish(api_key, key, error.status, json.dumps(error.body()).encode(), request_id)
            raise
        state.idempotency.finish(api_key, key, status, response.body, request_id)
        return response
    finally:
        state.requests.append(RequestRecord(method, path, key, params, replayed))


def _execute(state: StripeState, handler, params: dict, ids: dict, request_id: str, key: str | None):
    """Runs one endpoint without awaiting anything: its changes commit as a whole."""
    expand = p.list_param(params, "expand")
    state.request_context = {"id": request_id, "idempotency_key": key}
    try:
        body = handler(state, {k: v for k, v in params.items() if k != "expand"}, **ids)
    finally:
        state.request_context = {"id": None, "idempotency_key": None}
    body = copy.deepcopy(body)  # the response must not change when the object does
    for field_path in expand:
        _expand(state, body, field_path.split("."))
    return 200, JSONResponse(body)


def _expand(state: StripeState, node, parts: list[str]) -> None:
    """Replaces an id with its object, e.g. `latest_invoice` or `data.customer`."""
    if not parts or not isinstance(node, dict):
        return
    head, rest = parts[0], parts[1:]
    if head == "data" and node.get("object") in ("list", "search_result"):
        for item in node["data"]:
            _expand(state, item, rest)
        return
    value = node.get(head)
    if isinstance(value, str) and (found := state.find(value)) is not None:
        node[head] = value = copy.deepcopy(found)
    _expand(state, value, rest)


def _add_controls(app: FastAPI, state: StripeState) -> None:
    @app.get("/_fake/state")
    async def counts() -> dict:
        return state.counts()

    @app.get("/_fake/events")
    async def events() -> list[dict]:
        """Oldest first, each marked with whether subscribers got it."""
        undelivered = {event["id"] for event in state.undelivered}
        return [{**event, "delivered": event["id"] not in undelivered} for event in state.events]

    @app.post("/_fake/expire-idempotency-keys")
    async def expire() -> dict:
        state.expire_idempotency_keys()
        return {}

    @app.post("/_fake/control/{name}")
    async def control(name: str, request: Request) -> Response:
        if name not in CONTROLS:
            return JSONResponse({"error": {"message": f"no control named {name}"}}, 404)
        kwargs = await request.json() if await request.body() else {}
        try:
            result = getattr(state, name)(**kwargs)
        except StripeError as error:
            return JSONResponse(error.body(), error.status)
        except (ValueError, TypeError) as error:
            return JSONResponse({"error": {"type": "invalid_request_error", "message": str(error)}}, 400)
        return JSONResponse(result)
