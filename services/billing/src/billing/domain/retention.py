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
                    interval: str | None, won_with_value: int | None = None) -> RetentionOffer:
    """`won_with_value`: the won leads whose job value is known (all of them if None). The
    average divides by those only: a win without a value is not a job worth 0."""
    enough = decided >= MIN_DECIDED_LEADS and won > 0
    valued = won if won_with_value is None else won_with_value
    return RetentionOffer(
        leads_decided=decided, leads_won=won,
        conversion_rate=round(won / decided, 4) if enough else None,
        average_job_value_cents=won_value_cents // valued if enough and valued > 0 else None,
        won_value_cents=won_value_cents, price_cents=price_cents, interval=interval, enough_data=enough)
