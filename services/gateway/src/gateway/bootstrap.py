"""The composition root: the app, the clients of the services behind it, the decision cache
and the identity.events feed that keeps it honest."""
from __future__ import annotations

import asyncio
import contextlib
from dataclasses import dataclass
from datetime import timedelta
from urllib.parse import quote

from fastapi import FastAPI
from fastapi.staticfiles import StaticFiles
from prometheus_client import make_asgi_app

from gateway.adapters.identity import IdentityClient
from gateway.adapters.identity_events import InvalidationFeed
from gateway.adapters.live_events import LiveFeed
from gateway.adapters.services import Refused, ServiceClient
from gateway.domain.csrf import origin_of
from gateway.domain.rate_limits import Limits
from gateway.entrypoints import health
from gateway.entrypoints.api import (
    accounts,
    agency_disputes,
    agency_team,
    auth,
    billing,
    clients,
    docs,
    escalation,
    lead_commands,
    leads,
    messaging,
    operations,
    reviews,
    subscription_coupons,
)
from gateway.entrypoints.errors import install_error_handlers
from gateway.entrypoints.protection import BodyLimit, SecurityHeaders
from gateway.entrypoints.route_table import unruled
from gateway.entrypoints.ui import (
    account_pages,
    agency_dispute_pages,
    agency_team_pages,
    billing_pages,
    client_pages,
    coupon_pages,
    escalation_pages,
    lead_command_pages,
    lead_pages,
    live,
    operator_pages,
    pages,
    report_pages,
    review_pages,
    subscription_coupon_pages,
    subscription_pages,
    team_pages,
    voice_pages,
)
from gateway.entrypoints.ui.render import STATIC
from gateway.service_layer.access import Access
from gateway.service_layer.decision_cache import DecisionCache
from gateway.service_layer.live import Hub
from gateway.settings import GatewaySettings
from revgen_common.clock import Clock, system_clock

TABLES = (health.table, pages.table, client_pages.table, lead_pages.table, live.table, escalation_pages.table,
          report_pages.table,
          billing_pages.table, operator_pages.table, docs.table, auth.table, clients.table, billing.table,
          messaging.table, leads.table, escalation.table, operations.table,
          team_pages.table, subscription_pages.table, coupon_pages.table, account_pages.table, accounts.table,
          lead_command_pages.table, lead_commands.table,
          agency_team.table, agency_team_pages.table, subscription_coupons.table, subscription_coupon_pages.table,
          agency_disputes.table, agency_dispute_pages.table, voice_pages.table, review_pages.table, reviews.table)


@dataclass(frozen=True)
class Gateway:
    settings: GatewaySettings
    access: Access
    identity: IdentityClient
    billing: ServiceClient
    messaging: ServiceClient
    escalation: ServiceClient
    voice: ServiceClient
    reputation: ServiceClient
    limits: Limits
    hub: Hub
    live_feed: LiveFeed
    csrf_secret: bytes
    public_origin: str
    secure_cookies: bool
    clock: Clock

    def services(self) -> list[ServiceClient]:
        return [self.identity, self.billing, self.messaging, self.escalation, self.voice, self.reputation]


def build(settings: GatewaySettings, clock: Clock = system_clock) -> Gateway:
    timeout = settings.service_timeout_seconds
    identity = IdentityClient("identity", str(settings.identity_url), settings.identity_api_token.get_secret_value(),
                              timeout)
    billing = ServiceClient("billing", str(settings.billing_url), settings.billing_api_token.get_secret_value(),
                            timeout)
    cache = DecisionCache(timedelta(seconds=settings.decision_cache_seconds), clock)
    access = Access(identity, cache, locators={"subscription": _owner(billing, "/subscriptions/{}"),
                                               "cancellation": _owner(billing, "/cancellations/{}")})
    public = str(settings.gateway_public_url)
    hub = Hub()
    return Gateway(
        settings=settings, access=access, identity=identity, billing=billing,
        messaging=ServiceClient("messaging", str(settings.messaging_url),
                                settings.messaging_api_token.get_secret_value(), timeout),
        escalation=ServiceClient("escalation", str(settings.escalation_url),
                                 settings.escalation_api_token.get_secret_value(), timeout),
        voice=ServiceClient("voice", str(settings.voice_url), settings.voice_api_token.get_secret_value(), timeout),
        reputation=ServiceClient("reputation", str(settings.reputation_url),
                                 settings.reputation_api_token.get_secret_value(), timeout),
        hub=hub, live_feed=LiveFeed(settings.kafka_bootstrap_servers, hub),
        limits=Limits.per_minute(settings.login_per_address_per_minute, settings.login_per_identifier_per_minute,
                                 settings.writes_per_address_per_minute, settings.writes_per_person_per_minute),
        csrf_secret=settings.csrf_secret.get_secret_value().encode(), public_origin=origin_of(public),
        secure_cookies=public.startswith("https://"), clock=clock)


def _owner(service: ServiceClient, path: str):
    """A locator: the client that owns an object of `service`, or None if there is none."""
    async def owner(object_id: str) -> str | None:
        try:
            return (await service.json("GET", path.format(quote(object_id, safe=""))))[1]["client_id"]
        except Refused as refused:
            if refused.status in (404, 422):
                return None
            raise
    return owner


def create_app(settings: GatewaySettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        gateway = build(settings, clock)
        app.state.gateway = gateway
        stop = asyncio.Event()
        feeds = [asyncio.create_task(InvalidationFeed(settings.kafka_bootstrap_servers, gateway.access.cache).run(stop)),
                 asyncio.create_task(gateway.live_feed.run(stop))]
        try:
            yield
        finally:
            stop.set()
            await asyncio.gather(*feeds)
            for service in gateway.services():
                await service.aclose()

    app = FastAPI(title="RevGen API", version="1", lifespan=lifespan, openapi_url=None, docs_url=None, redoc_url=None,
                  description="The front door for people and integrators. Authenticate with `Authorization: Bearer "
                              "<token>` (POST /api/v1/auth/otp, then /api/v1/auth/otp/verify). Lists take `limit` "
                              "(1-100, default 50) and `cursor` (the `next` of the previous page).")
    for table in TABLES:
        app.include_router(table.router)
    if missing := unruled(app):
        raise RuntimeError(f"routes without a permission rule: {missing}")
    install_error_handlers(app)
    app.mount("/static", StaticFiles(directory=STATIC), name="static")
    app.mount("/metrics", make_asgi_app())
    app.add_middleware(BodyLimit, max_bytes=settings.max_body_bytes)
    app.add_middleware(SecurityHeaders)
    return app
