import os
import subprocess
import sys
from types import SimpleNamespace

from starlette.requests import Request

from identity.domain.identifiers import normalise_identifier
from identity.domain.roles import Permission, grants
from identity.entrypoints.dependencies import client_ip
from revgen_common.settings import EXIT_BAD_SETTINGS


async def ip_of(peer: str, forwarded: str | None, trusted: list[str]) -> str | None:
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    request = Request({"type": "http", "client": (peer, 5000), "headers": headers})
    return await client_ip(request, SimpleNamespace(trusted_proxies=trusted))


async def test_forwarded_for_is_believed_only_from_a_trusted_proxy():
    assert await ip_of("203.0.113.7", "6.6.6.6", ["10.0.0.1"]) == "203.0.113.7"
    assert await ip_of("10.0.0.1", "198.51.100.4", ["10.0.0.1"]) == "198.51.100.4"
    # a client that prepends its own fake hop cannot move the answer past the proxy's own entry
    assert await ip_of("10.0.0.1", "6.6.6.6, 198.51.100.4", ["10.0.0.1"]) == "198.51.100.4"
    # a network of proxies (a container network), and a header that names no address
    assert await ip_of("172.18.0.5", "198.51.100.4", ["172.16.0.0/12"]) == "198.51.100.4"
    assert await ip_of("172.18.0.5", "not-an-address", ["172.16.0.0/12"]) == "172.18.0.5"


def test_emails_are_lower_cased_and_phones_become_e164():
    assert normalise_identifier(" Ann@Example.COM ") == "ann@example.com"
    assert normalise_identifier("４１５-５５５-０１００") == "+14155550100"


def test_there_is_no_admin_flag_only_roles():
    assert grants("agency_owner", Permission.CLIENT_DELETE)
    assert not grants("client_owner", Permission.CLIENT_DELETE)
    assert not grants("isAdmin", Permission.CLIENT_READ)


def test_identity_refuses_to_start_without_its_pepper_or_its_api_token():
    names = ("OTP_PEPPER", "IDENTITY_DATABASE_URL", "IDENTITY_API_TOKEN")
    env = {k: v for k, v in os.environ.items() if k not in names}
    env.update(KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:9", OTP_PEPPER="changeme", IDENTITY_API_TOKEN="")
    result = subprocess.run([sys.executable, "-m", "identity.main"], env=env, capture_output=True, text=True,
                            timeout=60)
    assert result.returncode == EXIT_BAD_SETTINGS
    assert "OTP_PEPPER" in result.stderr and "IDENTITY_DATABASE_URL" in result.stderr
    assert "IDENTITY_API_TOKEN is empty" in result.stderr
