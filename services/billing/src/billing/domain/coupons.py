"""Whether a coupon can be redeemed now, and if not, why in words a person can act on."""
from __future__ import annotations

from datetime import datetime


def why_not_redeemable(active: bool, redeemed: int, max_redemptions: int | None, redeem_by: datetime | None,
                       now: datetime) -> str | None:
    if not active:
        return "is no longer offered"
    if redeem_by is not None and redeem_by <= now:
        return f"expired on {redeem_by.isoformat()}"
    if max_redemptions is not None and redeemed >= max_redemptions:
        return f"was redeemed {redeemed} of {max_redemptions} times: none left"
    return None
