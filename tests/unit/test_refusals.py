"""A domain names what went wrong; every API answers it with the same status."""
import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from revgen_common.api_errors import install_error_handling
from revgen_common.errors import NotFound, PermanentError, Refused, Unprocessable, classify


@pytest.mark.parametrize(("refusal", "status"), [(Refused, 409), (NotFound, 404), (Unprocessable, 422)])
def test_a_refusal_is_answered_with_its_status_and_reason_in_every_service(refusal, status):
    app = FastAPI()
    install_error_handling(app, {})

    @app.post("/things")
    async def create():
        raise refusal("what went wrong, in words")

    answer = TestClient(app).post("/things")
    assert (answer.status_code, answer.json()["error"]) == (status, "what went wrong, in words")


def test_a_refusal_met_by_a_consumer_is_permanent_not_retried():
    assert issubclass(Refused, PermanentError) and classify(NotFound("gone")).transient is False
