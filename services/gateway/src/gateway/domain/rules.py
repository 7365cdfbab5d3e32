"""Who may call a route: every gateway route declares one of these (entrypoints/route_table.py).

A rule names the permission a route needs and where the client (or agency) it touches comes
from; identity decides (GET /authorize). The authorization matrix test walks every route
and its rule, so a route cannot be added without one.
"""
from __future__ import annotations

from dataclasses import dataclass

from revgen_common.contracts.permissions import Permission


@dataclass(frozen=True)
class Public:
    """No session: the way in (log in), the documentation, health."""
    why: str
    login: bool = False  # counted against the login rate limits

    def describe(self) -> str:
        return f"public ({self.why})"


@dataclass(frozen=True)
class SignedIn:
    """Any valid session; the route reads or acts on the caller's own things only."""

    def describe(self) -> str:
        return "signed in (the caller's own data)"


@dataclass(frozen=True)
class OnClient:
    """`permission` on the client whose id is the path parameter `param`."""
    permission: Permission
    param: str = "client_id"

    def describe(self) -> str:
        return f"{self.permission.value} on the client {{{self.param}}}"


@dataclass(frozen=True)
class OnClientOf:
    """`permission` on the client that owns the object the path parameter `param` names;
    `owner` says which lookup finds it (the gateway asks the service that holds it)."""
    permission: Permission
    param: str
    owner: str

    def describe(self) -> str:
        return f"{self.permission.value} on the client that owns the {self.owner} {{{self.param}}}"


@dataclass(frozen=True)
class InAgency:
    """`permission` in the agency whose id is the path parameter `param`."""
    permission: Permission
    param: str = "agency_id"

    def describe(self) -> str:
        return f"{self.permission.value} in the agency {{{self.param}}}"


@dataclass(frozen=True)
class OnPlatform:
    """A platform permission (RevGen's operators): the catalogue, operations."""
    permission: Permission

    def describe(self) -> str:
        return f"{self.permission.value} (platform role)"


@dataclass(frozen=True)
class ClaimLink:
    """The unguessable claim token in the path is the credential (it was texted to one team
    member); no session is needed, as none is on a phone that taps the link."""
    param: str = "token"

    def describe(self) -> str:
        return f"the claim link {{{self.param}}} itself"


Open = Public | ClaimLink  # no session asked for: the caller is a Visitor (entrypoints/admission.py)
SessionRule = SignedIn | OnClient | OnClientOf | InAgency | OnPlatform  # a session first: the caller is a Caller
Rule = Open | SessionRule
