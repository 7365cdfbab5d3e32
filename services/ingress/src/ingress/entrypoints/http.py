"""The webhook endpoints providers are configured with, plus health (metrics: bootstrap.py).

Plain Starlette endpoints: FastAPI's dependency solving, validation and extra middleware
cost about a tenth of a webhook's CPU (py-spy), and these routes need none of it: headers
are read by hand, bodies are verified bytes, not models. What the composition root made is
read through the accessors below (gateway, settings, resend_verifier) and nowhere else.
"""
from __future__ import annotations

import asyncio
from urllib.parse import parse_qsl

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route
from svix.webhooks import Webhook

from ingress import metrics
from ingress.domain.form_webhooks import verify_form
from ingress.domain.resend_webhooks import verify_resend
from ingress.domain.stripe_webhooks import verify_stripe
from ingress.domain.twilio_webhooks import MultiValues, call_status, inbound_message, message_status, verify_twilio
from ingress.domain.webhooks import Malformed, Rejected, VerifiedWebhook
from ingress.entrypoints.body import read_body
from ingress.entrypoints.overload import RETRY_AFTER_SECONDS, UNAVAILABLE_BODY
from ingress.service_layer.gateway import Gateway, Outcome
from ingress.settings import IngressSettings

EMPTY_TWIML = '<?xml version="1.0" encoding="UTF-8"?><Response/>'


def gateway(request: Request) -> Gateway:
    return request.app.state.gateway


def settings(request: Request) -> IngressSettings:
    return request.app.state.settings


def resend_verifier(request: Request) -> Webhook:
    return request.app.state.resend_verifier


def now(request: Request) -> float:
    """The gateway's clock, in the Unix seconds signature windows are checked against."""
    return gateway(request).clock().timestamp()


def unavailable() -> Response:
    return Response(UNAVAILABLE_BODY, status_code=503, media_type="application/json",
                    headers={"Retry-After": RETRY_AFTER_SECONDS})


async def answer(gateway: Gateway, webhook: VerifiedWebhook, accepted: Response) -> Response:
    if await gateway.accept(webhook) is Outcome.UNAVAILABLE:
        return unavailable()
    return accepted


async def stripe_webhook(request: Request) -> Response:
    """POST /webhooks/stripe: Stripe events, verified against STRIPE_WEBHOOK_SECRET."""
    body = await read_body(request)
    webhook = verify_stripe(body, request.headers.get("stripe-signature"),
                            settings(request).stripe_webhook_secret.get_secret_value(), now(request))
    return await answer(gateway(request), webhook, JSONResponse({"received": True}))


async def _twilio(request: Request) -> MultiValues:
    body = await read_body(request)
    try:
        pairs = parse_qsl(body.decode("utf-8"), keep_blank_values=True, strict_parsing=bool(body))
    except (UnicodeDecodeError, ValueError) as error:
        raise Malformed("malformed_body", f"body is not form data: {error}") from None
    url = str(settings(request).public_base_url).rstrip("/") + request.url.path
    if request.url.query:
        url += "?" + request.url.query
    params = MultiValues(pairs)
    verify_twilio(url, params, request.headers.get("x-twilio-signature"),
                  settings(request).twilio_auth_token.get_secret_value())
    return params


def twiml() -> Response:
    return Response(EMPTY_TWIML, media_type="text/xml")


async def twilio_sms(request: Request) -> Response:
    """POST /webhooks/twilio/sms: an inbound SMS."""
    return await answer(gateway(request), inbound_message(await _twilio(request)), twiml())


async def twilio_voice(request: Request) -> Response:
    """POST /webhooks/twilio/voice: a call status callback (messaging decides which ones are missed calls)."""
    return await answer(gateway(request), call_status(await _twilio(request)), twiml())


async def twilio_status(request: Request) -> Response:
    """POST /webhooks/twilio/status: an outbound message's status callback."""
    return await answer(gateway(request), message_status(await _twilio(request)), twiml())


async def form_submission(request: Request) -> Response:
    """POST /webhooks/forms/{client_id}: a client's web form submission, signed with that client's form secret."""
    client_id, headers = request.path_params["client_id"], request.headers
    body = await read_body(request)
    webhook = verify_form(client_id, body, headers.get("x-revgen-timestamp"), headers.get("x-revgen-signature"),
                          headers.get("idempotency-key"), settings(request).form_webhook_secret.get_secret_value(),
                          now(request))
    return await answer(gateway(request), webhook, JSONResponse({"event_id": str(webhook.event_id)}, status_code=202))


async def resend_webhook(request: Request) -> Response:
    """POST /webhooks/resend: Resend's e-mail events (delivered, bounced, complained, …), svix-signed."""
    body = await read_body(request)
    webhook = verify_resend(body, request.headers, resend_verifier(request), now(request))
    return await answer(gateway(request), webhook, JSONResponse({"received": True}))


async def healthz(request: Request) -> Response:
    """The process is alive."""
    return JSONResponse({"status": "ok"})


async def readyz(request: Request) -> Response:
    """Kafka and the dedup ledger are reachable."""
    try:
        async with asyncio.timeout(2):
            await gateway(request).ledger.ping()
            await gateway(request).publisher.ping()
    except Exception as error:  # any failure means: not ready
        return JSONResponse({"status": "unavailable", "error": repr(error)}, status_code=503)
    return JSONResponse({"status": "ready"})


async def rejected(request: Request, error: Rejected) -> Response:
    metrics.REJECTED.labels(error.reason).inc()
    return JSONResponse({"error": error.detail}, status_code=error.status)


ROUTES = [
    Route("/webhooks/stripe", stripe_webhook, methods=["POST"]),
    Route("/webhooks/twilio/sms", twilio_sms, methods=["POST"]),
    Route("/webhooks/twilio/voice", twilio_voice, methods=["POST"]),
    Route("/webhooks/twilio/status", twilio_status, methods=["POST"]),
    Route("/webhooks/forms/{client_id}", form_submission, methods=["POST"]),
    Route("/webhooks/resend", resend_webhook, methods=["POST"]),
    Route("/healthz", healthz),
    Route("/readyz", readyz),
]
