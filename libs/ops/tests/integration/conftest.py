"""Operators' tools record what they do on revgen.operations-audit: it exists, as every
declared topic does where the services run."""
import pytest

from revgen_common.topics import OPERATIONS_AUDIT, ensure_topics


@pytest.fixture(autouse=True)
async def audit_topic(infra):
    await ensure_topics(infra.bootstrap_servers, (OPERATIONS_AUDIT,))
