"""Identity's API fuzzed through its OpenAPI document: no 5xx, no undocumented answer."""
import uuid

from identity_testing import log_in
from revgen_testing.api_fuzzing import Target, fuzz

OWNER = "+14155550800"


async def test_no_example_gets_a_5xx_or_an_undocumented_answer(api, tenants, identity_engine):
    agency, owner = await tenants.create_agency("Agency F", OWNER, "F Owner")
    client = await tenants.create_client(owner, agency, "Foxtrot Fencing")
    member = await tenants.add_member(owner, uuid.UUID(client["id"]), "+14155550801", "F Member", "client_member")
    headers = await log_in(api, identity_engine, OWNER)
    openapi = (await api.get("/openapi.json")).json()
    report = await fuzz(Target(
        openapi, str(api.base_url), headers=headers,
        path_parameters={"agency_id": str(agency), "client_id": client["id"], "member_id": member["person_id"]},
        last=("POST /auth/logout",)))
    print(f"\nidentity: {report.summary()}")
    assert not report.failures, "\n\n".join(f"{op}: {failure}" for op, failure in report.failures.items())
    assert len(report.examples) == sum(len(methods) for methods in openapi["paths"].values())  # every operation
