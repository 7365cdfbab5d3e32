"""One membership model: a person's role in an agency or in a client grants permissions.

Agency roles apply to every client of the agency; client roles to that client only.
There is no other source of authority (no `isAdmin`, no second team table).
"""
from __future__ import annotations

from enum import StrEnum


class Permission(StrEnum):
    CLIENT_READ = "client:read"
    CLIENT_UPDATE = "client:update"
    CLIENT_CREATE = "client:create"
    CLIENT_DELETE = "client:delete"
    MEMBERS_READ = "members:read"
    MEMBERS_MANAGE = "members:manage"
    LEADS_READ = "leads:read"
    ESCALATIONS_CLAIM = "escalations:claim"
    BILLING_MANAGE = "billing:manage"


_ALL = frozenset(Permission)
_TEAM = frozenset({Permission.CLIENT_READ, Permission.MEMBERS_READ, Permission.LEADS_READ,
                   Permission.ESCALATIONS_CLAIM})

AGENCY_ROLES: dict[str, frozenset[Permission]] = {
    "agency_owner": _ALL,
    "agency_admin": _ALL - {Permission.CLIENT_DELETE},
    "agency_staff": _TEAM,
}
CLIENT_ROLES: dict[str, frozenset[Permission]] = {
    "client_owner": _TEAM | {Permission.CLIENT_UPDATE, Permission.MEMBERS_MANAGE, Permission.BILLING_MANAGE},
    "client_admin": _TEAM | {Permission.MEMBERS_MANAGE},
    "client_member": _TEAM,
}


def grants(role: str, permission: Permission) -> bool:
    return permission in AGENCY_ROLES.get(role, CLIENT_ROLES.get(role, frozenset()))


def roles_granting(permission: Permission) -> list[str]:
    return [role for role, granted in (AGENCY_ROLES | CLIENT_ROLES).items() if permission in granted]
