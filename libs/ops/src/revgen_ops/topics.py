"""What is on the brokers: each topic's partitions, retention, size on disk and offsets."""
from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass

from aiokafka.admin import AIOKafkaAdminClient
from aiokafka.admin.config_resource import ConfigResource, ConfigResourceType
from aiokafka.errors import KafkaError
from aiokafka.protocol.api import Request, RequestStruct, Response
from aiokafka.protocol.types import Array, Boolean, Int16, Int32, Int64, Schema, String

from revgen_common.topic_reading import partitions_of
from revgen_common.topics import ALL_TOPICS
from revgen_ops.brokers import connected


@dataclass(frozen=True)
class TopicInfo:
    name: str
    partitions: int
    retention_ms: int | None
    cleanup_policy: str | None
    size_bytes: int | None  # on disk, every replica; None when the brokers would not say
    start_offsets: tuple[int, ...]
    end_offsets: tuple[int, ...]
    declared: bool  # one of revgen_common.topics

    @property
    def messages(self) -> int:
        """Messages the log holds now (compaction and transaction markers make it approximate)."""
        return sum(end - start for start, end in zip(self.start_offsets, self.end_offsets))


async def describe(bootstrap_servers: str, internal: bool = False) -> list[TopicInfo]:
    async with connected(bootstrap_servers) as (admin, consumer):
        names = sorted(t for t in await admin.list_topics() if internal or not t.startswith("__"))
        configs = await _configs(admin, names)
        sizes = await _sizes(admin)
        declared = {t.name for t in ALL_TOPICS}
        found = []
        for name in names:
            tps = await partitions_of(bootstrap_servers, name)
            starts = await consumer.beginning_offsets(tps)
            ends = await consumer.end_offsets(tps)
            retention = configs.get(name, {}).get("retention.ms")
            found.append(TopicInfo(name, len(tps), int(retention) if retention is not None else None,
                                   configs.get(name, {}).get("cleanup.policy"), sizes.get(name),
                                   tuple(starts[tp] for tp in tps), tuple(ends[tp] for tp in tps), name in declared))
        return found


async def _configs(admin: AIOKafkaAdminClient, names: list[str]) -> dict[str, dict[str, str]]:
    if not names:
        return {}
    responses = await admin.describe_configs([ConfigResource(ConfigResourceType.TOPIC, n) for n in names])
    configs: dict[str, dict[str, str]] = {}
    for response in responses:
        for _code, _message, _type, name, entries in response.resources:
            configs[name] = {entry[0]: entry[1] for entry in entries}
    return configs


# DescribeLogDirs (API 35) is not in aiokafka's admin client: its v1 request and response.
class _DescribeLogDirsResponse_v1(Response):
    API_KEY = 35
    API_VERSION = 1
    SCHEMA = Schema(
        ("throttle_time_ms", Int32),
        ("results", Array(
            ("error_code", Int16), ("log_dir", String("utf-8")),
            ("topics", Array(("name", String("utf-8")), ("partitions", Array(
                ("partition_index", Int32), ("partition_size", Int64), ("offset_lag", Int64),
                ("is_future_key", Boolean))))))),
    )


class _DescribeLogDirsRequest_v1(RequestStruct):
    API_KEY = 35
    API_VERSION = 1
    RESPONSE_TYPE = _DescribeLogDirsResponse_v1
    SCHEMA = Schema(("topics", Array(("topic", String("utf-8")), ("partitions", Array(Int32)))))


class _DescribeLogDirsRequest(Request[_DescribeLogDirsRequest_v1]):
    API_KEY = 35

    def build(self, request_struct_class: type[_DescribeLogDirsRequest_v1]) -> _DescribeLogDirsRequest_v1:
        return request_struct_class(None)  # every topic


async def _sizes(admin: AIOKafkaAdminClient) -> dict[str, int]:
    """Bytes on disk per topic, added up over every broker's log directories; empty if the
    brokers do not answer (an older or locked-down cluster): sizes are then unknown."""
    sizes: dict[str, int] = defaultdict(int)
    try:
        metadata = await admin._get_cluster_metadata()
        for broker in metadata.brokers:
            response = await admin._send_request(_DescribeLogDirsRequest(), broker[0])
            for error_code, _dir, topics in response.results:
                for name, partitions in ([] if error_code else topics):
                    sizes[name] += sum(p[1] for p in partitions if not p[3])
    except (KafkaError, NotImplementedError):
        return {}
    return dict(sizes)

