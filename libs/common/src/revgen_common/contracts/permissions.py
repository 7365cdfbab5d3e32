"""What a person may do: the names identity's roles grant (identity.domain.roles) and the
gateway's routes ask for (GET /authorize). One list, so the two never drift apart."""
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
    LEADS_MANAGE = "leads:manage"
    ESCALATIONS_CLAIM = "escalations:claim"
    BILLING_MANAGE = "billing:manage"
    # platform permissions: granted by platform roles (operator) only, never by a tenant role
    CATALOG_MANAGE = "catalog:manage"
    OPERATIONS_RUN = "operations:run"


PLATFORM_PERMISSIONS = frozenset({Permission.CATALOG_MANAGE, Permission.OPERATIONS_RUN})
