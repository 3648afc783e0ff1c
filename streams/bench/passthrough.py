"""No-op stand-ins for the three stage functions: the Faust passthrough limit of `wirestream bench`.

`build_app(settings, passthrough=True)` (the worker's hidden ``--passthrough``) registers the very
same agents, topics and hops with these in place of `normalise_stage`, `dedup_stage` and
`tag_stage`, so the benchmark can measure what Faust, Kafka and the agents' own glue (decoding,
validation, serialisation, metrics, routing) cost without any stage work. Each returns the shape
its agent expects, carrying the payload along so records keep their size.
"""

from __future__ import annotations

from typing import Any

from streams.models import DedupInfo, DedupStatus, EnrichedEvent, RawItem, WireItem, utcnow
from streams.pipeline import enrich


def normalise_passthrough(raw: RawItem, *, force_format: str | None = None, max_bytes: int | None = None) -> list[WireItem]:
    text = raw.payload_bytes().decode("utf-8", "replace")
    return [WireItem(uri=raw.id, raw_id=raw.id, format=raw.format_hint or "text", body_text=text, received_at=raw.received_at)]


def dedup_passthrough(dedup: Any, item: WireItem, *, delivery: str | None = None) -> EnrichedEvent:
    return enrich(item, DedupInfo(status=DedupStatus.new, cluster_id=item.uri))  # built as dedup_stage builds it


def tag_passthrough(tagger: Any, event: EnrichedEvent) -> EnrichedEvent:
    return event.model_copy(update={"processed_at": utcnow()})


STAGES = (normalise_passthrough, dedup_passthrough, tag_passthrough)
