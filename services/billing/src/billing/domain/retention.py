"""The retention offer's numbers come from the client's own data (B6): its leads' outcomes
and the price it actually pays. With too little data we say so instead of inventing it."""
from __future__ import annotations

from dataclasses import asdict, dataclass

MIN_DECIDED_LEADS = 5


@dataclass(frozen=True)
class RetentionOffer:
    leads_decided: int
    leads_won: int
    conversion_rate: float | None
    average_job_value_cents: int | None
    won_value_cents: int
    price_cents: int | None
    interval: str | None
    enough_data: bool

    def as_dict(self) -> dict:
        return asdict(self)


def retention_offer(decided: int, won: int, won_value_cents: int, price_cents: int | None,
                    interval: str | None) -> RetentionOffer:
    enough = decided >= MIN_DECIDED_LEADS and won > 0
    return RetentionOffer(
        leads_decided=decided, leads_won=won,
        conversion_rate=round(won / decided, 4) if enough else None,
        average_job_value_cents=won_value_cents // won if enough else None,
        won_value_cents=won_value_cents, price_cents=price_cents, interval=interval, enough_data=enough)
