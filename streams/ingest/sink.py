"""The producer every ingest command writes ``wire.raw`` with, and the record it writes.

One record per `RawItem`: value = the envelope (orjson), key = ``source:source id`` so versions
of one story land on one partition in order, headers = source, format, content type, file name,
the RawItem id (``wire-id``) and producer-specific extras. The producer is idempotent with
``acks=all`` and zstd compression (`streams.kafka_clients.producer`).

The same producer writes the dead letters of input the command refuses to ``wire.dlq``
(`send_dead_letter`, `rejects.py`), and keeps the command's readiness (`health.py`) up to date:
connected once the metadata of wire.raw is fetched, a metadata request every second while it
runs, and the outcome of every send.

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
from ..models import DeadLetter, RawItem, to_json
from ..normalise.errors import TABLE as REASONS_TABLE
from ..settings import Settings
from .health import CHECK_INTERVAL, CHECK_TIMEOUT, ProducerHealth
from .rejects import STAGE as INGEST_STAGE
from .rejects import letter_summary

log = logging.getLogger(__name__)

HEADER_ID = "wire-id"
HEADER_SOURCE_ID = "wire-source-id"

PRODUCERS = ("dir", "feeds", "http", "replay")
BATCH_BYTES = 1024 * 1024
CONNECT_BACKOFF_MAX = 10.0  # seconds between attempts to reach a cluster that is away at start

# Kafka errors that refuse one record for what it is (retrying cannot help): they say nothing
# about whether the producer can deliver other items.
REFUSALS = ("MessageSizeTooLargeError", "RecordTooLargeError", "InvalidRecordError", "CorruptRecordError")


def is_refusal(error: BaseException) -> bool:
    return type(error).__name__ in REFUSALS


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
    """The wire.raw producer of one ingest command, with its metrics and readiness."""

    def __init__(self, settings: Settings, producer_name: str, health: ProducerHealth | None = None) -> None:
        if producer_name not in PRODUCERS:
            raise ValueError(f"unknown producer {producer_name!r}")
        self.settings = settings
        self.name = producer_name
        self.topic = settings.topic(T.RAW)
        self.dlq_topic = settings.topic(T.DLQ)
        self.metrics = get_metrics()
        self.health = health if health is not None else ProducerHealth()
        self._producer: AIOKafkaProducer | None = None  # aiokafka wants a running loop: made in start()
        self._watcher: asyncio.Task | None = None
        self.started = False
        for reason in REASONS_TABLE:  # this process's dead-letter series start at 0
            if INGEST_STAGE in reason.stages:
                self.metrics.dead_letters.labels(INGEST_STAGE, reason.code)

    async def start(self, create_topic: bool = True, *, retry: bool = False, stopping: asyncio.Event | None = None) -> bool:
        """Connect: create wire.raw and wire.dlq if missing, start the producer, fetch wire.raw's
        metadata. With `retry`, a cluster that cannot be reached is tried again (backoff up to
        10 s) until it answers, or until `stopping` is set: then this returns False."""
        self.health.attach_loop(asyncio.get_running_loop())
        attempt = 0
        while True:
            try:
                await self._connect(create_topic)
                break
            except Exception as exc:  # noqa: BLE001 - any failure to connect: retry or raise
                await self._close_producer()
                if not retry:
                    raise
                attempt += 1
                delay = min(CONNECT_BACKOFF_MAX, 0.5 * 2**attempt)
                log.warning("cannot reach Kafka (%s: %s); trying again in %.0f s", type(exc).__name__, exc, delay)
                if stopping is None:
                    await asyncio.sleep(delay)
                else:
                    try:
                        await asyncio.wait_for(stopping.wait(), delay)
                    except TimeoutError:
                        continue
                    log.warning("stopped before Kafka could be reached")
                    return False
        self.started = True
        self.health.connected_to(self.topic)
        self._watcher = asyncio.create_task(self._watch(), name=f"ingest-{self.name}-kafka-check")
        return True

    async def _connect(self, create_topic: bool) -> None:
        if create_topic:
            await ensure_topics(self.settings, [T.BY_NAME[T.RAW], T.BY_NAME[T.DLQ]])
        # Wire items are a few KiB: aiokafka's 16 KiB default batch would carry three of them.
        self._producer = producer(self.settings, compression_type="zstd", max_batch_size=BATCH_BYTES)
        await self._producer.start()
        await self._producer.partitions_for(self.topic)  # waits for wire.raw's metadata

    async def _close_producer(self) -> None:
        if self._producer is not None:
            try:
                await self._producer.stop()
            except Exception as exc:  # noqa: BLE001 - a half-started producer: nothing to flush
                log.debug("closing the producer: %r", exc)
            self._producer = None

    async def stop(self) -> None:
        self.health.stopping = True
        if self._watcher is not None:
            self._watcher.cancel()
            await asyncio.gather(self._watcher, return_exceptions=True)
            self._watcher = None
        if self._producer is not None:
            self.started = False
            await self._producer.stop()
            self._producer = None
        self.health.disconnected()

    async def __aenter__(self) -> RawSink:
        await self.start()
        return self

    async def __aexit__(self, *exc) -> None:
        await self.stop()

    # Readiness --------------------------------------------------------------------------------

    async def _watch(self) -> None:
        """Every CHECK_INTERVAL: can the cluster be reached, has every wire.raw partition a leader?"""
        while True:
            await asyncio.sleep(CHECK_INTERVAL)
            ok, detail = await self.check_connection()
            self.health.check_result(ok, detail)

    async def check_connection(self) -> tuple[bool, str]:
        if self._producer is None:
            return False, "the producer is not running"
        client = self._producer.client
        try:
            # force_metadata_update is shielded: a timeout here does not cancel aiokafka's update.
            updated = await asyncio.wait_for(client.force_metadata_update(), CHECK_TIMEOUT)
        except TimeoutError:
            return False, f"no answer to a metadata request within {CHECK_TIMEOUT:g}s"
        except Exception as exc:  # noqa: BLE001 - whatever it is, the cluster did not answer
            return False, f"metadata request failed: {type(exc).__name__}: {exc}"
        if not updated:
            return False, "no broker answered a metadata request"
        partitions = client.cluster.partitions_for_topic(self.topic) or set()
        if not partitions:
            return False, f"{self.topic} is unknown to the cluster"
        leaderless = len(partitions) - len(client.cluster.available_partitions_for_topic(self.topic) or ())
        if leaderless:
            return False, f"{leaderless} of {len(partitions)} partitions of {self.topic} have no leader"
        return True, "ok"

    def _outcome(self, error: BaseException | None) -> None:
        if error is None:
            self.health.delivered()
        elif not is_refusal(error):
            self.health.send_failed(f"{type(error).__name__}: {error}")

    def _settled(self, future: asyncio.Future) -> None:
        """Kafka's answer to one send, whenever it comes (also after a caller gave up waiting)."""
        if not future.cancelled():
            self._outcome(future.exception())

    async def _send(self, topic: str, value: bytes, key: bytes, headers: list[tuple[str, bytes]] | None = None) -> asyncio.Future:
        if self._producer is None:
            raise RuntimeError("not connected to Kafka yet")
        try:
            future = await self._producer.send(topic, value, key=key, headers=headers)
        except Exception as exc:  # refused before sending (too large for the producer, Kafka away)
            self._outcome(exc)
            raise
        future.add_done_callback(self._settled)
        return future

    # Sending ----------------------------------------------------------------------------------

    async def enqueue(self, item: Outgoing) -> asyncio.Future:
        """Hand one item to the producer; the returned future resolves on Kafka's ack."""
        return await self._send(self.topic, to_json(item.raw), item.key, record_headers(item.raw, item.headers))

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

    async def send_dead_letter(self, letter: DeadLetter) -> RecordMetadata:
        """Put the dead letter of refused input on wire.dlq and wait for Kafka's ack."""
        try:
            meta = await asyncio.shield(await self._send(self.dlq_topic, to_json(letter), (letter.raw_id or letter.id).encode()))
        except Exception:
            self.metrics.ingest_send_errors.labels(self.name).inc()
            raise
        self.metrics.dead_letters.labels(letter.stage, letter.reason).inc()
        # A refused item is an item in too: WirestreamDeadLetterRateHigh divides by items in.
        self.metrics.item_in(letter.stage, letter.source, letter.format)
        log.warning("dead letter from %s: %s (%s)", self.name, letter.reason, letter.message, extra=letter_summary(letter))
        return meta

    def acknowledged(self, item: Outgoing) -> None:
        # Ingest counts an item in at its outcome (here, or as a dead letter), not per send
        # attempt: an item sent again after a failed send is one item.
        self.metrics.item_in(INGEST_STAGE, item.raw.source, item.raw.format_hint)
        self.metrics.ingest_items.labels(self.name, source_kind(item.raw.source)).inc()
        self.metrics.ingest_bytes.labels(self.name).inc(len(item.raw.payload))


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
