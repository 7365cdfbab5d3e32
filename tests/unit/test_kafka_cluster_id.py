"""The dev/test broker's cluster id must be one Kafka's StorageTool accepts."""
import uuid

from revgen_devstack import kafka_broker


def test_a_new_cluster_id_never_starts_with_a_dash(monkeypatch):
    # 0xF8 encodes to "-" as the first URL-safe base64 character.
    drawn = iter([uuid.UUID(bytes=b"\xf8" + bytes(15)), uuid.UUID(bytes=b"\x01" * 16)])
    monkeypatch.setattr(kafka_broker.uuid, "uuid4", lambda: next(drawn))

    cluster_id = kafka_broker.new_cluster_id()

    assert not cluster_id.startswith("-")
    assert cluster_id == "AQEBAQEBAQEBAQEBAQEBAQ"


def test_a_cluster_id_is_22_url_safe_characters():
    for _ in range(1000):
        cluster_id = kafka_broker.new_cluster_id()
        assert len(cluster_id) == 22
        assert set(cluster_id) <= set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_")
        assert cluster_id[0] != "-"
