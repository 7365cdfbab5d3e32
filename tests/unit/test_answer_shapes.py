"""Every service's HTTP routes document the shape of their successful answers (a
`response_model`, or the media type of a body that is not JSON): clients read it, and each
service's schemathesis run (revgen_testing.api_fuzzing) checks answers against it. A route
declared `-> dict` documents a bare object, which checks nothing. (The gateway's /api/v1:
services/gateway/tests/unit/test_api_document.py.)"""
import importlib
import pkgutil

import pytest
from fastapi import APIRouter, FastAPI

from revgen_testing.answer_schemas import unshaped_answers

SERVICES = ["billing", "escalation", "identity", "messaging", "reputation", "voice"]


def document_of(service: str) -> dict:
    """The OpenAPI document of every router in the service's entrypoints (what its app includes)."""
    package = importlib.import_module(f"{service}.entrypoints")
    routers = {id(value): value for module_info in pkgutil.walk_packages(package.__path__, f"{service}.entrypoints.")
               for value in vars(importlib.import_module(module_info.name)).values() if isinstance(value, APIRouter)}
    app = FastAPI()
    for router in routers.values():  # each once, wherever it is imported too
        app.include_router(router)
    return app.openapi()


@pytest.mark.parametrize("service", SERVICES)
def test_every_route_of_the_service_documents_the_shape_of_its_successful_answer(service):
    document = document_of(service)
    assert document["paths"], f"{service} has no documented routes: the scan found no router"
    assert unshaped_answers(document) == [], "give the route a response_model (revgen_common.api_output.OutputModel)"
