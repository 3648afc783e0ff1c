"""server.properties for a single combined broker+controller KRaft node on 127.0.0.1."""

from __future__ import annotations

import base64
import os
import socket
from collections.abc import Mapping
from pathlib import Path

HOST = "127.0.0.1"


def free_port() -> int:
    """A TCP port on 127.0.0.1 that is free right now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind((HOST, 0))
        return s.getsockname()[1]


def port_is_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        # Like the JVM's server sockets: a port whose old connections sit in TIME_WAIT is usable.
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind((HOST, port))
        except OSError:
            return False
        return True


def random_cluster_id() -> str:
    """Same format as ``kafka-storage random-uuid``: 16 random bytes, URL-safe base64, unpadded.

    Generated here instead of running ``kafka.tools.StorageTool random-uuid``, which costs a JVM
    start (~1 s). Like Kafka's Uuid.randomUuid, never all zeros and never starting with '-'.
    """
    while True:
        raw = os.urandom(16)
        cid = base64.urlsafe_b64encode(raw).rstrip(b"=").decode()
        if any(raw) and not cid.startswith("-"):
            return cid


def server_properties(
    data_dir: Path,
    broker_port: int,
    controller_port: int,
    overrides: Mapping[str, str] | None = None,
) -> dict[str, str]:
    props = {
        "process.roles": "broker,controller",
        "node.id": "1",
        "controller.quorum.bootstrap.servers": f"{HOST}:{controller_port}",
        "listeners": f"PLAINTEXT://{HOST}:{broker_port},CONTROLLER://{HOST}:{controller_port}",
        "advertised.listeners": f"PLAINTEXT://{HOST}:{broker_port},CONTROLLER://{HOST}:{controller_port}",
        "controller.listener.names": "CONTROLLER",
        "inter.broker.listener.name": "PLAINTEXT",
        "listener.security.protocol.map": "CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT",
        "log.dirs": str(data_dir),
        # One node: every internal topic and default has replication factor 1 / min ISR 1.
        "num.partitions": "1",
        "default.replication.factor": "1",
        "min.insync.replicas": "1",
        "offsets.topic.replication.factor": "1",
        "offsets.topic.num.partitions": "6",
        "transaction.state.log.replication.factor": "1",
        "transaction.state.log.min.isr": "1",
        "transaction.state.log.num.partitions": "6",
        "share.coordinator.state.topic.replication.factor": "1",
        "share.coordinator.state.topic.min.isr": "1",
        "share.coordinator.state.topic.num.partitions": "6",
        "group.initial.rebalance.delay.ms": "0",
        # After a crash (SIGKILL) the restarted broker cannot register until the controller
        # expires the old session: 9 s by default, i.e. a ~12 s restart. Broker and controller
        # share this JVM, so a shorter session is safe.
        "broker.heartbeat.interval.ms": "1000",
        "broker.session.timeout.ms": "4000",
        # Faust never creates source topics and auto-created ones get 1 partition: create all
        # topics explicitly instead.
        "auto.create.topics.enable": "false",
    }
    props.update(overrides or {})
    return props


def render(props: Mapping[str, str]) -> str:
    lines = ["# Written by streams.localkafka on every start; edits are overwritten."]
    lines += [f"{k}={v}" for k, v in props.items()]
    return "\n".join(lines) + "\n"


def parse(text: str) -> dict[str, str]:
    """Enough of the Java properties format to read back what :func:`render` wrote."""
    out: dict[str, str] = {}
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith(("#", "!")) and "=" in line:
            k, v = line.split("=", 1)
            out[k.strip()] = v.strip()
    return out
