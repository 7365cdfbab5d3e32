"""Server-rendered pages: Jinja2 templates (autoescaped), our own CSS and JS from /static,
no inline script or style anywhere (the CSP forbids them; a test reads every page)."""
from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse
from fastapi.templating import Jinja2Templates

from gateway.entrypoints.admission import SESSION_COOKIE, Caller

PACKAGE = Path(__file__).resolve().parents[2]
TEMPLATES = Jinja2Templates(directory=PACKAGE / "templates")
STATIC = PACKAGE / "static"


def render(request: Request, template: str, status: int = 200, **context) -> HTMLResponse:
    caller = getattr(request.state, "caller", None)
    signed_in = caller if isinstance(caller, Caller) else None
    return TEMPLATES.TemplateResponse(request, template, {"caller": caller, "signed_in": signed_in is not None,
                                                          "csrf": signed_in.csrf if signed_in else None, **context},
                                      status_code=status)


def see_other(path: str) -> RedirectResponse:
    return RedirectResponse(path, status_code=303)


def local_path(target: str | None, default: str = "/me") -> str:
    """Where to go after logging in: a path on this site only, never another (open redirect)."""
    if not target:
        return default
    parts = urlsplit(target)
    if parts.scheme or parts.netloc or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return default
    return target


def with_session_cookie(response, token: str, max_age: int, secure: bool):
    response.set_cookie(SESSION_COOKIE, token, max_age=max_age, path="/", httponly=True, samesite="lax", secure=secure)
    return response


def without_session_cookie(response, secure: bool):
    response.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="lax", secure=secure)
    return response
