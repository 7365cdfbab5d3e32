"""/api/v1 a coupon applied to a client's live subscription (billing's): redeemed once per
Idempotency-Key, within the coupon's limit and before its last day; it replaces the
subscription's discount at Stripe."""
from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

from gateway.entrypoints.api.billing import SUBSCRIPTION, IdempotencyKey, Subscription, SubscriptionId
from gateway.entrypoints.dependencies import CallerDep, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from revgen_common.api_errors import documented

table = RouteTable(prefix="/api/v1", tags=["billing"])


class CouponApplication(BaseModel):
    model_config = ConfigDict(extra="forbid", json_schema_extra={"examples": [{"coupon_id": "SPRING25"}]})
    coupon_id: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_-]{1,63}$")


@table.post("/subscriptions/{subscription_id}/coupon", rule=SUBSCRIPTION, response_model=Subscription,
            responses=documented(402, 409))
async def apply_coupon(subscription_id: SubscriptionId, body: CouponApplication, key: IdempotencyKey, gw: GatewayDep,
                       caller: CallerDep):
    """Apply a coupon to the subscription (replacing its discount); 409 when the coupon is
    inactive, expired, fully redeemed or already applied to it."""
    return (await gw.billing.json("POST", f"/subscriptions/{subscription_id}/coupon", json=body.model_dump(),
                                  headers={"Idempotency-Key": f"{caller.client_id}:{key}"}))[1]
