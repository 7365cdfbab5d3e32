"""The gateway's /api/v1 fuzzed through its OpenAPI document, as an agency owner with a real
session and real ids: no 5xx, no undocumented status, every body as its schema says (each
route's answers pass through the services behind it, so this fuzzes their edges too)."""
from gateway_testing import bearer, log_in
from revgen_testing.api_fuzzing import Target, fuzz


async def test_no_example_gets_a_5xx_or_an_undocumented_answer(system, world):
    token = await log_in(system, world.phones["x_owner"])
    openapi = (await system.api.get("/api/v1/openapi.json")).json()
    report = await fuzz(Target(
        openapi, system.url, headers=bearer(token),
        path_parameters={"client_id": world.a["id"], "agency_id": world.agency_x,
                         "person_id": world.person_ids["a_member"]},
        last=("POST /api/v1/auth/logout",)), max_examples=10)
    print(f"\ngateway: {report.summary()}")
    assert not report.failures, "\n\n".join(f"{op}: {failure}" for op, failure in report.failures.items())
    assert len(report.examples) == sum(len(methods) for methods in openapi["paths"].values())  # every operation
