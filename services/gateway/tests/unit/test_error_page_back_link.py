"""The error page leads back to the page the person came from, on this site only: a
Referer from anywhere else (or none, or the failing page itself) leads to who they are."""
import pytest
from starlette.requests import Request

from gateway.entrypoints.errors import _back


def request_to(path: str, referer: str | None) -> Request:
    headers = [(b"host", b"admin.revgen.example")] + ([(b"referer", referer.encode())] if referer else [])
    return Request({"type": "http", "method": "POST", "path": path, "query_string": b"", "headers": headers,
                    "scheme": "https", "server": ("admin.revgen.example", 443)})


def test_a_page_of_this_site_is_where_the_link_goes_back_to_query_and_all():
    came_from = "https://admin.revgen.example/clients/c1/billing?outcome=x"
    assert _back(request_to("/subscriptions/s1/coupon", came_from)) == "/clients/c1/billing?outcome=x"


@pytest.mark.parametrize("referer", [None, "https://evil.example/clients/c1/billing", "https://admin.revgen.example:8443/me/x",
                                     "https://admin.revgen.example/subscriptions/s1/coupon",
                                     "https://admin.revgen.example//evil.example/x", "http://[", "\x00"])
def test_anything_else_leads_to_who_you_are(referer):
    assert _back(request_to("/subscriptions/s1/coupon", referer)) == "/me"
