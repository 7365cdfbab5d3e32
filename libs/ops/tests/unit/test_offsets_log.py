"""Decoding the brokers' offset commit records, as Kafka writes them (versions 1, 3, 4)."""
import struct
from datetime import UTC, datetime

from revgen_ops.offsets_log import decode_commit, java_string_hash, offsets_partition

AT_MS = 1_796_000_000_123


def key(group="billing", topic="webhooks.stripe", partition=2, version=1):
    text = lambda s: struct.pack(">h", len(s)) + s.encode()  # noqa: E731
    return struct.pack(">h", version) + text(group) + text(topic) + struct.pack(">i", partition)


def test_a_version_3_commit_gives_its_group_partition_offset_and_time():
    value = struct.pack(">hqih", 3, 42, 7, 0) + struct.pack(">q", AT_MS)
    commit = decode_commit(key(), value)
    assert (commit.group, commit.topic, commit.partition, commit.offset) == ("billing", "webhooks.stripe", 2, 42)
    assert commit.committed_at == datetime.fromtimestamp(AT_MS / 1000, UTC)


def test_a_version_4_flexible_commit_with_metadata_and_a_tagged_field_decodes():
    metadata = b"meta"
    value = (struct.pack(">hqi", 4, 99, -1) + bytes([len(metadata) + 1]) + metadata + struct.pack(">q", AT_MS)
             + bytes([1, 0, 16]) + bytes(16))  # one tagged field: the topic id
    assert decode_commit(key(), value).offset == 99


def test_a_version_1_commit_with_its_expiry_decodes():
    value = struct.pack(">hqh", 1, 5, 0) + struct.pack(">qq", AT_MS, -1)
    assert decode_commit(key(version=0), value).offset == 5


def test_group_metadata_and_deleted_offsets_are_not_commits():
    assert decode_commit(key(version=2), b"\x00\x03") is None
    assert decode_commit(key(), None) is None


def test_a_group_lands_on_the_partition_the_coordinator_picks():
    # String.hashCode() as a JVM (Java 17) printed it; Kafka takes abs() % partitions.
    assert java_string_hash("billing") == -109829509
    assert java_string_hash("messaging-sender") == -1240063714
    assert offsets_partition("billing", 50) == 109829509 % 50 == 9
