"""Reading decoded request parameters with Stripe's validation errors, which name the
offending parameter (clients log and assert on `param`)."""
from __future__ import annotations

import contextlib
from typing import Literal, overload

from revgen_fakes.stripe.errors import StripeError, bad_param

ALWAYS_ALLOWED = frozenset({"expand"})


def reject_unknown(params: dict, allowed: set[str] | frozenset[str]) -> None:
    for name in params:
        if name not in allowed and name not in ALWAYS_ALLOWED:
            raise StripeError(400, f"Received unknown parameter: {name}", code="parameter_unknown", param=name)


# A required parameter, or one with a default, is never None: the overloads say so.
@overload
def text(params: dict, name: str, required: Literal[True], default: str | None = None) -> str: ...
@overload
def text(params: dict, name: str, required: bool = False, *, default: str) -> str: ...
@overload
def text(params: dict, name: str, required: bool = False, default: str | None = None) -> str | None: ...
def text(params: dict, name: str, required: bool = False, default: str | None = None) -> str | None:
    value = params.get(name)
    if value is None or value == "":
        if required:
            raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
        return default
    if not isinstance(value, str):
        raise bad_param(name, f"Invalid string: {name} must be a string")
    return value


@overload
def integer(params: dict, name: str, required: Literal[True], default: int | None = None,
            minimum: int | None = None, maximum: int | None = None) -> int: ...
@overload
def integer(params: dict, name: str, required: bool = False, *, default: int,
            minimum: int | None = None, maximum: int | None = None) -> int: ...
@overload
def integer(params: dict, name: str, required: bool = False, default: int | None = None,
            minimum: int | None = None, maximum: int | None = None) -> int | None: ...
def integer(params: dict, name: str, required: bool = False, default: int | None = None,
            minimum: int | None = None, maximum: int | None = None) -> int | None:
    raw = text(params, name, required)
    if raw is None:
        return default
    try:
        value = int(raw)
    except ValueError:
        raise bad_param(name, f"Invalid integer: {raw}") from None
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise bad_param(name, f"Invalid {name}: must be between {minimum} and {maximum}")
    return value


def number(params: dict, name: str) -> float | None:
    raw = text(params, name)
    try:
        return None if raw is None else float(raw)
    except ValueError:
        raise bad_param(name, f"Invalid decimal: {raw}") from None


@overload
def boolean(params: dict, name: str, default: bool) -> bool: ...
@overload
def boolean(params: dict, name: str, default: None = None) -> bool | None: ...
def boolean(params: dict, name: str, default: bool | None = None) -> bool | None:
    raw = text(params, name)
    if raw is None:
        return default
    if raw not in ("true", "false"):
        raise bad_param(name, f"Invalid boolean: {raw}")
    return raw == "true"


@overload
def choice(params: dict, name: str, options: tuple[str, ...], default: str, required: bool = False) -> str: ...
@overload
def choice(params: dict, name: str, options: tuple[str, ...], default: str | None = None, *,
           required: Literal[True]) -> str: ...
@overload
def choice(params: dict, name: str, options: tuple[str, ...], default: str | None = None,
           required: bool = False) -> str | None: ...
def choice(params: dict, name: str, options: tuple[str, ...], default: str | None = None,
           required: bool = False) -> str | None:
    value = text(params, name, required, default)
    if value is not None and value not in options:
        raise bad_param(name, f"Invalid {name}: must be one of {', '.join(options)}")
    return value


def hash_param(params: dict, name: str) -> dict:
    value = params.get(name, {})
    if not isinstance(value, dict):
        raise bad_param(name, f"Invalid object: {name} must be a hash")
    return value


def list_param(params: dict, name: str, required: bool = False) -> list:
    value = params.get(name)
    if value is None and required:
        raise StripeError(400, f"Missing required param: {name}.", code="parameter_missing", param=name)
    if value is not None and not isinstance(value, list):
        raise bad_param(name, f"Invalid array: {name} must be an array")
    return value or []


def metadata(params: dict, current: dict | None = None) -> dict:
    """Stripe merges metadata on update: `metadata[k]=` unsets k, `metadata=` unsets all."""
    update = params.get("metadata")
    merged = dict(current or {})
    if update is None:
        return merged
    if update == "":
        return {}
    if not isinstance(update, dict):
        raise bad_param("metadata", "Invalid object: metadata must be a hash")
    for key, value in update.items():
        if len(key) > 40 or not isinstance(value, str) or len(value) > 500:
            raise bad_param(f"metadata[{key}]", "Metadata keys can be up to 40 characters and values up to 500")
        if value == "":
            merged.pop(key, None)
        else:
            merged[key] = value
    if len(merged) > 50:
        raise bad_param("metadata", "Metadata can have up to 50 keys")
    return merged


@contextlib.contextmanager
def within(prefix: str):
    """Errors about a nested parameter name it in full, e.g. `items[0][price]`; a missing
    object named in a parameter is a 400, not a 404."""
    try:
        yield
    except StripeError as error:
        if error.param:
            head, bracket, rest = error.param.partition("[")
            error.param = f"{prefix}[{head}]{bracket}{rest}"
        if error.code == "resource_missing":
            error.status = 400
        raise
