"""What a careless or hostile client sends gets a 4xx naming the field and the problem,
never a 500, and the connection it came on stays open (issue 16)."""
import json
import uuid

import pytest

from identity_testing import log_in
from revgen_common.testing.internal_api import TEST_API_HEADERS
from revgen_testing.raw_http import Sent, on_one_connection

OWNER = "+14155550700"


@pytest.fixture
async def owner(api, tenants, identity_engine):
    agency, _ = await tenants.create_agency("Agency H", OWNER, "H Owner")
    headers = await log_in(api, identity_engine, OWNER)
    client = (await api.post(f"/agencies/{agency}/clients", json={"name": "Hotel Heating"}, headers=headers)).json()
    return {"agency": agency, "client": client["id"], "headers": headers}


def refused(response, field: str, problem: str) -> None:
    assert response.status_code == 422, response.text
    problems = response.json()["problems"]
    assert any(p["field"] == field and problem in p["problem"] for p in problems), problems


async def test_a_nul_in_the_login_identifier_is_a_422_naming_it(api):
    for identifier in ["ann\u0000@example.com", "+1415555\u00000100"]:
        response = await api.post("/auth/otp", json={"identifier": identifier})
        refused(response, "body.identifier", "NUL")


async def test_a_nul_in_the_identifier_of_a_code_answer_is_a_422_naming_it(api):
    response = await api.post("/auth/otp/verify", json={
        "identifier": "ann\u0000@example.com", "login_attempt_id": str(uuid.uuid4()), "code": "123456"})
    refused(response, "body.identifier", "NUL")


async def test_a_lone_surrogate_in_the_login_identifier_is_a_422_naming_it(api):
    body = b'{"identifier": "+1415\\ud800"}'  # valid JSON, but no UTF-8 string can hold it
    response = await api.post("/auth/otp", content=body, headers={"Content-Type": "application/json"})
    refused(response, "body.identifier", "unicode")


async def test_a_nul_in_a_new_clients_name_is_a_422_naming_it(api, owner):
    response = await api.post(f"/agencies/{owner['agency']}/clients", json={"name": "Bad\u0000Co"},
                              headers=owner["headers"])
    refused(response, "body.name", "NUL")


async def test_a_nul_in_a_new_members_name_is_a_422_naming_it(api, owner):
    response = await api.post(f"/clients/{owner['client']}/members", headers=owner["headers"], json={
        "identifier": "+14155550701", "name": "Eve\u0000", "role": "client_member"})
    refused(response, "body.name", "NUL")


async def test_a_limit_beyond_64_bits_is_a_422_and_a_cursor_not_ours_a_400_each_naming_it(api, owner):
    # The team list pages by keyset cursor since the gateway (issue #13); the offset it had is gone.
    response = await api.get(f"/clients/{owner['client']}/members", params={"limit": 2**70},
                             headers=owner["headers"])
    refused(response, "query.limit", "less than or equal")
    assert (await api.get(f"/clients/{owner['client']}/members", params={"limit": -1},
                          headers=owner["headers"])).status_code == 422
    response = await api.get(f"/clients/{owner['client']}/members", params={"cursor": "\u0000not-ours"},
                             headers=owner["headers"])
    assert response.status_code == 400 and response.json()["problems"][0]["field"] == "query.cursor"


@pytest.mark.parametrize("body, field", [
    ({"identifier": 14155550100}, "body.identifier"),  # wrong type: a number is not an identifier
    ({"identifier": "+14155550100", "remember_me": True}, "body.remember_me"),  # a field nobody declared
    ({"identifier": "x" * 321}, "body.identifier"),
    ({"identifier": "+1415\u0007555"}, "body.identifier"),  # a control character
])
async def test_odd_login_bodies_are_422s_naming_the_field(api, body, field):
    response = await api.post("/auth/otp", json=body)
    assert response.status_code == 422 and field in [p["field"] for p in response.json()["problems"]], response.text


async def test_a_body_nested_too_deeply_or_not_json_at_all_is_a_400(api):
    for body in [b"[" * 100_000 + b"]" * 100_000, b'{"identifier": ', b"\xff\xfe"]:
        response = await api.post("/auth/otp", content=body, headers={"Content-Type": "application/json"})
        assert response.status_code in (400, 422) and response.json()["problems"], (body[:20], response.text)


async def test_a_body_over_a_mebibyte_is_refused_with_413_before_it_is_read(api):
    body = json.dumps({"identifier": "x" * (1024 * 1024)})
    response = await api.post("/auth/otp", content=body, headers={"Content-Type": "application/json"})
    assert response.status_code == 413


async def test_a_non_uuid_client_id_is_a_422_naming_it(api, owner):
    response = await api.get("/clients/not-a-uuid", headers=owner["headers"])
    refused(response, "path.client_id", "UUID")


async def test_the_connection_a_bad_request_came_on_stays_open_for_the_next(api, owner):
    port = api.base_url.port
    door = tuple(TEST_API_HEADERS.items())
    auth = (("Authorization", owner["headers"]["Authorization"]), *door)
    statuses = await on_one_connection(port, [
        Sent("POST", "/auth/otp", b'{"identifier": "ann\\u0000@example.com"}', headers=door),
        Sent("GET", f"/clients/{owner['client']}/members?limit={2**70}", headers=auth),
        Sent("POST", "/auth/otp", b'{"identifier": "+1415\\ud800"}', headers=door),
        Sent("GET", f"/clients/{owner['client']}", headers=auth),
    ])
    assert statuses == [422, 422, 422, 200]
