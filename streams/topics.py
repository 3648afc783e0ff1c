"""The topic contracts: every topic's name, key, message model, partitions and retention.

This table is the single source for topic creation, the generated JSON Schemas and
``schemas/asyncapi.yaml``.
"""

from __future__ import annotations

from dataclasses import dataclass

from pydantic import BaseModel

from .models import DeadLetter, EnrichedEvent, RawItem, WireItem

DAY_MS = 24 * 3600 * 1000


@dataclass(frozen=True)
class TopicSpec:
    name: str
    message: type[BaseModel]
    key: str
    description: str
    retention_ms: int
    internal: bool = False  # pipeline-internal hop: desks should not subscribe to it


RAW = "wire.raw"
NORMALISED = "wire.normalised"
DEDUPLICATED = "wire.deduplicated"
ENRICHED = "wire.enriched"
DUPLICATES = "wire.duplicates"
DLQ = "wire.dlq"

TOPICS: tuple[TopicSpec, ...] = (
    TopicSpec(
        RAW,
        RawItem,
        key="source + ':' + source id (or the RawItem id), so versions of one story stay in order",
        description="Raw items as ingest producers received them, in any supported wire format.",
        retention_ms=7 * DAY_MS,
    ),
    TopicSpec(
        NORMALISED,
        WireItem,
        key="the dedup routing key (see streams.dedup.dedup_routing_key)",
        description="Canonical items, one per story found in a raw item.",
        retention_ms=7 * DAY_MS,
        internal=True,
    ),
    TopicSpec(
        DEDUPLICATED,
        EnrichedEvent,
        key="the item's uri",
        description="New items and updates with their dedup decision, not yet tagged.",
        retention_ms=7 * DAY_MS,
        internal=True,
    ),
    TopicSpec(
        ENRICHED,
        EnrichedEvent,
        key="the item's uri",
        description="New stories and real updates, deduplicated and tagged: what desks subscribe to.",
        retention_ms=30 * DAY_MS,
    ),
    TopicSpec(
        DUPLICATES,
        EnrichedEvent,
        key="the item's uri",
        description="Exact and near duplicates, each naming the item it duplicates (dedup.duplicate_of).",
        retention_ms=7 * DAY_MS,
    ),
    TopicSpec(
        DLQ,
        DeadLetter,
        key="the RawItem id (or the record key when the envelope itself was unreadable)",
        description="Input a stage could not handle: original bytes, stage, reason code and message.",
        retention_ms=30 * DAY_MS,
    ),
)

BY_NAME = {spec.name: spec for spec in TOPICS}
