"""The composition root: the internal API and Google's OAuth callback, the poll timer, the
consumer of reputation's own topic (polls, new reviews to draft replies to, replies to post)
and the outbox relay, in one process over one database (ADR 0019)."""
from __future__ import annotations

import contextlib
from dataclasses import dataclass
from datetime import timedelta

from fastapi import FastAPI
from sqlalchemy.ext.asyncio import AsyncEngine

from reputation.adapters.facebook_ratings import FacebookRatings
from reputation.adapters.google_oauth import GoogleOAuth
from reputation.adapters.google_reviews import GoogleReviews
from reputation.adapters.reply_drafter import ReplyDrafter
from reputation.adapters.token_box import TokenBox
from reputation.domain.reviews import ReviewSource
from reputation.entrypoints import http
from reputation.handlers import handlers
from reputation.service_layer.connecting import Connecting
from reputation.service_layer.grants import Grants
from reputation.service_layer.pacing import SourcePace
from reputation.service_layer.polling import Polling
from reputation.service_layer.replies import Replies
from reputation.settings import ReputationSettings
from revgen_common import ExactlyOnceConsumer
from revgen_common.clock import Clock, system_clock
from revgen_common.db import create_engine
from revgen_common.pacing import Pacer
from revgen_common.service import running_service, service_app
from revgen_common.topics import REPUTATION_GROUP

PUBLIC_PATHS = ("/oauth/google/callback",)  # the owner's browser, back from Google: the state is its credential


@dataclass
class Reputation:
    connecting: Connecting
    polling: Polling
    replies: Replies
    closers: list


def build(engine: AsyncEngine, settings: ReputationSettings, clock: Clock = system_clock) -> Reputation:
    box = TokenBox(settings.reputation_token_key.get_secret_value())
    oauth = GoogleOAuth(settings.google_client_id, settings.google_client_secret.get_secret_value(),
                        settings.google_token_uri, settings.google_redirect_uri, clock)
    sources: dict[str, ReviewSource] = {"google": GoogleReviews(settings.google_reviews_base_url),
                                        "facebook": FacebookRatings(settings.facebook_graph_base_url)}
    pace = SourcePace({"google": Pacer(settings.google_per_client_per_second, settings.google_per_second),
                       "facebook": Pacer(settings.facebook_per_client_per_second, settings.facebook_per_second)})
    drafter = ReplyDrafter(settings.openai_api_key.get_secret_value(), settings.openai_base_url,
                           settings.openai_model) if settings.draft_replies else None
    grants = Grants(engine, box, oauth, clock)
    closers = [oauth.aclose, *(s.aclose for s in sources.values()), *([drafter.aclose] if drafter else [])]
    return Reputation(
        Connecting(engine, box, oauth, settings.google_auth_uri, settings.google_client_id,
                   settings.google_redirect_uri, clock),
        Polling(engine, grants, sources, pace, clock, timedelta(seconds=settings.poll_interval_seconds),
                settings.low_rating_threshold),
        Replies(engine, drafter, grants, sources, pace, clock), closers)


def create_app(settings: ReputationSettings, clock: Clock = system_clock) -> FastAPI:
    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI):
        engine = create_engine(settings.reputation_database_url)
        async with running_service("reputation", engine, settings.kafka_bootstrap_servers) as runtime:
            reputation = build(engine, settings, clock)
            for close in reputation.closers:
                runtime.close_on_stop(close)
            app.state.engine = engine
            app.state.connecting = reputation.connecting
            app.state.polling = reputation.polling
            app.state.replies = reputation.replies
            runtime.every(settings.poll_tick_seconds, reputation.polling.schedule)
            runtime.start(ExactlyOnceConsumer(name=REPUTATION_GROUP.name, topics=REPUTATION_GROUP.topics,
                                              handlers=handlers(reputation.polling, reputation.replies), engine=engine,
                                              bootstrap_servers=settings.kafka_bootstrap_servers, clock=clock,
                                              group_instance_id=runtime.slot.instance_id(REPUTATION_GROUP.name)).run)
            yield

    return service_app("reputation", lifespan, http.router, http.install_error_handlers,
                       settings.reputation_api_token, public_paths=PUBLIC_PATHS)
