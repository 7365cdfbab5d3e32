"""The /api/v1 OpenAPI document (the one /api/v1/openapi.json serves) gives every operation's
successful answer a shape, so clients can rely on it and the fuzzing test checks each body
against it."""
import copy
import functools

from gateway.bootstrap import create_app
from gateway.settings import GatewaySettings
from revgen_testing.answer_schemas import unshaped_answers

SERVICES = ("identity", "billing", "messaging", "escalation", "voice", "reputation")


@functools.cache  # building the app is most of the cost; the tests only read it (or a copy)
def api_document() -> dict:
    settings = GatewaySettings(kafka_bootstrap_servers="k:9092", gateway_public_url="http://127.0.0.1:8085",
                               csrf_secret="csrf-secret-value", **{f"{s}_url": f"http://{s}.internal" for s in SERVICES},
                               **{f"{s}_api_token": f"token-of-{s}" for s in SERVICES})
    return create_app(settings).openapi()


def test_every_api_operation_documents_the_shape_of_its_successful_answer():
    document = api_document()
    assert len([op for path in document["paths"] if path.startswith("/api/v1/") for op in document["paths"][path]]) > 60
    assert unshaped_answers(document, "/api/v1/") == [], "give the route a response_model"


def test_an_answer_declared_as_a_bare_dict_counts_as_unshaped():
    document = copy.deepcopy(api_document())
    answer = document["paths"]["/api/v1/me"]["get"]["responses"]["200"]["content"]["application/json"]
    answer["schema"] = {"type": "object", "additionalProperties": True, "title": "Response Me"}  # what `-> dict` gives
    del document["paths"]["/api/v1/clients/{client_id}"]["delete"]["responses"]["204"]
    assert unshaped_answers(document, "/api/v1/") == ["GET /api/v1/me", "DELETE /api/v1/clients/{client_id}"]
