"""The front door's one OpenAPI document, and a page of ours that reads it: operations with
their permission, parameters, bodies and answers, then every schema. (Swagger UI and ReDoc
need inline script and a CDN; the CSP allows neither.)"""
from __future__ import annotations

from typing import Any

from fastapi import Request
from fastapi.responses import JSONResponse

from gateway.domain.rules import Public
from gateway.entrypoints.route_table import RouteTable
from gateway.entrypoints.ui.render import render

table = RouteTable(include_in_schema=False)
METHODS = ("get", "post", "put", "patch", "delete")


@table.get("/api/v1/openapi.json", rule=Public("the API's description"))
async def openapi_document(request: Request):
    return JSONResponse(request.app.openapi())


@table.get("/api/v1/docs", rule=Public("the API's documentation"))
async def docs_page(request: Request):
    document = request.app.openapi()
    return render(request, "docs.html", info=document["info"], operations=operations(document),
                  schemas=schemas(document))


def operations(document: dict) -> list[dict]:
    found = []
    for path, item in document.get("paths", {}).items():
        for method in METHODS:
            if method not in item:
                continue
            op = item[method]
            body = op.get("requestBody", {}).get("content", {}).get("application/json", {}).get("schema")
            found.append({
                "id": op.get("operationId", f"{method}-{path}"), "method": method.upper(), "path": path,
                "summary": op.get("summary", ""), "description": op.get("description", ""),
                "permission": op.get("x-permission", ""), "tags": op.get("tags", []),
                "parameters": [{"name": p["name"], "in": p["in"], "required": p.get("required", False),
                                "type": type_of(p.get("schema", {})), "description": p.get("description", "")}
                               for p in op.get("parameters", [])],
                "body": type_of(body) if body else None,
                "responses": [{"status": status, "description": r.get("description", ""),
                               "type": type_of(r.get("content", {}).get("application/json", {}).get("schema", {}))}
                              for status, r in op.get("responses", {}).items()]})
    return sorted(found, key=lambda o: (o["tags"][:1], o["path"], METHODS.index(o["method"].lower())))


def schemas(document: dict) -> list[dict]:
    found = []
    for name, schema in sorted(document.get("components", {}).get("schemas", {}).items()):
        required = set(schema.get("required", []))
        found.append({"name": name, "description": schema.get("description", ""), "fields": [
            {"name": field, "type": type_of(spec), "required": field in required,
             "description": spec.get("description", "")} for field, spec in schema.get("properties", {}).items()]})
    return found


def type_of(schema: dict[str, Any]) -> str:
    """A schema as one readable phrase: `string (uuid)`, `array of Member`, `integer ≤ 100 or null`."""
    if not isinstance(schema, dict):
        return "any" if schema is True else ""
    if not schema:
        return ""
    if "$ref" in schema:
        return schema["$ref"].rsplit("/", 1)[-1]
    if "anyOf" in schema:
        return " or ".join(type_of(s) for s in schema["anyOf"])
    if "enum" in schema:
        return "one of " + ", ".join(repr(v) for v in schema["enum"])
    if "const" in schema:
        return repr(schema["const"])
    kind = schema.get("type", "any")
    if kind == "array" and "prefixItems" in schema:
        return "pair of " + " and ".join(type_of(s) for s in schema["prefixItems"])
    if kind == "array":
        return f"array of {type_of(schema.get('items', {})) or 'any'}"
    if kind == "object" and "additionalProperties" in schema:
        return f"map to {type_of(schema['additionalProperties']) or 'any'}"
    details = [schema[k] for k in ("format",) if k in schema]
    details += [f"{label} {schema[k]}" for k, label in (("minimum", "≥"), ("maximum", "≤"), ("minLength", "length ≥"),
                                                        ("maxLength", "length ≤"), ("pattern", "matching"))
                if k in schema]
    return f"{kind} ({', '.join(str(d) for d in details)})" if details else str(kind)
