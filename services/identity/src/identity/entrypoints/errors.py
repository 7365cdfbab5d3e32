"""Identity's domain errors as HTTP answers, in one place."""
from __future__ import annotations

from fastapi import FastAPI

from identity.domain.identifiers import InvalidIdentifier
from identity.entrypoints.dependencies import Unauthenticated
from identity.service_layer.access import Forbidden, NotFound
from revgen_common.api_errors import error_response, install_error_handling
from revgen_common.pagination import InvalidCursor


def install_error_handlers(app: FastAPI) -> None:
    """Domain errors to HTTP status, in one place. Not-found and not-visible look alike."""
    install_error_handling(app, {
        NotFound: lambda e: error_response(404, "not found"),
        Forbidden: lambda e: error_response(403, "forbidden"),
        Unauthenticated: lambda e: error_response(401, "not authenticated"),
        InvalidIdentifier: lambda e: error_response(400, "invalid request", [("body.identifier", str(e))]),
        InvalidCursor: lambda e: error_response(400, "invalid request", [("query.cursor", str(e))]),
    })
