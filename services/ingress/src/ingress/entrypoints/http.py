"""The webhook endpoints providers are configured with, plus health and metrics."""
from __future__ import annotations

import asyncio
import time
from typing import Annotated
from urllib.parse import parse_qsl

from fastapi import APIRouter, Depends, Header, Request
from fastapi.responses import JSONResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from ingress import metrics
from ingress.domain.form_webhooks import verify_form
from ingress.domain.stripe_webhooks import verify_stripe
from ingress.domain.twilio_webhooks import MultiValues, call_status, inbound_message, message_status, verify_twilio
from ingress.domain.webhooks import Malformed, Rejected, VerifiedWebhook
from ingress.entrypoints.body import read_body
from ingress.service_layer.gateway import Gateway, Outcome
from ingress.settings import IngressSettings

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'
RETRY_AFTER_SECONDS = "5"

router = APIRouter()

# Dependencies are `async def`: a plain `def` would send every request through FastAPI's
# thread pool twice.


async def gateway(request: Request) -> Gateway:
    return request.app.state.gateway


async def settings(request: Request) -> IngressSettings:
    return request.app.state.settings


GatewayDep = Annotated[Gateway, Depends(gateway)]
SettingsDep = Annotated[IngressSettings, Depends(settings)]


def unavailable() -> Response:
    return JSONResponse({"error": "temporarily unavailable, retry later"}, status_code=503,
                        headers={"Retry-After": RETRY_AFTER_SECONDS})


async def answer(gateway: Gateway, webhook: VerifiedWebhook, accepted: Response) -> Response:
    if await gateway.accept(webhook) is Outcome.UNAVAILABLE:
        return unavailable()
    return accepted


@router.post("/webhooks/stripe")
async def stripe_webhook(request: Request, gateway: GatewayDep, settings: SettingsDep,
                         stripe_signature: Annotated[str | None, Header()] = None) -> Response:
    """Stripe events, verified against STRIPE_WEBHOOK_SECRET."""
    body = await read_body(request)
    webhook = verify_stripe(body, stripe_signature, settings.stripe_webhook_secret.get_secret_value(), time.time())
    return await answer(gateway, webhook, JSONResponse({"received": True}))


async def _twilio(request: Request, settings: IngressSettings, signature: str | None) -> MultiValues:
    body = await read_body(request)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as error:
        raise Malformed("malformed_body", f"body is not form data: {error}") from None
    url = str(settings.public_base_url).rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    params = MultiValues(pairs)
    verify_twilio(url, params, signature, settings.twilio_auth_token.get_secret_value())
    return params


def twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")


TwilioSignature = Annotated[str | None, Header(alias="X-Twilio-Signature")]


@router.post("/webhooks/twilio/sms")
async def twilio_sms(request: Request, gateway: GatewayDep, settings: SettingsDep,
                     signature: TwilioSignature = None) -> Response:
    """An inbound SMS."""
    params = await _twilio(request, settings, signature)
    return await answer(gateway, inbound_message(params), twiml())


@router.post("/webhooks/twilio/voice")
async def twilio_voice(request: Request, gateway: GatewayDep, settings: SettingsDep,
                       signature: TwilioSignature = None) -> Response:
    """A call status callback (messaging decides which ones are missed calls)."""
    params = await _twilio(request, settings, signature)
    return await answer(gateway, call_status(params), twiml())


@router.post("/webhooks/twilio/status")
async def twilio_status(request: Request, gateway: GatewayDep, settings: SettingsDep,
                        signature: TwilioSignature = None) -> Response:
    """An outbound message's status callback."""
    params = await _twilio(request, settings, signature)
    return await answer(gateway, message_status(params), twiml())


@router.post("/webhooks/forms/{client_id}")
async def form_submission(client_id: str, request: Request, gateway: GatewayDep, settings: SettingsDep,
                          x_revgen_timestamp: Annotated[str | None, Header()] = None,
                          x_revgen_signature: Annotated[str | None, Header()] = None,
                          idempotency_key: Annotated[str | None, Header()] = None) -> Response:
    """A client's web form submission, signed with that client's form secret."""
    body = await read_body(request)
    webhook = verify_form(client_id, body, x_revgen_timestamp, x_revgen_signature, idempotency_key,
                          settings.form_webhook_secret.get_secret_value(), time.time())
    return await answer(gateway, webhook, JSONResponse({"event_id": str(webhook.event_id)}, status_code=202))


@router.get("/healthz")
async def healthz() -> dict:
    """The process is alive."""
    return {"status": "ok"}


@router.get("/readyz")
async def readyz(gateway: GatewayDep) -> Response:
    """Kafka and the dedup ledger are reachable."""
    try:
        async with asyncio.timeout(2):
            await gateway.ledger.ping()
            await gateway.publisher.ping()
    except Exception as error:  # any failure means: not ready
        return JSONResponse({"status": "unavailable", "error": repr(error)}, status_code=503)
    return JSONResponse({"status": "ready"})


async def rejected(request: Request, error: Rejected) -> Response:
    metrics.REJECTED.labels(error.reason).inc()
    return JSONResponse({"error": error.detail}, status_code=error.status)


UNLIMITED_PATHS = {"/healthz", "/readyz"}


class InFlightLimit:
    """Beyond `limit` concurrent requests, answer 503 at once instead of queueing into
    timeouts (Twilio gives up after 15 s)."""

    def __init__(self, app: ASGIApp, limit: int):
        self.app = app
        self.limit = limit
        self.in_flight = 0

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["path"] in UNLIMITED_PATHS or scope["path"].startswith("/metrics"):
            return await self.app(scope, receive, send)  # probes must answer under load
        if self.in_flight >= self.limit:
            metrics.REJECTED.labels("overloaded").inc()
            return await unavailable()(scope, receive, send)
        self.in_flight += 1
        metrics.IN_FLIGHT.inc()
        try:
            await self.app(scope, receive, send)
        finally:
            self.in_flight -= 1
            metrics.IN_FLIGHT.dec()
