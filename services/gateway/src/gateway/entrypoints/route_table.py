"""Every gateway route, with its permission rule: the one place a route is declared.

    table = RouteTable(prefix="/api/v1", tags=["clients"])

    @table.get("/clients/{client_id}", rule=OnClient(Permission.CLIENT_READ))
    async def get_client(...): ...

The rule is enforced before the endpoint runs (entrypoints/admission.py), published in the
OpenAPI document (`x-permission`), and read by the authorization matrix test; the app
refuses to start if any route has none (`unruled`).
"""
from __future__ import annotations

from collections.abc import Callable
from typing import Any

from fastapi import APIRouter, Depends, FastAPI
from fastapi.dependencies.models import Dependant
from fastapi.routing import APIRoute, iter_route_contexts

from gateway.domain.rules import ClaimLink, InAgency, OnClient, OnClientOf, OnPlatform, Open, Public, Rule, SignedIn
from gateway.entrypoints.admission import admit
from gateway.entrypoints.dependencies import signed_in
from revgen_common.api_errors import documented

_RULES: dict[Callable[..., Any], Rule] = {}

# What the door itself may answer, by rule (entrypoints/admission.py); every route may also
# refuse its input (400, 413, 422) and find a service unavailable (503).
_INPUT = (400, 413, 422, 503)
REFUSALS: dict[type, dict[int | str, dict[str, Any]]] = {
    Public: documented(*_INPUT, 429),
    ClaimLink: documented(*_INPUT, 403, 404, 429),
    SignedIn: documented(*_INPUT, 401, 403, 429),
    OnClient: documented(*_INPUT, 401, 403, 404, 429),
    OnClientOf: documented(*_INPUT, 401, 403, 404, 429),
    InAgency: documented(*_INPUT, 401, 403, 404, 429),
    OnPlatform: documented(*_INPUT, 401, 403, 429),
}


class RouteTable:
    def __init__(self, **router_options: Any):
        self.router = APIRouter(**router_options)

    def route(self, method: str, path: str, rule: Rule, **options: Any):
        def declare(endpoint: Callable[..., Any]) -> Callable[..., Any]:
            extra = {**options.pop("openapi_extra", {}), "x-permission": rule.describe()}
            responses = {**REFUSALS[type(rule)], **options.pop("responses", {})}
            self.router.add_api_route(path, endpoint, methods=[method], dependencies=[Depends(admit(rule))],
                                      openapi_extra=extra, responses=responses, **options)
            route = self.router.routes[-1]
            if isinstance(rule, Open) and isinstance(route, APIRoute) and signed_in in _calls(route.dependant):
                raise TypeError(f"{method} {path} is open ({rule.describe()}) but takes CallerDep, a signed-in "
                                "person: take VisitorDep, or give it a rule that asks for a session")
            _RULES[endpoint] = rule
            return endpoint
        return declare

    def get(self, path: str, rule: Rule, **options: Any):
        return self.route("GET", path, rule, **options)

    def post(self, path: str, rule: Rule, **options: Any):
        return self.route("POST", path, rule, **options)

    def put(self, path: str, rule: Rule, **options: Any):
        return self.route("PUT", path, rule, **options)

    def patch(self, path: str, rule: Rule, **options: Any):
        return self.route("PATCH", path, rule, **options)

    def delete(self, path: str, rule: Rule, **options: Any):
        return self.route("DELETE", path, rule, **options)


def _calls(dependant: Dependant) -> list[object]:
    return [call for d in dependant.dependencies for call in (d.call, *_calls(d))]


def rule_of(route: APIRoute) -> Rule | None:
    return _RULES.get(route.endpoint)


def api_routes(app: FastAPI) -> list[APIRoute]:
    """Every APIRoute the app serves, however deeply its routers are included (FastAPI keeps
    included routers as they are, so `app.routes` alone would miss them)."""
    return [c.original_route for c in iter_route_contexts(app.routes) if isinstance(c.original_route, APIRoute)]


def unruled(app: FastAPI) -> list[str]:
    """Routes declared without a rule (a plain @router.get): the app must not start with any."""
    return [f"{sorted(r.methods or ())} {r.path}" for r in api_routes(app) if rule_of(r) is None]
