"""A worker's start: build what the stages load lazily, then keep it out of the garbage collector.

The stage functions build their vocabularies, parsers' tables and time zones on first use, and
the tagger holds gazetteers and automatons: hundreds of thousands of objects that live as long
as the worker. Python's full (generation 2) collections walked all of them, ~100 ms with the
event loop stopped, a few times a minute under load (measured with `gc.callbacks` in a worker
at 100 items/s: 96 and 100 ms; 6 ms once frozen; docs/benchmarks.md, session 6). So a worker
runs the shipped samples through the stage functions once before it consumes (the first real
item no longer pays for the loading), then moves everything alive into the collector's
permanent generation (`gc.freeze`), which collections skip. The dedup table restored from its
changelog is frozen again once recovered.
"""

from __future__ import annotations

import gc
import logging
import time
from typing import Any

log = logging.getLogger(__name__)

# Young collections every 700 allocations (CPython's default) promote an item's short-lived
# objects into older generations while it is still being built; larger young generations
# promote (and later walk) less. Generation 1 every 20 young collections; full collections keep
# CPython's rule. The values measured in session 6 (docs/benchmarks.md).
GC_THRESHOLDS = (20_000, 20, 10)


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


def freeze_long_lived() -> int:
    """Collect once, then exempt every object alive now from later collections; returns how
    many objects the permanent generation holds."""
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()


def prepare_worker(tagger: Any, settings: Any) -> None:
    started = time.perf_counter()
    items = warm_stages(tagger, settings)
    gc.set_threshold(*GC_THRESHOLDS)
    frozen = freeze_long_lived()
    log.info("stages warmed on %d sample items, %d objects frozen out of GC in %.1f s",
             items, frozen, time.perf_counter() - started)
