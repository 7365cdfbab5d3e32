"""The API refuses what a careless or hostile client sends with a 422 naming the field:
never a 500 from a value that only broke later, in SQL or in a template."""
import pytest

from messaging.entrypoints.http import install_error_handlers, router
from messaging_testing import client
from revgen_testing.routers import router_client


@pytest.fixture
async def api(messaging):
    async with router_client(router, install_error_handlers, messaging=messaging) as client:
        yield client


def fields(response) -> list[str]:
    assert response.status_code == 422, response.text
    return [p["field"] for p in response.json()["problems"]]


@pytest.mark.parametrize("template", ["Hi {nmae}", "{name.__class__}", "{name:>999999999}", "{0}", "Hi {name"])
async def test_a_template_with_anything_but_name_and_business_is_refused_before_a_lead_is_texted(
        api, messaging, template):
    client_id, _ = await client(messaging)
    response = await api.post(f"/clients/{client_id}/automations/win-back",
                              json={"run_id": "r1", "template": template, "inactive_days": 0})
    assert fields(response) == ["body.template"]


async def test_lead_ids_that_are_not_uuids_are_refused_by_name(api, messaging):
    client_id, _ = await client(messaging)
    response = await api.post(f"/clients/{client_id}/automations/no-show",
                              json={"run_id": "r1", "template": "Hi {name}", "lead_ids": ["lead-1"]})
    assert fields(response) == ["body.lead_ids.0"]
    assert fields(await api.post(f"/clients/{client_id}/leads/not-a-uuid/outcome", json={"outcome": "won"})) == \
        ["path.lead_id"]


@pytest.mark.parametrize("profile, field", [
    ({"business_hours": {"9": [["09:00", "17:00"]]}}, "body.business_hours.9.[key]"),
    ({"quiet_start": 0}, "body.quiet_start"),  # 0 is not a time
    ({"monthly_limit": True}, "body.monthly_limit"),
    ({"monthly_limit": 2**31}, "body.monthly_limit"),
    ({"persona": "friendly\u0000"}, "body.persona"),
    ({"timezone": "../../etc/passwd"}, "body.timezone"),
    ({"nickname": "Ace"}, "body.nickname"),
    ({"owner_email": "not an address"}, "body.owner_email"),
    ({"owner_email": "o@" + "x" * 260 + ".example"}, "body.owner_email"),
])
async def test_odd_profile_fields_are_refused_by_name(api, profile, field):
    response = await api.put("/clients/c-odd/profile", json={"business_name": "Ace", **profile})
    assert field in fields(response)


async def test_days_that_only_lax_parsing_would_accept_are_refused(api, messaging):
    client_id, _ = await client(messaging)
    assert fields(await api.post("/summaries/0")) == ["path.day"]  # not 1 January 1970
    assert fields(await api.get(f"/clients/{client_id}/usage", params={"day": "9999-12-31"})) == ["query.day"]
    assert fields(await api.get("/clients/c%00/usage")) == ["path.client_id"]
