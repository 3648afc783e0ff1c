"""Prometheus metrics of the workers and producers (prometheus-client).

Every name starts with ``wirestream_`` and follows Prometheus conventions (base units,
``_total`` counters, ``_seconds`` durations). Label values are bounded: stages, formats and
reasons come from fixed code lists, regions and storylines from the loaded data files.
"""

from __future__ import annotations

import platform
import threading
from datetime import datetime
from importlib import metadata

from prometheus_client import REGISTRY, CollectorRegistry, Counter, Gauge, Histogram, start_http_server

# Measured per-item stage costs range from tens of microseconds (dedup of a short item) to tens
# of milliseconds (a large XML message): buckets cover 50 µs .. 2.5 s.
STAGE_BUCKETS = (5e-5, 1e-4, 2.5e-4, 5e-4, 1e-3, 2.5e-3, 5e-3, 1e-2, 2.5e-2, 5e-2, 0.1, 0.25, 0.5, 1.0, 2.5)
# End-to-end latency through three Kafka hops: milliseconds to minutes when lagging.
LATENCY_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0, 60.0, 300.0)
# News age: minutes to days (archives replayed are older still).
AGE_BUCKETS = (60, 300, 900, 1800, 3600, 3 * 3600, 6 * 3600, 12 * 3600, 86400, 3 * 86400, 7 * 86400, 30 * 86400)


class Metrics:
    def __init__(self, registry: CollectorRegistry = REGISTRY) -> None:
        self.registry = registry
        self.build_info = Gauge(
            "wirestream_build_info",
            "Always 1; labels carry the running versions.",
            ["version", "python", "faust"],
            registry=registry,
        )
        self.items_in = Counter(
            "wirestream_stage_items_in_total", "Items a stage received.", ["stage"], registry=registry
        )
        self.items_out = Counter(
            "wirestream_stage_items_out_total",
            "Items a stage emitted, by format of the item.",
            ["stage", "format"],
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
        self.dedup_entries = Gauge(
            "wirestream_dedup_table_entries", "Keys held in the dedup state table by this worker.", registry=registry
        )

    def set_build_info(self) -> None:
        def version(dist: str) -> str:
            try:
                return metadata.version(dist)
            except metadata.PackageNotFoundError:
                return "unknown"

        self.build_info.labels(version("wirestream"), platform.python_version(), version("faust-streaming")).set(1)

    def observe_published(self, topic: str, received_at: datetime, versioncreated: datetime | None, now: datetime) -> None:
        self.pipeline_latency.labels(topic).observe(max(0.0, (now - received_at).total_seconds()))
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


def serve(host: str, port: int) -> int:
    """Serve /metrics on host:port (0 = a free port) in a daemon thread; returns the port."""
    server, _thread = start_http_server(port, addr=host)
    return server.server_address[1]
