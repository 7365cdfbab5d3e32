"""One membership model: a person's role in an agency or in a client grants permissions.

Agency roles apply to every client of the agency; client roles to that client only.
There is no other source of authority (no `isAdmin`, no second team table). The platform
role `operator` runs RevGen itself (the plan catalogue, reconciliation, the operations
pages); it reaches no tenant's data.
"""
from __future__ import annotations

from revgen_common.contracts.permissions import PLATFORM_PERMISSIONS, Permission

__all__ = ["AGENCY_ROLES", "CLIENT_ROLES", "PLATFORM_PERMISSIONS", "PLATFORM_ROLES", "Permission", "grants",
           "permissions_of", "roles_granting", "within"]

_ALL = frozenset(Permission) - PLATFORM_PERMISSIONS
_TEAM = frozenset({Permission.CLIENT_READ, Permission.MEMBERS_READ, Permission.LEADS_READ,
                   Permission.LEADS_MANAGE, Permission.ESCALATIONS_CLAIM})

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

PLATFORM_ROLES: dict[str, frozenset[Permission]] = {
    "operator": PLATFORM_PERMISSIONS,
}
_EVERY_ROLE = AGENCY_ROLES | CLIENT_ROLES | PLATFORM_ROLES


def grants(role: str, permission: Permission) -> bool:
    return permission in _EVERY_ROLE.get(role, frozenset())


def permissions_of(role: str) -> list[str]:
    return sorted(p.value for p in _EVERY_ROLE.get(role, frozenset()))


def roles_granting(permission: Permission) -> list[str]:
    return [role for role, granted in _EVERY_ROLE.items() if permission in granted]


def within(role: str, held_roles: list[str]) -> bool:
    """May someone holding `held_roles` give `role` (or act on a member who has it)? Only if
    it grants nothing they lack: an admin cannot make anyone, themselves included, an owner."""
    held = frozenset().union(*(_EVERY_ROLE.get(r, frozenset()) for r in held_roles))
    return _EVERY_ROLE.get(role, frozenset()) <= held
