"""The producer every ingest command writes ``wire.raw`` with, and the record it writes.

One record per `RawItem`: value = the envelope (orjson), key = ``source:source id`` so versions
of one story land on one partition in order, headers = source, format, content type, file name,
the RawItem id (``wire-id``) and producer-specific extras. The producer is idempotent with
``acks=all`` and zstd compression (`streams.kafka_clients.producer`).

`scan_ids` reads those ``wire-id`` headers back: it is how a producer that was killed finds out
which of its sends Kafka had acknowledged before it died (see `journal.py`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Iterable
from dataclasses import dataclass

from aiokafka import AIOKafkaProducer
from aiokafka.structs import RecordMetadata, TopicPartition

from .. import topics as T
from ..envelope import HEADER_CONTENT_TYPE, HEADER_FILENAME, HEADER_FORMAT, HEADER_SOURCE
from ..kafka_clients import consumer, ensure_topics, producer
from ..metrics import get_metrics, source_kind
from ..models import RawItem, to_json
from ..settings import Settings

log = logging.getLogger(__name__)

HEADER_ID = "wire-id"
HEADER_SOURCE_ID = "wire-source-id"

PRODUCERS = ("dir", "feeds", "http", "replay")
BATCH_BYTES = 1024 * 1024


def record_key(source: str, source_id: str) -> bytes:
    return f"{source}:{source_id}".encode()


def record_headers(raw: RawItem, extra: dict[str, str] | None = None) -> list[tuple[str, bytes]]:
    headers = {HEADER_ID: raw.id, HEADER_SOURCE: raw.source}
    if raw.format_hint:
        headers[HEADER_FORMAT] = raw.format_hint
    if raw.content_type:
        headers[HEADER_CONTENT_TYPE] = raw.content_type
    if raw.filename:
        headers[HEADER_FILENAME] = raw.filename
    headers.update(extra or {})
    return [(name, value.encode("utf-8")) for name, value in headers.items()]


@dataclass(frozen=True)
class Outgoing:
    """One item to send: the envelope, the story's id at its source (for the key), extra headers."""

    raw: RawItem
    source_id: str
    headers: dict[str, str] | None = None

    @property
    def key(self) -> bytes:
        return record_key(self.raw.source, self.source_id)


class RawSink:
    """The wire.raw producer of one ingest command, with its metrics."""

    def __init__(self, settings: Settings, producer_name: str) -> None:
        if producer_name not in PRODUCERS:
            raise ValueError(f"unknown producer {producer_name!r}")
        self.settings = settings
        self.name = producer_name
        self.topic = settings.topic(T.RAW)
        self.metrics = get_metrics()
        self._producer: AIOKafkaProducer | None = None  # aiokafka wants a running loop: made in start()
        self.started = False

    async def start(self, create_topic: bool = True) -> None:
        if create_topic:
            await ensure_topics(self.settings, [T.BY_NAME[T.RAW]])
        # Wire items are a few KiB: aiokafka's 16 KiB default batch would carry three of them.
        self._producer = producer(self.settings, compression_type="zstd", max_batch_size=BATCH_BYTES)
        await self._producer.start()
        self.started = True

    async def stop(self) -> None:
        if self._producer is not None:
            self.started = False
            await self._producer.stop()
            self._producer = None

    async def __aenter__(self) -> RawSink:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    async def enqueue(self, item: Outgoing) -> asyncio.Future:
        """Hand one item to the producer; the returned future resolves on Kafka's ack."""
        assert self._producer is not None, "sink not started"
        return await self._producer.send(
            self.topic, to_json(item.raw), key=item.key, headers=record_headers(item.raw, item.headers)
        )

    async def send(self, item: Outgoing) -> RecordMetadata:
        """Send one item and wait for Kafka's acknowledgement (raises on failure)."""
        gauge = self.metrics.ingest_in_flight.labels(self.name)
        gauge.inc()
        try:
            # shield: a caller's timeout must not cancel aiokafka's own delivery future.
            meta = await asyncio.shield(await self.enqueue(item))
        except Exception:
            self.metrics.ingest_send_errors.labels(self.name).inc()
            raise
        finally:
            gauge.dec()
        self.acknowledged(item)
        return meta

    async def send_many(self, items: list[Outgoing]) -> list[RecordMetadata | BaseException]:
        """Send items concurrently (batched by the producer); one result or exception per item."""
        gauge = self.metrics.ingest_in_flight.labels(self.name)
        gauge.inc(len(items))
        try:
            futures = []
            for item in items:
                try:
                    futures.append(await self.enqueue(item))
                except Exception as exc:  # refused before sending, e.g. too large for the producer
                    done = asyncio.get_running_loop().create_future()
                    done.set_exception(exc)
                    futures.append(done)
            results = await asyncio.gather(*futures, return_exceptions=True)
        finally:
            gauge.dec(len(items))
        for item, result in zip(items, results, strict=True):
            if isinstance(result, BaseException):
                self.metrics.ingest_send_errors.labels(self.name).inc()
            else:
                self.acknowledged(item)
        return results

    def acknowledged(self, item: Outgoing) -> None:
        self.metrics.ingest_items.labels(self.name, source_kind(item.raw.source)).inc()
        self.metrics.ingest_bytes.labels(self.name).inc(len(item.raw.payload))

    def connected(self) -> bool:
        """Whether the producer runs and knows at least one broker (for readiness probes)."""
        client = getattr(self._producer, "client", None)
        return self.started and client is not None and bool(client.cluster.brokers())

    async def refresh_metadata(self, timeout: float = 2.0) -> bool:
        """Ask the cluster for metadata (a liveness check of the connection) within timeout."""
        if not self.started or self._producer is None:
            return False
        try:
            await asyncio.wait_for(self._producer.client.force_metadata_update(), timeout)
        except (TimeoutError, Exception):  # noqa: BLE001 - any failure means not ready
            return False
        return self.connected()


async def end_offsets(settings: Settings) -> dict[int, int]:
    """The current end offset of every wire.raw partition."""
    topic = settings.topic(T.RAW)
    # Naming the topic makes start() fetch its metadata (the topic exists: RawSink.start made it).
    cons = consumer(settings, topic, group_id=None)
    await cons.start()
    try:
        parts = cons.partitions_for_topic(topic) or set()
        ends = await cons.end_offsets([TopicPartition(topic, p) for p in sorted(parts)])
        return {tp.partition: offset for tp, offset in ends.items()}
    finally:
        await cons.stop()


async def scan_ids(settings: Settings, since: dict[int, int] | None, sources: Iterable[str] | None) -> set[str]:
    """RawItem ids (``wire-id`` headers) the given sources (None: any) wrote to wire.raw after `since`.

    `since` maps partition -> offset (a journal checkpoint); partitions it does not name are
    read from their start, and None reads everything. Reads up to the end offsets as they are
    when the scan starts.
    """
    wanted = None if sources is None else {s.encode() for s in sources}
    since = since or {}
    topic = settings.topic(T.RAW)
    ends = await end_offsets(settings)
    found: set[str] = set()
    todo = {p: end for p, end in ends.items() if since.get(p, 0) < end}
    if not todo:
        return found
    cons = consumer(settings, group_id=None)
    await cons.start()
    try:
        tps = {p: TopicPartition(topic, p) for p in todo}
        cons.assign(list(tps.values()))
        for p, tp in tps.items():
            cons.seek(tp, since.get(p, 0))
        while todo:
            batch = await cons.getmany(*[tps[p] for p in todo], timeout_ms=1000)
            for tp, records in batch.items():
                for record in records:
                    headers = dict(record.headers or ())
                    if HEADER_ID in headers and (wanted is None or headers.get(HEADER_SOURCE) in wanted):
                        found.add(headers[HEADER_ID].decode())
            for p in list(todo):
                if await cons.position(tps[p]) >= todo[p]:
                    del todo[p]
    finally:
        await cons.stop()
    log.info("scanned wire.raw since %s: %d ids already there", since, len(found))
    return found
