"""The coupons (operators): every coupon with its limits and how often it was redeemed;
create one (percent or amount off, once, forever or for some months, a redemption limit);
stop one being redeemed. An agency applies a coupon when it subscribes a client
(billing_pages)."""
from __future__ import annotations

from fastapi import Request
from pydantic import ValidationError

from gateway.domain.rules import OnPlatform
from gateway.entrypoints.api.billing import CatalogId, NewCoupon
from gateway.entrypoints.dependencies import Cursor, Gateway, GatewayDep
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.render import render, see_other
from revgen_common.contracts.permissions import Permission

table = RouteTable(include_in_schema=False)
CATALOG = OnPlatform(Permission.CATALOG_MANAGE)
FIELDS = ("id", "percent_off", "amount_off_cents", "currency", "duration", "duration_in_months", "max_redemptions",
          "redeem_by")


@table.get("/coupons", rule=CATALOG)
async def coupons_page(request: Request, gw: GatewayDep, cursor: Cursor = None):
    return await _coupons(request, gw, cursor)


@table.post("/coupons", rule=CATALOG)
async def create_coupon(request: Request, gw: GatewayDep):
    form = await request.form()
    given = {k: str(form.get(k, "")).strip() for k in FIELDS}
    last_day = {"redeem_by": f"{given['redeem_by']}T23:59:59+00:00"} if given["redeem_by"] else {}  # a date field
    try:  # an empty field is one not given: "" is no number
        coupon = NewCoupon.model_validate({**{k: v for k, v in given.items() if v}, **last_day})
    except ValidationError as error:
        problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'coupon'}: {e['msg']}" for e in error.errors())
        return await _coupons(request, gw, None, status=422, given=given, error=problems)
    await gw.billing.json("POST", "/coupons", json=coupon.model_dump(mode="json", exclude_none=True))
    return see_other("/coupons")


@table.post("/coupons/{coupon_id}/deactivate", rule=CATALOG)
async def deactivate_coupon(coupon_id: CatalogId, gw: GatewayDep):
    await gw.billing.json("POST", f"/coupons/{coupon_id}/deactivate")
    return see_other("/coupons")


async def _coupons(request: Request, gw: Gateway, cursor: str | None, status: int = 200, **context):
    coupons = (await gw.billing.json("GET", "/coupons", params={"show": "all", "limit": 50, "cursor": cursor}))[1]
    return render(request, "coupons.html", status=status, coupons=coupons, **context)
