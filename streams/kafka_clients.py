"""aiokafka clients configured from settings, and topic administration.

Faust never creates source topics, and a broker's auto-creation would make them with one
partition (then the agent fails with PartitionsMismatch), so every topic is created here
explicitly before a worker or producer starts.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from collections.abc import Iterable
from typing import Any

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import KafkaError, TopicAlreadyExistsError
from aiokafka.structs import TopicPartition

from .settings import Settings
from .topics import TopicSpec

log = logging.getLogger(__name__)


def bootstrap_of(settings: Settings) -> str:
    if not settings.kafka_bootstrap:
        raise RuntimeError("no Kafka bootstrap: set WIRE_KAFKA_BOOTSTRAP or start the local broker")
    return settings.kafka_bootstrap


def client_kwargs(settings: Settings) -> dict[str, Any]:
    """Connection settings shared by every aiokafka client (secrets only passed, never logged)."""
    kwargs: dict[str, Any] = {
        "bootstrap_servers": bootstrap_of(settings),
        "security_protocol": settings.kafka_security_protocol,
    }
    if settings.kafka_security_protocol in ("SSL", "SASL_SSL"):
        kwargs["ssl_context"] = ssl.create_default_context(
            cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None
        )
    if settings.kafka_security_protocol.startswith("SASL"):
        kwargs["sasl_mechanism"] = settings.kafka_sasl_mechanism or "PLAIN"
        kwargs["sasl_plain_username"] = settings.kafka_sasl_username
        if settings.kafka_sasl_password is not None:
            kwargs["sasl_plain_password"] = settings.kafka_sasl_password.get_secret_value()
    return kwargs


def kafka_message_limit(settings: Settings) -> int:
    """Largest record: an item at the size limit, base64-encoded (4/3) in its envelope."""
    return settings.max_item_bytes * 4 // 3 + 64 * 1024


def producer(settings: Settings, **overrides: Any) -> AIOKafkaProducer:
    """An idempotent, acks=all producer: the defaults every wirestream producer uses."""
    options: dict[str, Any] = {
        "enable_idempotence": True,
        "acks": "all",
        "linger_ms": 5,
        "max_request_size": kafka_message_limit(settings),
    }
    options.update(overrides)
    return AIOKafkaProducer(**client_kwargs(settings), **options)


def consumer(settings: Settings, *topics: str, **overrides: Any) -> AIOKafkaConsumer:
    options: dict[str, Any] = {"auto_offset_reset": "earliest", "enable_auto_commit": False}
    options.update(overrides)
    return AIOKafkaConsumer(*topics, **client_kwargs(settings), **options)


def _new_topic(settings: Settings, spec: TopicSpec) -> NewTopic:
    return NewTopic(
        name=settings.topic(spec.name),
        num_partitions=settings.partitions,
        replication_factor=settings.replication_factor,
        topic_configs={
            "retention.ms": str(spec.retention_ms),
            "max.message.bytes": str(kafka_message_limit(settings)),
        },
    )


async def ensure_topics(settings: Settings, specs: Iterable[TopicSpec] | None = None, timeout: float = 30.0) -> list[str]:
    """Create the pipeline topics that do not exist yet; fail loudly on a partition mismatch.

    By default: the pipeline's topics and those of the routes file (WIRE_ROUTES). Returns the
    names created.
    """
    if specs is None:
        from .routing import all_topic_specs  # the routes file is data read at start

        specs = all_topic_specs(settings.routes)
    admin = AIOKafkaAdminClient(**client_kwargs(settings), request_timeout_ms=int(timeout * 1000))
    await admin.start()
    try:
        wanted = {settings.topic(spec.name): spec for spec in specs}
        existing = set(await admin.list_topics())
        missing = [_new_topic(settings, spec) for name, spec in wanted.items() if name not in existing]
        if missing:
            try:
                await admin.create_topics(missing)
            except TopicAlreadyExistsError:
                pass  # another worker created them first
        present = [name for name in wanted if name in existing]
        if present:
            for desc in await admin.describe_topics(present):
                count = len(desc.get("partitions", []))
                if count != settings.partitions:
                    raise RuntimeError(
                        f"topic {desc['topic']} has {count} partitions, WIRE_PARTITIONS is {settings.partitions}: "
                        "align the setting with the cluster (Faust needs co-partitioned topics)"
                    )
        await _wait_for_leaders(admin, list(wanted), timeout)
    finally:
        await admin.close()
    if missing:
        await _wait_until_servable(settings, [t.name for t in missing], timeout)
    return [t.name for t in missing]


async def _wait_for_leaders(admin: AIOKafkaAdminClient, names: list[str], timeout: float) -> None:
    # A topic just created has no partition leaders for a moment; producing then fails.
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        described = await admin.describe_topics(names)
        if all(d.get("partitions") and all(p.get("leader", -1) >= 0 for p in d["partitions"]) for d in described):
            return
        if asyncio.get_running_loop().time() > deadline:
            raise TimeoutError(f"topics without leaders after {timeout} s: {names}")
        await asyncio.sleep(0.1)


async def _wait_until_servable(settings: Settings, names: list[str], timeout: float) -> None:
    # The controller names a leader before the broker has created the partition's log; until
    # then clients get NotLeaderForPartition. Listing offsets succeeds only once it is servable.
    probe = AIOKafkaConsumer(**client_kwargs(settings), enable_auto_commit=False)
    await probe.start()
    try:
        deadline = asyncio.get_running_loop().time() + timeout
        tps = [TopicPartition(name, p) for name in names for p in range(settings.partitions)]
        while True:
            try:
                await probe.end_offsets(tps)
                return
            except KafkaError:
                if asyncio.get_running_loop().time() > deadline:
                    raise
                await asyncio.sleep(0.1)
    finally:
        await probe.stop()


async def delete_topics(settings: Settings, names: Iterable[str]) -> None:
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        doomed = [n for n in names if n in existing]
        if doomed:
            await admin.delete_topics(doomed)
    finally:
        await admin.close()


async def list_topics(settings: Settings) -> set[str]:
    admin = AIOKafkaAdminClient(**client_kwargs(settings))
    await admin.start()
    try:
        return set(await admin.list_topics())
    finally:
        await admin.close()
