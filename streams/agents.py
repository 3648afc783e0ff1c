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
from typing import Any

import faust
import orjson
from pydantic import ValidationError

from . import topics as T
from .dedup import dedup_routing_key
from .envelope import decode_raw_record
from .metrics import Metrics, get_metrics
from .models import DeadLetter, EnrichedEvent, WireItem, to_json, utcnow
from .pipeline import build_deduplicator, build_tagger, dedup_stage, is_duplicate, normalise_stage, route, tag_stage
from .settings import Settings

log = logging.getLogger(__name__)

EXPIRE_EVERY_SECONDS = 60.0


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


def register_agents(app: faust.App, settings: Settings) -> None:
    metrics: Metrics = get_metrics()

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

    async def dead_letter(dead: DeadLetter, event: Any) -> None:
        if dead.kafka is None:
            dead = dead.model_copy(update={"kafka": _position(event)})
        metrics.dead_letters.labels(dead.stage, dead.reason).inc()
        log.warning("dead letter from %s: %s (%s)", dead.stage, dead.reason, dead.message)
        await dlq_t.send(key=(dead.raw_id or dead.id).encode(), value=to_json(dead))

    @app.agent(raw_t, name="normalise", concurrency=1)
    async def normalise_agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            metrics.items_in.labels("normalise").inc()
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
                await dead_letter(raw, event)
                continue
            started = time.perf_counter()
            result = normalise_stage(raw, max_bytes=settings.max_item_bytes)
            metrics.stage_seconds.labels("normalise").observe(time.perf_counter() - started)
            if isinstance(result, DeadLetter):
                await dead_letter(result, event)
                continue
            for item in result:
                metrics.items_out.labels("normalise", item.format).inc()
                await normalised_t.send(key=dedup_routing_key(item).encode(), value=to_json(item))

    @app.agent(normalised_t, name="dedup", concurrency=1)
    async def dedup_agent(stream: faust.StreamT) -> None:
        dedup = build_deduplicator(settings, dedup_table)
        next_expiry = time.monotonic() + EXPIRE_EVERY_SECONDS
        async for event in stream.events():
            metrics.items_in.labels("dedup").inc()
            try:
                item = WireItem.model_validate(orjson.loads(event.value))
            except (orjson.JSONDecodeError, ValidationError) as exc:
                await dead_letter(_undecodable("dedup", event, exc), event)
                continue
            started = time.perf_counter()
            result = dedup_stage(dedup, item)
            metrics.stage_seconds.labels("dedup").observe(time.perf_counter() - started)
            if isinstance(result, DeadLetter):
                await dead_letter(result, event)
                continue
            metrics.dedup_decisions.labels(result.dedup.status.value).inc()
            metrics.items_out.labels("dedup", result.format).inc()
            key = result.uri.encode()
            if is_duplicate(result):
                await _publish(out_topics[T.DUPLICATES], T.DUPLICATES, key, result)
            else:
                await deduplicated_t.send(key=key, value=to_json(result))
            # Expiry writes to the table, which Faust allows only while handling an event.
            if time.monotonic() >= next_expiry:
                dedup.expire()
                next_expiry = time.monotonic() + EXPIRE_EVERY_SECONDS
                metrics.dedup_entries.set(len(dedup_table))

    @app.agent(deduplicated_t, name="tag", concurrency=1)
    async def tag_agent(stream: faust.StreamT) -> None:
        async for event in stream.events():
            metrics.items_in.labels("tag").inc()
            try:
                incoming = EnrichedEvent.model_validate(orjson.loads(event.value))
            except (orjson.JSONDecodeError, ValidationError) as exc:
                await dead_letter(_undecodable("tag", event, exc), event)
                continue
            started = time.perf_counter()
            result = tag_stage(tagger, incoming)
            metrics.stage_seconds.labels("tag").observe(time.perf_counter() - started)
            if isinstance(result, DeadLetter):
                await dead_letter(result, event)
                continue
            metrics.items_out.labels("tag", result.format).inc()
            for region in result.tags.regions:
                metrics.tags.labels("region", region.code).inc()
            for storyline in result.tags.storylines:
                metrics.tags.labels("storyline", storyline.code).inc()
            name = route(result)
            await _publish(out_topics[name], name, result.uri.encode(), result)

    async def _publish(target: faust.TopicT, name: str, key: bytes, result: EnrichedEvent) -> None:
        await target.send(key=key, value=to_json(result))
        metrics.observe_published(name, result.received_at, result.versioncreated, utcnow())
