"""A worker's start: build what the stages load lazily before the first record arrives.

The stage functions build their vocabularies, parsers' tables and time zones on first use, and
CLD2 and the tagger's automatons are cold until used: the first records a worker handled paid
for all of it (seconds, with the event loop stopped). A worker therefore runs the shipped
samples through the stage functions once before it consumes.

Not done here, though measured (docs/benchmarks.md, session 6): `gc.freeze()` after the warm-up
took the gazetteers and automatons out of full garbage collections (96–100 ms pauses of the
event loop became 6 ms), but the sustained-load memory test then saw a worker's RSS grow faster
(67 kB/s and, with the collector's count reset, 38 kB/s, against 14 kB/s without the freeze;
one run each, bound 42 kB/s). Until that is understood the pauses stay; they are rare (one
full collection per worker over a whole bench run, session 7), so they are not the tail.
"""

from __future__ import annotations

import logging
import time
from typing import Any

log = logging.getLogger(__name__)


def warm_stages(tagger: Any, settings: Any) -> int:
    """Run every shipped sample through normalise, a throwaway dedup store and the tagger;
    returns how many items went through. Outcomes are discarded."""
    from .models import EnrichedEvent, RawItem
    from .pipeline import Pipeline, build_deduplicator
    from .samples import shipped

    pipeline = Pipeline(tagger=tagger, dedup=build_deduplicator(settings, {}), max_bytes=settings.max_item_bytes)
    count = 0
    for name, data in shipped():
        raw = RawItem.from_bytes(data, source="warmup", id=f"warmup:{name}", filename=name)
        count += sum(1 for outcome in pipeline.process(raw) if isinstance(outcome, EnrichedEvent))
    return count


def prepare_worker(tagger: Any, settings: Any) -> None:
    started = time.perf_counter()
    items = warm_stages(tagger, settings)
    log.info("stages warmed on %d sample items in %.1f s", items, time.perf_counter() - started)
