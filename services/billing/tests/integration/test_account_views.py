"""The read side behind the gateway's account pages: coupons, a client's disputes and
conversions, reconciliation's discrepancies. Pages by keyset; a forged cursor is a 400."""
import pytest
from sqlalchemy import text

from billing.entrypoints import account_views
from billing.entrypoints.http import install_error_handlers
from billing_testing import coupon, unique
from revgen_common.pagination import encode_cursor
from revgen_testing.routers import router_client


@pytest.fixture
async def api(billing):
    async with router_client(account_views.router, install_error_handlers, billing=billing) as client:
        yield client


async def test_coupons_are_listed_by_id_and_a_deactivated_one_only_when_all_are_asked_for(api, billing):
    live, retired = await coupon(billing, max_redemptions=3), await coupon(billing)
    await billing.catalog.deactivate_coupon(retired)
    active_ids = {c["id"] for c in await _every(api, "/coupons")}
    every = {c["id"]: c for c in await _every(api, "/coupons", show="all")}
    assert live in active_ids and retired not in active_ids
    assert every[retired]["active"] is False and every[live]["max_redemptions"] == 3


async def test_a_clients_disputes_are_its_own_newest_first_a_page_at_a_time(api, billing):
    mine, other = unique("client"), unique("client")
    async with billing.engine.begin() as db:
        await db.execute(text("INSERT INTO billing_accounts (client_id) VALUES (:a), (:b)"), {"a": mine, "b": other})
        await db.execute(text("""
            INSERT INTO disputes (id, charge_id, client_id, amount, currency, status, reason, created_at)
            SELECT :c || '-dp' || g, 'ch_' || g, :c, 1000 * g, 'usd', 'needs_response', 'fraudulent',
                   now() - make_interval(hours => g) FROM generate_series(1, 3) g"""), {"c": mine})
        await db.execute(text("""INSERT INTO disputes (id, charge_id, client_id, amount, currency, status)
                                 VALUES (:c || '-dp', 'ch_x', :c, 500, 'usd', 'won')"""), {"c": other})
    first = (await api.get(f"/clients/{mine}/disputes", params={"limit": 2})).json()
    assert [d["id"] for d in first["data"]] == [f"{mine}-dp1", f"{mine}-dp2"]
    rest = (await api.get(f"/clients/{mine}/disputes", params={"limit": 2, "cursor": first["next"]})).json()
    assert [d["id"] for d in rest["data"]] == [f"{mine}-dp3"] and rest["next"] is None
    assert rest["data"][0] | {"created_at": None, "updated_at": None} == {
        "id": f"{mine}-dp3", "charge_id": "ch_3", "amount": 3000, "currency": "usd", "status": "needs_response",
        "reason": "fraudulent", "created_at": None, "updated_at": None}


async def test_discrepancies_come_newest_first_and_a_forged_cursor_is_refused_with_400(api, billing):
    kind = unique("status_mismatch")
    async with billing.engine.begin() as db:
        await db.execute(text("""INSERT INTO discrepancies (kind, object_id, detail, repaired)
                                 VALUES (:k, 'sub_1', 'older', true), (:k, 'sub_2', 'newer', false)"""), {"k": kind})
    page = (await api.get("/discrepancies", params={"limit": 100})).json()
    ours = [d["detail"] for d in page["data"] if d["kind"] == kind]
    assert ours == ["newer", "older"]
    for forged in (encode_cursor(str(2**63)), encode_cursor("0"), encode_cursor("x"), "not-a-cursor"):
        refused = await api.get("/discrepancies", params={"cursor": forged})
        assert refused.status_code == 400 and "cursor" in refused.text


async def test_conversions_count_won_lost_and_open_leads_and_weigh_won_jobs_against_what_was_paid(api, billing):
    client_id = unique("client")
    async with billing.engine.begin() as db:
        await db.execute(text("INSERT INTO billing_accounts (client_id) VALUES (:c)"), {"c": client_id})
        await db.execute(text("""
            INSERT INTO lead_outcomes (client_id, lead_id, outcome, job_value_cents, decided_at) VALUES
              (:c, 'l1', 'won', 45000, now()), (:c, 'l2', 'won', NULL, now()), (:c, 'l3', 'lost', NULL, now()),
              (:c, 'l4', 'open', NULL, now())"""), {"c": client_id})
        await db.execute(text("""INSERT INTO invoices (id, client_id, status, amount_due, amount_paid, currency)
                                 VALUES (:c || '-in', :c, 'paid', 9000, 9000, 'usd')"""), {"c": client_id})
    figures = (await api.get(f"/clients/{client_id}/conversions")).json()
    assert figures == {"open": 1, "won": 2, "lost": 1, "won_with_value": 1, "won_value_cents": 45000,
                       "paid_cents": 9000, "win_rate": 2 / 3, "return_on_spend": 5.0}
    nothing = (await api.get(f"/clients/{unique('client')}/conversions")).json()
    assert nothing["won"] == 0 and nothing["win_rate"] is None and nothing["return_on_spend"] is None


async def _every(api, path: str, **params) -> list[dict]:
    found, cursor = [], None
    while True:
        page = (await api.get(path, params={**params, "limit": 100, **({"cursor": cursor} if cursor else {})})).json()
        found += page["data"]
        if not (cursor := page["next"]):
            return found
