"""A single-node KRaft Kafka 4.x broker started from the Maven Central jars.

The jars are resolved by deploy/kafka/pom.xml; the broker runs as a child process
that dies with us. Data stays in `data_dir`, so a restart keeps every topic.
"""
from __future__ import annotations

import base64
import shutil
import subprocess
import uuid
from dataclasses import dataclass, field
from pathlib import Path

from revgen_devstack.ports import die_with_parent, free_port, wait_for_port

KAFKA_DEPLOY_DIR = Path(__file__).resolve().parents[3] / "kafka"

# Transactions need their state log and the offsets topic to be writable with a single
# replica; automatic topic creation is off so every topic comes from revgen_common.topics.
BROKER_SETTINGS = {
    "process.roles": "broker,controller",
    "node.id": "1",
    "controller.listener.names": "CONTROLLER",
    "inter.broker.listener.name": "PLAINTEXT",
    "listener.security.protocol.map": "PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT",
    "auto.create.topics.enable": "false",
    "offsets.topic.replication.factor": "1",
    "offsets.topic.num.partitions": "10",
    "transaction.state.log.replication.factor": "1",
    "transaction.state.log.min.isr": "1",
    "transaction.state.log.num.partitions": "10",
    "min.insync.replicas": "1",
    "default.replication.factor": "1",
    "group.initial.rebalance.delay.ms": "0",
    # room for a 1 MiB provider payload plus its envelope
    "message.max.bytes": "2097152",
    "replica.fetch.max.bytes": "2097152",
    "log.retention.hours": "168",
}


def kafka_libs_dir() -> Path:
    """Resolve the broker jars with Maven once; later calls reuse target/libs."""
    libs = KAFKA_DEPLOY_DIR / "target" / "libs"
    if not any(libs.glob("kafka_2.13-*.jar")):
        mvn = shutil.which("mvn")
        if mvn is None:
            raise RuntimeError("Maven (mvn) is required to fetch the Kafka broker jars")
        subprocess.run(
            [mvn, "-q", "-B", "-f", str(KAFKA_DEPLOY_DIR / "pom.xml"), "dependency:copy-dependencies"],
            check=True,
        )
    return libs


def new_cluster_id() -> str:
    """A random cluster id as Kafka makes them: URL-safe base64 of a UUID.

    Like Kafka's own Uuid.randomUuid, it never starts with "-": StorageTool's
    argument parser would read such an id as an option and refuse to format
    (one random id in 64 does; one failed a whole CI run).
    """
    while True:
        text = base64.urlsafe_b64encode(uuid.uuid4().bytes).decode().rstrip("=")
        if not text.startswith("-"):
            return text


def _cluster_id(data_dir: Path) -> str:
    id_file = data_dir / "cluster.id"
    if not id_file.exists():
        id_file.write_text(new_cluster_id())
    return id_file.read_text().strip()


@dataclass
class KafkaBroker:
    data_dir: Path
    port: int = field(default_factory=free_port)
    controller_port: int = field(default_factory=free_port)
    heap: str = "768m"
    process: subprocess.Popen | None = None

    @property
    def bootstrap_servers(self) -> str:
        return f"127.0.0.1:{self.port}"

    def _write_config(self) -> Path:
        settings = dict(BROKER_SETTINGS)
        settings.update(
            {
                "listeners": f"PLAINTEXT://127.0.0.1:{self.port},CONTROLLER://127.0.0.1:{self.controller_port}",
                "advertised.listeners": f"PLAINTEXT://127.0.0.1:{self.port}",
                "controller.quorum.voters": f"1@127.0.0.1:{self.controller_port}",
                "log.dirs": str(self.data_dir / "logs"),
            }
        )
        path = self.data_dir / "server.properties"
        path.write_text("".join(f"{k}={v}\n" for k, v in settings.items()))
        return path

    def _java(self, main_class: str, *args: str) -> list[str]:
        classpath = str(kafka_libs_dir() / "*")
        return [
            "java",
            "-Xms256m",
            f"-Xmx{self.heap}",
            f"-Dlog4j2.configurationFile={KAFKA_DEPLOY_DIR / 'log4j2.properties'}",
            "-cp",
            classpath,
            main_class,
            *args,
        ]

    def start(self, timeout: float = 90.0) -> "KafkaBroker":
        self.data_dir.mkdir(parents=True, exist_ok=True)
        config = self._write_config()
        if not (self.data_dir / "logs" / "meta.properties").exists():
            subprocess.run(
                self._java("kafka.tools.StorageTool", "format", f"--cluster-id={_cluster_id(self.data_dir)}", "-c", str(config)),
                check=True,
                stdout=subprocess.DEVNULL,
            )
        log = open(self.data_dir / "broker.log", "ab")
        self.process = subprocess.Popen(
            self._java("kafka.Kafka", str(config)), stdout=log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=die_with_parent,
        )
        wait_for_port(self.port, timeout, is_alive=lambda: self.process.poll() is None)
        return self

    def stop(self, timeout: float = 30.0) -> None:
        if self.process is None or self.process.poll() is not None:
            return
        self.process.terminate()
        try:
            self.process.wait(timeout)
        except subprocess.TimeoutExpired:
            self.process.kill()
            self.process.wait()

    def kill(self) -> None:
        """SIGKILL, for tests that need the broker gone without a goodbye."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait()


