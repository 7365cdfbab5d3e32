from typing import Annotated

from pydantic import AfterValidator, Field

from reputation.adapters.token_box import valid_key
from revgen_common import Required, Secret, ServiceSettings

TokenKey = Annotated[Secret, AfterValidator(valid_key)]  # e.g. `openssl rand -hex 32`


class ReputationSettings(ServiceSettings):
    reputation_database_url: Required
    reputation_api_token: Secret  # callers (the gateway) present it: revgen_common.internal_api
    reputation_token_key: TokenKey  # encrypts the sources' tokens at rest
    google_client_id: Required
    google_client_secret: Secret
    # Where Google sends the owner back after consent: this service's /oauth/google/callback.
    google_redirect_uri: Required
    openai_api_key: Secret  # drafts replies
    openai_base_url: str | None = None  # None: OpenAI itself; the fake's in tests and ./dev up
    openai_model: str = "gpt-4o-mini"
    # Google's and Facebook's own endpoints by default; the fakes' in tests and ./dev up.
    google_auth_uri: str = "https://accounts.google.com/o/oauth2/v2/auth"
    google_token_uri: str = "https://oauth2.googleapis.com/token"
    google_reviews_base_url: str = "https://mybusiness.googleapis.com/v4"
    facebook_graph_base_url: str = "https://graph.facebook.com/v19.0"
    # A review at or under this many stars alerts the client's team.
    low_rating_threshold: int = Field(default=2, ge=1, le=5)
    # Each connection is polled this often; the timer looks for due ones every tick.
    poll_interval_seconds: float = Field(default=900.0, gt=0)
    poll_tick_seconds: float = Field(default=30.0, gt=0)
    # Pacing per source (Google's Business Profile quota is per project and per location;
    # Facebook's per page): requests per second for one client, and for all of them. The
    # Pacer lets a second's worth go at once, so keep each at half the source's limit.
    google_per_client_per_second: float = Field(default=0.2, gt=0)
    google_per_second: float = Field(default=5.0, gt=0)
    facebook_per_client_per_second: float = Field(default=0.2, gt=0)
    facebook_per_second: float = Field(default=3.0, gt=0)
    draft_replies: bool = True  # the AI drafts a reply to each new review
    host: str = "127.0.0.1"
    port: int = Field(default=8088, ge=0, le=65535)
