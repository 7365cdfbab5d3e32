"""Which operations of an OpenAPI document leave their successful answers unshaped: no 2xx
at all, or a 2xx whose JSON schema says no more than "an object" (what FastAPI writes for a
route declared `-> dict`). Schemathesis can only check a body against the shape written
down, so an unshaped answer is an answer nobody checks."""
from __future__ import annotations

from typing import Any

METHODS = ("get", "post", "put", "patch", "delete")


def shaped(schema: dict[str, Any] | None) -> bool:
    """Whether a schema names a shape: a component, typed properties, a typed item or value."""
    if not schema:
        return False
    if "$ref" in schema:
        return True
    if "anyOf" in schema or "oneOf" in schema:
        return all(shaped(s) for s in schema.get("anyOf", schema.get("oneOf", [])) if s.get("type") != "null")
    if schema.get("type") == "array":
        return shaped(schema.get("items"))
    if schema.get("type") == "object":
        return bool(schema.get("properties"))
    return "type" in schema


def unshaped_answers(document: dict[str, Any], prefix: str = "/") -> list[str]:
    """`METHOD path` of each operation under `prefix` with a successful answer of no shape
    (204 answers nothing, and a body that is not JSON — audio, TwiML — is shaped by its type)."""
    found = []
    for path, item in document.get("paths", {}).items():
        if not path.startswith(prefix):
            continue
        for method in (m for m in METHODS if m in item):
            answers = {status: answer for status, answer in item[method].get("responses", {}).items()
                       if status.startswith("2")}
            json_bodies = [answer.get("content", {}).get("application/json") for status, answer in answers.items()
                           if status != "204" and "application/json" in answer.get("content", {"application/json": {}})]
            if not answers or not all(shaped(body.get("schema") if body else None) for body in json_bodies):
                found.append(f"{method.upper()} {path}")
    return found
