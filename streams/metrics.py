"""Prometheus metrics of the workers and producers (prometheus-client).

Every name starts with ``wirestream_`` and follows Prometheus conventions (base units,
``_total`` counters, ``_seconds`` durations). Label values are bounded: stages, formats and
reasons come from fixed code lists, regions and storylines from the loaded data files.
"""

from __future__ import annotations

import platform
import re
import threading
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from datetime import datetime
from importlib import metadata
from typing import Any

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, disable_created_metrics
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.registry import Collector

from .normalise import FORMATS
from .normalise.registry import canonical_name

# Measured stage costs are 0.1-0.4 ms per item (a large XML message takes tens of ms): buckets
# are dense from 0.1 to 2 ms so p50/p99 are resolved where the items are, sparse above.
STAGE_BUCKETS = (
    1e-4, 2e-4, 3e-4, 4e-4, 5e-4, 6e-4, 7e-4, 8e-4, 1e-3, 1.25e-3, 1.5e-3, 2e-3,
    3e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 1.0,
)
# End-to-end latency through three Kafka hops: each hop costs ~0.35 ms in Faust plus the stage,
# the producer lingers 5 ms per hop, so a healthy pipeline sits at 5-50 ms; minutes when lagging.
LATENCY_BUCKETS = (
    0.0025, 0.005, 0.0075, 0.01, 0.015, 0.02, 0.03, 0.05, 0.075, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0,
    10.0, 30.0, 60.0, 300.0, 900.0,
)
# Rebalances take from tens of milliseconds (one worker) to a minute (table recovery).
REBALANCE_BUCKETS = (0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 120.0, 300.0)

# *_created series would double every counter and histogram for no dashboard or alert use.
disable_created_metrics()

UNKNOWN = "unknown"
WORKER_STAGES = ("normalise", "dedup", "tag")
OTHER = "other"
# Label values of the source kind: what a source name says before its first ':'.
_SOURCE_KIND = re.compile(r"[a-z0-9][a-z0-9_.-]{0,31}")
MAX_SOURCE_KINDS = 32


class BoundedLabel:
    """Keeps a label's value set bounded: the first ``limit`` distinct values, then ``other``.

    Sources are named by whoever runs a producer, so their kinds are not a closed list; a cap per
    process keeps one misconfigured producer from creating unbounded series.
    """

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self._seen: set[str] = set()
        self._lock = threading.Lock()

    def __call__(self, value: str) -> str:
        if value in self._seen:
            return value
        with self._lock:
            if len(self._seen) < self.limit:
                self._seen.add(value)
                return value
        return OTHER


_source_kinds = BoundedLabel(MAX_SOURCE_KINDS)


def source_kind(source: str | None) -> str:
    """The bounded ``source`` label: 'dropfolder:reuters' -> 'dropfolder', junk -> 'other'."""
    if not source:
        return UNKNOWN
    kind = source.split(":", 1)[0].strip().lower()
    if not _SOURCE_KIND.fullmatch(kind):
        return OTHER
    return _source_kinds(kind)


def format_label(name: str | None) -> str:
    """The bounded ``format`` label: a name from the normaliser's FORMATS (aliases resolved)."""
    if name in FORMATS:
        return name
    canonical = canonical_name(name)
    return canonical if canonical in FORMATS else UNKNOWN


@dataclass(frozen=True)
class PartitionOffsets:
    """One assigned partition as the lag collector last saw it."""

    topic: str
    partition: int
    committed: int | None  # None: the group never committed on this partition
    log_start: int
    highwater: int

    @property
    def lag(self) -> int:
        start = self.committed if self.committed is not None else self.log_start
        return max(0, self.highwater - start)


class ConsumerOffsetsCollector(Collector):
    """Consumer lag per topic and partition of this worker, from the last broker query.

    The snapshot is replaced whole, so a scrape never sees a half-updated assignment and
    partitions this worker no longer owns disappear instead of reporting stale lag.
    """

    def __init__(self) -> None:
        self._snapshot: tuple[PartitionOffsets, ...] = ()
        self._collected_at: float | None = None

    def update(self, partitions: Iterable[PartitionOffsets], collected_at: float) -> None:
        self._snapshot = tuple(partitions)
        self._collected_at = collected_at

    def collect(self) -> Iterator[GaugeMetricFamily]:
        snapshot = self._snapshot
        labels = ["topic", "partition"]
        lag = GaugeMetricFamily(
            "wirestream_consumer_lag_messages",
            "Records of an assigned partition not yet committed by the worker group (highwater - committed).",
            labels=labels,
        )
        committed = GaugeMetricFamily(
            "wirestream_consumer_committed_offset",
            "Offset the worker group last committed on an assigned partition (-1: none yet).",
            labels=labels,
        )
        highwater = GaugeMetricFamily(
            "wirestream_consumer_highwater_offset", "Highwater mark (end offset) of an assigned partition.", labels=labels
        )
        for p in snapshot:
            key = [p.topic, str(p.partition)]
            lag.add_metric(key, p.lag)
            committed.add_metric(key, -1 if p.committed is None else p.committed)
            highwater.add_metric(key, p.highwater)
        yield lag
        yield committed
        yield highwater
        collected = GaugeMetricFamily(
            "wirestream_consumer_offsets_collected_timestamp_seconds",
            "Unix time of the last successful lag collection (0: none yet).",
        )
        collected.add_metric([], self._collected_at or 0.0)
        yield collected
# Labelled children kept per cache (item counters by raw source name, tag counters).
_MAX_CACHED = 4096
# News age: minutes to days (archives replayed are older still).
AGE_BUCKETS = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400)


class Metrics:
    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.build_info = Gauge(
            "wirestream_build_info",
            "Always 1; labels carry the running versions.",
            ["version", "python", "faust", "aiokafka"],
            registry=registry,
        )
        self.items_in = Counter(
            "wirestream_stage_items_in_total",
            "Records a stage received, by source kind and format (the producer's hint at normalise).",
            ["stage", "source", "format"],
            registry=registry,
        )
        self.items_out = Counter(
            "wirestream_stage_items_out_total",
            "Items a stage emitted, by source kind and detected format.",
            ["stage", "source", "format"],
            registry=registry,
        )
        self.dead_letters = Counter(
            "wirestream_dead_letters_total",
            "Items sent to the dead-letter topic, by stage and reason code.",
            ["stage", "reason"],
            registry=registry,
        )
        self.dedup_decisions = Counter(
            "wirestream_dedup_decisions_total", "Dedup decisions by status.", ["status"], registry=registry
        )
        self.tags = Counter(
            "wirestream_tags_total",
            "Enriched events tagged with a region or storyline.",
            ["kind", "tag"],
            registry=registry,
        )
        self.stage_seconds = Histogram(
            "wirestream_stage_duration_seconds",
            "Time a stage's pure core spent on one item.",
            ["stage"],
            buckets=STAGE_BUCKETS,
            registry=registry,
        )
        self.pipeline_latency = Histogram(
            "wirestream_pipeline_latency_seconds",
            "Time from ingest (received_at) to publication on an output topic.",
            ["topic"],
            buckets=LATENCY_BUCKETS,
            registry=registry,
        )
        self.news_age = Histogram(
            "wirestream_news_age_seconds",
            "Age of published news (now - versioncreated) at publication.",
            buckets=AGE_BUCKETS,
            registry=registry,
        )
        self.table_keys = Gauge(
            "wirestream_table_keys", "Keys held in a Faust table by this worker.", ["table"], registry=registry
        )
        # The dedup agent sets this one as it expires entries; the worker refreshes all tables.
        self.dedup_entries = self.table_keys.labels("dedup")
        self.consumer_offsets = ConsumerOffsetsCollector()
        registry.register(self.consumer_offsets)
        self.consumer_offsets_errors = Counter(
            "wirestream_consumer_offsets_errors_total",
            "Lag collections that failed (broker unreachable, group coordinator moving).",
            registry=registry,
        )
        self.assigned_partitions = Gauge(
            "wirestream_assigned_partitions",
            "Partitions assigned to this worker, by topic (source topics and table changelogs).",
            ["topic"],
            registry=registry,
        )
        self.commits = Counter(
            "wirestream_consumer_commits_total", "Offset commits the worker's consumer completed.", registry=registry
        )
        self.rebalances = Counter(
            "wirestream_rebalances_total", "Consumer group rebalances this worker took part in.", registry=registry
        )
        self.rereads = Counter(
            "wirestream_consumer_rereads_total",
            "Times a partition was read again because fetched records did not reach an agent (faust#596 workaround).",
            ["reason"],  # stale_fetch | after_seek | left_behind | undelivered
            registry=registry,
        )
        self.rebalance_seconds = Histogram(
            "wirestream_rebalance_duration_seconds",
            "Time from a rebalance's start to the end of its table recovery.",
            buckets=REBALANCE_BUCKETS,
            registry=registry,
        )
        self.rebalancing = Gauge(
            "wirestream_rebalancing", "1 while this worker is rebalancing or recovering tables.", registry=registry
        )
        self.producer_sends = Counter(
            "wirestream_producer_sent_messages_total",
            "Messages the worker's producer was asked to send, by topic.",
            ["topic"],
            registry=registry,
        )
        self.producer_bytes = Counter(
            "wirestream_producer_sent_bytes_total",
            "Key and value bytes the worker's producer was asked to send, by topic.",
            ["topic"],
            registry=registry,
        )
        # No error-class label: the class is in the log line; the series exists from the start.
        self.producer_errors = Counter(
            "wirestream_producer_send_errors_total", "Sends that failed for good (after aiokafka's retries).", registry=registry
        )
        self.producer_retries = Counter(
            "wirestream_producer_retries_total",
            "Produce batches re-sent after a retriable broker error (counted from aiokafka's sender).",
            registry=registry,
        )
        self.ready = Gauge(
            "wirestream_worker_ready", "1 when the worker is assigned and not rebalancing (what /readyz says).", registry=registry
        )
        # Ingest producers (streams/ingest): `producer` is one of dir, feeds, http, replay.
        self.ingest_items = Counter(
            "wirestream_ingest_items_total",
            "Items Kafka acknowledged on wire.raw, by producer and source kind.",
            ["producer", "source"],
            registry=registry,
        )
        self.ingest_bytes = Counter(
            "wirestream_ingest_bytes_total", "Payload bytes of the items acknowledged.", ["producer"], registry=registry
        )
        self.ingest_send_errors = Counter(
            "wirestream_ingest_send_errors_total", "Sends to wire.raw that failed.", ["producer"], registry=registry
        )
        self.ingest_retries = Counter(
            "wirestream_ingest_retries_total", "Retries after a failed fetch or send.", ["producer"], registry=registry
        )
        self.ingest_rejected = Counter(
            "wirestream_ingest_rejected_total",
            "Items refused before Kafka, by reason code (too_large, empty, unreadable, ...).",
            ["producer", "reason"],
            registry=registry,
        )
        self.ingest_http_requests = Counter(
            "wirestream_ingest_http_requests_total",
            "HTTP requests served (http) or feed fetches made (feeds), by status class (2xx .. 5xx, error).",
            ["producer", "code"],
            registry=registry,
        )
        self.ingest_in_flight = Gauge(
            "wirestream_ingest_in_flight", "Items sent and not yet acknowledged by Kafka.", ["producer"], registry=registry
        )
        self._initialise_known_series()
        # Labelled children the agents touch for every item, looked up once: `labels()` takes a
        # lock and validates its values on every call, and the source/format labels are computed.
        self.stage_timer = {stage: self.stage_seconds.labels(stage) for stage in WORKER_STAGES}
        self._decisions: dict[str, Any] = {}
        self._tag_counters: dict[tuple[str, str], Any] = {}
        self._sent_counters: dict[str, tuple[Any, Any]] = {}
        self._latency: dict[str, Any] = {}
        self._item_counters: dict[tuple[Counter, str, str | None, str | None], Any] = {}

    def _initialise_known_series(self) -> None:
        """Series whose label values are known up front start at 0, so rate() sees the first one."""
        from .models import DedupStatus
        from .normalise.errors import TABLE

        for reason in TABLE:
            for stage in reason.stages:
                if stage in WORKER_STAGES:
                    self.dead_letters.labels(stage, reason.code)
        for status in DedupStatus:
            self.dedup_decisions.labels(status.value)

    def item_in(self, stage: str, source: str | None, format: str | None) -> None:
        self._item_counter(self.items_in, stage, source, format).inc()

    def item_out(self, stage: str, source: str | None, format: str | None) -> None:
        self._item_counter(self.items_out, stage, source, format).inc()

    def _item_counter(self, counter: Counter, stage: str, source: str | None, format: str | None) -> Any:
        key = (counter, stage, source, format)
        child = self._item_counters.get(key)
        if child is None:
            # The labels a source name maps to never change once computed (a source kind admitted
            # by the bound stays admitted, one refused stays `other`), so the child can be kept;
            # source names are open-ended, so only the first _MAX_CACHED combinations are.
            child = counter.labels(stage, source_kind(source), format_label(format))
            if len(self._item_counters) < _MAX_CACHED:
                self._item_counters[key] = child
        return child

    def decision(self, status: str) -> Any:
        """The dedup decisions counter of `status`."""
        child = self._decisions.get(status)
        if child is None:
            child = self._decisions[status] = self.dedup_decisions.labels(status)
        return child

    def tag_counter(self, kind: str, code: str) -> Any:
        """The tags counter of a region or storyline code (codes come from the loaded data files)."""
        child = self._tag_counters.get((kind, code))
        if child is None:
            child = self.tags.labels(kind, code)
            if len(self._tag_counters) < _MAX_CACHED:
                self._tag_counters[(kind, code)] = child
        return child

    def producer_sent(self, topic: str, nbytes: int) -> None:
        """One message the producer was asked to send (every record of every hop: kept per topic,
        the topics being this deployment's own, a bounded set)."""
        children = self._sent_counters.get(topic)
        if children is None:
            children = (self.producer_sends.labels(topic), self.producer_bytes.labels(topic))
            if len(self._sent_counters) < _MAX_CACHED:
                self._sent_counters[topic] = children
        children[0].inc()
        children[1].inc(nbytes)

    def set_assignment(self, topics: Mapping[str, int]) -> None:
        self.assigned_partitions.clear()
        for topic, count in topics.items():
            self.assigned_partitions.labels(topic).set(count)

    def set_build_info(self) -> None:
        def version(dist: str) -> str:
            try:
                return metadata.version(dist)
            except metadata.PackageNotFoundError:
                return "unknown"

        self.build_info.labels(
            version("wirestream"), platform.python_version(), version("faust-streaming"), version("aiokafka")
        ).set(1)

    def observe_published(self, topic: str, received_at: datetime, versioncreated: datetime | None, now: datetime) -> None:
        latency = self._latency.get(topic)
        if latency is None:
            latency = self._latency[topic] = self.pipeline_latency.labels(topic)
        latency.observe(max(0.0, (now - received_at).total_seconds()))
        if versioncreated is not None:
            self.news_age.observe(max(0.0, (now - versioncreated).total_seconds()))


_lock = threading.Lock()
_metrics: Metrics | None = None


def get_metrics() -> Metrics:
    """The process-wide metrics (prometheus-client registers names once per registry)."""
    global _metrics
    with _lock:
        if _metrics is None:
            _metrics = Metrics()
            _metrics.set_build_info()
        return _metrics


def serve(host: str, port: int, health=None) -> int:
    """Serve /metrics (and /healthz, /readyz) on host:port (0 = a free port) in a daemon thread.

    ``health`` answers the probes (``streams.observability.WorkerHealth``); without it both
    probes report the process as up. Returns the port.
    """
    from .observability import serve_http

    return serve_http(host, port, registry=get_metrics().registry, health=health)
