"""Thin Faust agents around the pure stage functions of `streams.pipeline`.

wire.raw ─normalise→ wire.normalised ─dedup→ wire.deduplicated ─tag→ wire.enriched
                                           └→ wire.duplicates
every stage ─(bad input)→ wire.dlq

Each agent decodes, calls one stage function, records metrics and sends. Agents run with
concurrency 1: with more, Faust commits offsets past items still in progress (faust#606).
"""

from __future__ import annotations

import logging
import time
from typing import Any, TypeVar

import faust
import orjson
from pydantic import ValidationError

from . import topics as T
from .dedup import dedup_partition, dedup_routing_key
from .envelope import decode_raw_record
from .faust_app import commit_gate
from .metrics import Metrics, get_metrics
from .models import DeadLetter, EnrichedEvent, WireItem, to_json, utcnow
from .pipeline import build_deduplicator, build_tagger, dedup_stage, is_duplicate, normalise_stage, tag_stage
from .routing import build_router
from .settings import Settings

log = logging.getLogger(__name__)

M = TypeVar("M", WireItem, EnrichedEvent)

# The stage functions the agents call; `wirestream bench` swaps in no-ops (streams.bench.passthrough).
PIPELINE_STAGES = (normalise_stage, dedup_stage, tag_stage)

HEADER_RAW_POSITION = "wire-raw-position"
EXPIRE_EVERY_SECONDS = 60.0


def _headers(event: Any) -> dict[str, bytes]:
    headers = event.message.headers or {}
    pairs = headers.items() if isinstance(headers, dict) else headers
    return {str(k): (v if isinstance(v, bytes) else str(v).encode()) for k, v in pairs}


def _position(event: Any) -> dict[str, Any]:
    message = event.message
    return {"topic": message.topic, "partition": message.partition, "offset": message.offset}


def _undecodable(stage: str, event: Any, exc: Exception) -> DeadLetter:
    reason = "schema_invalid" if isinstance(exc, ValidationError) else "invalid_json"
    dead = DeadLetter.for_bytes(
        event.value or b"",
        stage=stage,
        reason=reason,
        message=f"cannot read the record: {str(exc).splitlines()[0]}",
        key=f"{event.message.topic}:{event.message.partition}:{event.message.offset}",
    )
    return dead.model_copy(update={"kafka": _position(event)})


def register_agents(app: faust.App, settings: Settings, stages: tuple[Any, Any, Any] = PIPELINE_STAGES) -> None:
    normalise_stage, dedup_stage, tag_stage = stages  # noqa: F811 - the agents below call these
    metrics: Metrics = get_metrics()
    gate = commit_gate(app)

    def topic(name: str) -> faust.TopicT:
        # Raw bytes in and out: orjson and pydantic do the (de)serialisation, so a record that
        # fails to decode reaches our code (and the DLQ) instead of Faust's error log.
        return app.topic(settings.topic(name), key_type=bytes, value_type=bytes, key_serializer="raw", value_serializer="raw")

    raw_t, normalised_t, deduplicated_t = topic(T.RAW), topic(T.NORMALISED), topic(T.DEDUPLICATED)
    out_topics = {T.ENRICHED: topic(T.ENRICHED), T.DUPLICATES: topic(T.DUPLICATES)}
    dlq_t = topic(T.DLQ)

    dedup_table = app.Table(
        "dedup",
        partitions=settings.partitions,
        key_type=str,
        help="Dedup state: fingerprints, LSH buckets and story versions (streams.dedup).",
    )
    tagger = build_tagger(settings)
    app.wire_tagger = tagger  # type: ignore[attr-defined] - the worker warms the stages with it (streams.warmup)
    router = build_router(settings.routes, tagger)  # a bad routes file stops the start, naming its line
    out_topics.update({name: topic(name) for name in router.topics})

    async def dead_letter(dead: DeadLetter, event: Any) -> None:
        if dead.kafka is None:
            dead = dead.model_copy(update={"kafka": _position(event)})
        metrics.dead_letters.labels(dead.stage, dead.reason).inc()
        ids = {"raw_id": dead.raw_id, "stage": dead.stage, "reason": dead.reason, "source": dead.source, **dead.kafka}
        log.warning("dead letter from %s: %s (%s)", dead.stage, dead.reason, dead.message, extra=ids)
        await dlq_t.send(key=(dead.raw_id or dead.id).encode(), value=to_json(dead))

    async def read(model: type[M], stage: str, event: Any) -> M | None:
        """The record as `model`, or None once it went to the DLQ as unreadable."""
        try:
            # Not model_validate_json (~2-4 µs faster a hop): its parser takes NaN and Infinity
            # literals, which orjson refuses, and such a record must stay a dead letter.
            return model.model_validate(orjson.loads(event.value))
        except (orjson.JSONDecodeError, ValidationError) as exc:
            metrics.item_in(stage, None, None)
            await dead_letter(_undecodable(stage, event, exc), event)
            return None

    @app.agent(raw_t, name="normalise", concurrency=1)
    async def normalise_agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            async with gate.event(event) as new:  # acked here, outputs and offset commit together
                if not new:  # delivered again after a seek, already handled: its outputs are out
                    continue
                message = event.message
                raw = decode_raw_record(
                    event.value,
                    key=event.key,
                    headers=message.headers,
                    topic=message.topic,
                    partition=message.partition,
                    offset=message.offset,
                )
                if isinstance(raw, DeadLetter):
                    metrics.item_in("normalise", raw.source, raw.format)
                    await dead_letter(raw, event)
                    continue
                metrics.item_in("normalise", raw.source, raw.format_hint)
                started = time.perf_counter()
                result = normalise_stage(raw, max_bytes=settings.max_item_bytes)
                metrics.stage_timer["normalise"].observe(time.perf_counter() - started)
                if isinstance(result, DeadLetter):
                    await dead_letter(result, event)
                    continue
                for item in result:
                    metrics.item_out("normalise", raw.source, item.format)
                    # Where the raw record sits names this input for dedup, whichever
                    # wire.normalised record (a re-run after a crash makes another) carries it.
                    origin = f"{message.partition}:{message.offset}:{item.item_index}".encode()
                    await normalised_t.send(
                        key=dedup_routing_key(item).encode(), value=to_json(item), headers=[(HEADER_RAW_POSITION, origin)]
                    )
                    if log.isEnabledFor(logging.DEBUG):
                        log.debug("normalised %s", item.uri, extra={"raw_id": raw.id, "uri": item.uri, "format": item.format})

    @app.agent(normalised_t, name="dedup", concurrency=1)
    async def dedup_agent(stream: faust.StreamT) -> None:
        dedup = build_deduplicator(settings, dedup_table)

        async def reindex() -> None:  # its in-memory index is derived from the table: rebuild after recovery
            dedup.reload()

        dedup_table.on_recover(reindex)
        # A short window (tests, small deployments) is swept often enough to stay that short.
        expire_every = min(EXPIRE_EVERY_SECONDS, max(1.0, settings.dedup_window.total_seconds() / 4))
        next_expiry = time.monotonic() + expire_every
        async for event in stream.events():
            async with gate.event(event) as new:  # acked here, outputs and offset commit together
                if not new:  # delivered again after a seek, already handled: its outputs are out
                    continue
                item = await read(WireItem, "dedup", event)
                if item is None:
                    continue
                metrics.item_in("dedup", item.source.channel, item.format)
                # Every decision is made on one sequencing partition (streams/dedup/_routing.py): an
                # item found elsewhere was keyed or partitioned by another producer; deciding it here
                # would consult the wrong table partition and miss its copies.
                home = dedup_partition(item, settings.partitions)
                headers = _headers(event)
                if event.message.partition != home:
                    log.warning("dedup: item %s on partition %d, forwarded to %d", item.uri, event.message.partition, home)
                    await normalised_t.send(
                        key=dedup_routing_key(item).encode(), value=event.value, partition=home,
                        headers=list(headers.items()),
                    )
                    continue
                started = time.perf_counter()
                # The raw record's position names this input: delivered again, also through a
                # re-run of the normalise hop (a new wire.normalised record), it gets its first
                # decision back instead of being judged a duplicate of itself.
                origin = headers.get(HEADER_RAW_POSITION)
                delivery = origin.decode() if origin else f"n:{event.message.partition}:{event.message.offset}"
                result = dedup_stage(dedup, item, delivery=delivery)
                metrics.stage_timer["dedup"].observe(time.perf_counter() - started)
                if isinstance(result, DeadLetter):
                    await dead_letter(result, event)
                    continue
                metrics.decision(result.dedup.status.value).inc()
                metrics.item_out("dedup", result.source.channel, result.format)
                key = result.uri.encode()
                if is_duplicate(result):
                    await _publish(out_topics[T.DUPLICATES], T.DUPLICATES, key, result)
                else:
                    await deduplicated_t.send(key=key, value=to_json(result))
                # Expiry writes to the table, which Faust allows only while handling an event.
                if time.monotonic() >= next_expiry:
                    dedup.expire()
                    next_expiry = time.monotonic() + expire_every
                    metrics.dedup_entries.set(len(dedup_table))

    @app.agent(deduplicated_t, name="tag", concurrency=1)
    async def tag_agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            async with gate.event(event) as new:  # acked here, outputs and offset commit together
                if not new:  # delivered again after a seek, already handled: its outputs are out
                    continue
                incoming = await read(EnrichedEvent, "tag", event)
                if incoming is None:
                    continue
                metrics.item_in("tag", incoming.source.channel, incoming.format)
                started = time.perf_counter()
                result = tag_stage(tagger, incoming)
                metrics.stage_timer["tag"].observe(time.perf_counter() - started)
                if isinstance(result, DeadLetter):
                    await dead_letter(result, event)
                    continue
                metrics.item_out("tag", result.source.channel, result.format)
                for region in result.tags.regions:
                    metrics.tag_counter("region", region.code).inc()
                for storyline in result.tags.storylines:
                    metrics.tag_counter("storyline", storyline.code).inc()
                key = result.uri.encode()
                main, *routed = router.route(result)  # wire.enriched, then the desks' routed topics
                value = await _publish(out_topics[main], main, key, result)
                for name in routed:  # the same bytes: serialised once
                    await out_topics[name].send(key=key, value=value)

    async def _publish(target: faust.TopicT, name: str, key: bytes, result: EnrichedEvent) -> bytes:
        value = to_json(result)
        await target.send(key=key, value=value)
        # Once per event: copies on routed topics would count its age again.
        metrics.observe_published(name, result.received_at, result.versioncreated, utcnow())
        return value
