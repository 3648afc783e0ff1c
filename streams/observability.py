"""What a running worker tells its operators: health probes, lag, rebalances, structured logs.

Nothing here imports Faust: `streams/faust_app.py` forwards Faust's sensor hooks to a
`WorkerObserver` and gives it the few things it reads from the app (assignment, tables). The
HTTP server serves the Prometheus registry on ``/metrics`` and two probes:

- ``/healthz`` (liveness): the worker's event loop runs a callback within a few seconds. A loop
  blocked by a stuck call fails it, which is what a restart can cure.
- ``/readyz`` (readiness): the worker has joined its group, holds an assignment, is neither
  rebalancing nor recovering tables, and is not shutting down.

The ingest producers serve the same probes with the same bodies: their health
(`streams.ingest.health.ProducerHealth`) is a `WorkerHealth` with its own readiness.
"""

from __future__ import annotations

import asyncio
import json
import logging
import os
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Mapping
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.exposition import choose_encoder

from .metrics import Metrics, PartitionOffsets
from .settings import Settings

log = logging.getLogger(__name__)

LOOP_PROBE_SECONDS = 5.0  # /healthz fails when the event loop cannot run a callback this fast
OFFSETS_INTERVAL_SECONDS = 5.0  # how often the worker asks the broker for its lag
TABLE_SIZE_INTERVAL_SECONDS = 30.0  # counting keys iterates RocksDB stores: not too often


# --------------------------------------------------------------------------- health


class WorkerHealth:
    """Liveness and readiness of one worker, answered from the HTTP server's threads.

    Subclasses (the ingest producers') keep the liveness check and answer readiness their way.
    """

    def __init__(self) -> None:
        self._loop: asyncio.AbstractEventLoop | None = None
        self.assigned = False
        self.rebalancing = False
        self.stopping = False

    def attach_loop(self, loop: asyncio.AbstractEventLoop) -> None:
        self._loop = loop

    def liveness(self, timeout: float | None = None) -> tuple[bool, str]:
        timeout = LOOP_PROBE_SECONDS if timeout is None else timeout
        loop = self._loop
        if loop is None:
            return True, "starting"
        if loop.is_closed():
            return False, "event loop closed"
        try:
            if asyncio.get_running_loop() is loop:  # asked by a handler the loop itself runs
                return True, "event loop alive"
        except RuntimeError:  # no loop in this thread: the usual case (the HTTP server's threads)
            pass
        answered = threading.Event()
        try:
            loop.call_soon_threadsafe(answered.set)
        except RuntimeError:  # closed between the check and the call
            return False, "event loop closed"
        if not answered.wait(timeout):
            return False, f"event loop did not answer within {timeout:g}s"
        return True, "event loop alive"

    def readiness(self) -> tuple[bool, str]:
        if self.stopping:
            return False, "shutting down"
        if self._loop is None:
            return False, "starting"
        if self.rebalancing:
            return False, "rebalancing or recovering tables"
        if not self.assigned:
            return False, "waiting for a partition assignment"
        return True, "assigned"


def probe(health: WorkerHealth | None, path: str) -> tuple[int, bytes]:
    """The answer to ``/healthz`` or ``/readyz``: 200 or 503, ``{"status": "ok"|"fail", "reason"}``."""
    if health is None:
        ok, reason = True, "up"
    elif path == "/healthz":
        ok, reason = health.liveness()
    else:
        ok, reason = health.readiness()
    return 200 if ok else 503, json.dumps({"status": "ok" if ok else "fail", "reason": reason}).encode()


class _Handler(BaseHTTPRequestHandler):
    registry: CollectorRegistry
    health: WorkerHealth | None

    def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
        path = self.path.split("?", 1)[0]
        if path == "/metrics":
            encoder, content_type = choose_encoder(self.headers.get("Accept", ""))
            self._reply(200, encoder(self.registry), content_type)
        elif path in ("/healthz", "/readyz"):
            self._reply(*probe(self.health, path), "application/json")
        else:
            self._reply(404, b"not found: try /metrics, /healthz or /readyz\n", "text/plain")

    def _reply(self, status: int, body: bytes, content_type: str) -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, format: str, *args: Any) -> None:  # scrapes every few seconds: not news
        pass


def serve_http(host: str, port: int, *, registry: CollectorRegistry, health: WorkerHealth | None) -> int:
    """Serve /metrics, /healthz and /readyz in a daemon thread; returns the bound port."""
    handler = type("Handler", (_Handler,), {"registry": registry, "health": health})
    server = ThreadingHTTPServer((host, port), handler)
    server.daemon_threads = True
    threading.Thread(target=server.serve_forever, name="metrics-http", daemon=True).start()
    return server.server_address[1]


# --------------------------------------------------------------------------- the observer


class WorkerObserver:
    """Turns what Faust reports into metrics and health; polls the broker for lag.

    ``source_topics`` are the topics the agents consume (lag is reported for those only: table
    changelogs are read by recovery at offsets Faust keeps itself, not by the group).
    """

    def __init__(self, settings: Settings, metrics: Metrics, health: WorkerHealth, source_topics: Iterable[str]) -> None:
        self.settings = settings
        self.metrics = metrics
        self.health = health
        self.source_topics = frozenset(source_topics)
        self._rebalance_started: float | None = None

    # Faust's hooks (forwarded by streams.faust_app) -------------------------------------

    def started(self, loop: asyncio.AbstractEventLoop) -> None:
        self.health.attach_loop(loop)

    def rebalance_started(self) -> None:
        self.metrics.rebalances.inc()
        self.metrics.rebalancing.set(1)
        self.metrics.ready.set(0)
        self.health.rebalancing = True
        if self._rebalance_started is None:  # a rebalance may restart before the last ended
            self._rebalance_started = time.monotonic()

    def rebalance_ended(self, assignment: Iterable[tuple[str, int]]) -> None:
        if self._rebalance_started is not None:
            self.metrics.rebalance_seconds.observe(time.monotonic() - self._rebalance_started)
            self._rebalance_started = None
        self.metrics.set_assignment(Tally(topic for topic, _ in assignment))
        self.metrics.rebalancing.set(0)
        self.health.rebalancing = False
        self.health.assigned = True
        self.metrics.ready.set(1 if self.health.readiness()[0] else 0)

    def send_initiated(self, topic: str, keysize: int, valsize: int) -> None:
        self.metrics.producer_sent(topic, max(0, keysize) + max(0, valsize))

    def send_failed(self, exc: BaseException) -> None:
        self.metrics.producer_errors.inc()
        log.error("send failed: %s: %s", type(exc).__name__, exc)

    def commit_completed(self) -> None:
        self.metrics.commits.inc()

    def stopping(self) -> None:
        self.health.stopping = True
        self.metrics.ready.set(0)

    # Polling -----------------------------------------------------------------------------

    async def poll(
        self,
        assignment: Callable[[], Iterable[tuple[str, int]]],
        tables: Callable[[], Mapping[str, Any]],
    ) -> None:
        """Runs for the worker's lifetime: lag every few seconds, table sizes less often."""
        from aiokafka.admin import AIOKafkaAdminClient

        from .kafka_clients import client_kwargs, consumer

        clients: tuple[Any, Any] | None = None
        next_tables = 0.0
        try:
            while True:
                try:
                    if clients is None:  # (re)connect: the broker may be away at start
                        offsets = consumer(self.settings, group_id=None)
                        admin = AIOKafkaAdminClient(**client_kwargs(self.settings))
                        clients = (offsets, admin)
                        await offsets.start()
                        await admin.start()
                    await self.collect_offsets(*clients, assignment())
                except Exception as exc:  # report, keep the worker running, retry next round
                    self.metrics.consumer_offsets_errors.inc()
                    log.warning("consumer lag collection failed: %r", exc)
                    if clients is not None:
                        await _close(*clients)
                        clients = None
                if time.monotonic() >= next_tables:
                    await self.measure_tables(tables())
                    next_tables = time.monotonic() + TABLE_SIZE_INTERVAL_SECONDS
                await asyncio.sleep(OFFSETS_INTERVAL_SECONDS)
        finally:
            if clients is not None:
                await _close(*clients)

    async def collect_offsets(self, offsets: Any, admin: Any, assignment: Iterable[tuple[str, int]]) -> None:
        from aiokafka.structs import TopicPartition

        tps = sorted(TopicPartition(t, p) for t, p in assignment if t in self.source_topics)
        if tps:
            committed = await admin.list_consumer_group_offsets(self.settings.app_id, partitions=tps)
            starts = await offsets.beginning_offsets(tps)
            ends = await offsets.end_offsets(tps)
        else:
            committed, starts, ends = {}, {}, {}
        snapshot = []
        for tp in tps:
            meta = committed.get(tp)
            offset = meta.offset if meta is not None and meta.offset >= 0 else None
            snapshot.append(PartitionOffsets(tp.topic, tp.partition, offset, starts[tp], ends[tp]))
        self.metrics.consumer_offsets.update(snapshot, time.time())

    async def measure_tables(self, tables: Mapping[str, Any]) -> None:
        # In the loop, not in a thread: sizing a Faust table from an executor thread made the
        # worker's stop hang on the table's tasks (seen here: SIGTERM then a 30 s watchdog exit).
        for name, table in tables.items():
            try:
                size = len(table)
            except Exception as exc:  # a store closing under us during shutdown
                log.debug("cannot size table %s: %r", name, exc)
                continue
            self.metrics.table_keys.labels(name).set(size)


async def _close(offsets: Any, admin: Any) -> None:
    await asyncio.gather(offsets.stop(), admin.close(), return_exceptions=True)


# --------------------------------------------------------------------------- producer retries

# aiokafka re-enqueues a produce batch after a retriable error without any callback; it logs
# these warnings exactly where it does so (aiokafka 0.14 producer/sender.py). A test checks the
# templates are still there.
RETRY_LOG_TEMPLATES = (
    "Got error produce response: %s",
    "Got error produce response on topic-partition %s, retrying. Error: %s",
)
SENDER_LOGGER = "aiokafka.producer.sender"


class ProducerRetryCounter(logging.Filter):
    """Counts aiokafka's produce retries from its sender's log records (lets them through)."""

    def __init__(self, metrics: Metrics) -> None:
        super().__init__()
        self.metrics = metrics

    def filter(self, record: logging.LogRecord) -> bool:
        if record.msg in RETRY_LOG_TEMPLATES:
            self.metrics.producer_retries.inc()
        # The sender logger is kept at WARNING so retries are counted whatever the log level;
        # whether the record is printed still follows the configured level.
        return record.levelno >= logging.getLogger().getEffectiveLevel()


def count_producer_retries(metrics: Metrics) -> None:
    sender = logging.getLogger(SENDER_LOGGER)
    sender.setLevel(logging.WARNING)
    if not any(isinstance(f, ProducerRetryCounter) for f in sender.filters):
        sender.addFilter(ProducerRetryCounter(metrics))


# --------------------------------------------------------------------------- logs

# Fields agents attach with ``extra=`` that JSON logs carry; nothing else from a record is
# copied, so an object that happens to hold a secret is never serialised by accident.
LOG_FIELDS = ("raw_id", "uri", "event_id", "stage", "reason", "source", "format", "topic", "partition", "offset", "status")


def secret_values(settings: Settings) -> list[str]:
    """Every secret setting's value (for redaction): SecretStr fields, whatever they are."""
    values = []
    for name in type(settings).model_fields:
        value = getattr(settings, name)
        if hasattr(value, "get_secret_value"):
            secret = value.get_secret_value()
            if secret:
                values.append(secret)
    return values


class _Redacting:
    secrets: tuple[str, ...] = ()

    def redact(self, text: str) -> str:
        for secret in self.secrets:
            text = text.replace(secret, "***")
        return text


class JsonLogFormatter(_Redacting, logging.Formatter):
    """One JSON object per line: ts, level, logger, message, item ids; secrets masked."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
            "pid": record.process,
        }
        for field in LOG_FIELDS:
            value = record.__dict__.get(field)
            if value is not None:
                entry[field] = value if isinstance(value, int | float | bool) else str(value)
        if record.exc_info:
            entry["exc"] = self.formatException(record.exc_info)
        return self.redact(json.dumps(entry, ensure_ascii=False, default=str))


class TextLogFormatter(_Redacting, logging.Formatter):
    def format(self, record: logging.LogRecord) -> str:
        text = super().format(record)
        ids = " ".join(f"{f}={record.__dict__[f]}" for f in LOG_FIELDS if record.__dict__.get(f) is not None)
        return self.redact(f"{text} [{ids}]" if ids else text)


def logging_config(settings: Settings, log_format: str) -> dict[str, Any]:
    """A ``logging.config.dictConfig`` for the worker (Faust's Worker applies it)."""
    secrets = tuple(secret_values(settings))
    if log_format == "json":
        formatter = {"()": _formatter_factory(JsonLogFormatter, secrets)}
    else:
        formatter = {
            "()": _formatter_factory(TextLogFormatter, secrets),
            "fmt": "%(asctime)s %(levelname)s %(name)s: %(message)s",
        }
    return {
        "version": 1,
        "disable_existing_loggers": False,
        "formatters": {"wire": formatter},
        "handlers": {"stderr": {"class": "logging.StreamHandler", "stream": "ext://sys.stderr", "formatter": "wire"}},
        "root": {"level": settings.log_level.upper(), "handlers": ["stderr"]},
    }


def _formatter_factory(cls: type[_Redacting], secrets: tuple[str, ...]) -> Callable[..., logging.Formatter]:
    def make(**kwargs: Any) -> logging.Formatter:
        formatter = cls(**kwargs)
        formatter.secrets = secrets
        return formatter

    return make


# --------------------------------------------------------------------------- shutdown


def start_shutdown_watchdog(timeout: float) -> threading.Thread:
    """Hard-exit (status 70) if a graceful stop takes longer than ``timeout`` seconds.

    A stop that hangs (a send that never completes, faust#175-like stalls) would otherwise
    keep the pod until Kubernetes kills it without a word; uncommitted items are redelivered.
    """

    def watch() -> None:
        time.sleep(timeout)
        log.error("graceful stop took longer than %.0fs: exiting; uncommitted items will be redelivered", timeout)
        logging.shutdown()
        os._exit(70)

    thread = threading.Thread(target=watch, name="shutdown-watchdog", daemon=True)
    thread.start()
    return thread


# --------------------------------------------------------------------------- diagnostics


def describe_tasks(loops: Mapping[str, asyncio.AbstractEventLoop | None], limit: int = 200) -> str:
    """Where every task of the given event loops waits, innermost call last: what a stuck
    worker logs before it stops (a coroutine's `cr_await` chain is its async call stack)."""
    lines: list[str] = []
    for name, loop in loops.items():
        if loop is None or loop.is_closed():
            continue
        try:
            tasks = asyncio.all_tasks(loop)
        except RuntimeError:  # the loop's task set changed under us (another thread): skip it
            continue
        for task in sorted(tasks, key=lambda t: t.get_name())[:limit]:
            lines.append(f"[{name}] {task.get_name()}:")
            step: Any = task.get_coro()
            while step is not None:
                frame = getattr(step, "cr_frame", None) or getattr(step, "gi_frame", None) or getattr(step, "ag_frame", None)
                if frame is not None:
                    lines.append(f"    {frame.f_code.co_filename}:{frame.f_lineno} in {frame.f_code.co_name}")
                step = getattr(step, "cr_await", None) or getattr(step, "gi_yieldfrom", None) or getattr(step, "ag_await", None)
    return "\n".join(lines)


# --------------------------------------------------------------------------- process-wide

_health = WorkerHealth()
_stop_lock = threading.Lock()
_stop_requested = False


def get_health() -> WorkerHealth:
    """The health of this process's worker (one worker per process)."""
    return _health


def stop_requested(metrics: Metrics, timeout: float) -> None:
    """A worker began its graceful stop: not ready any more, and bounded in time (once)."""
    global _stop_requested
    with _stop_lock:
        if _stop_requested:
            return
        _stop_requested = True
    _health.stopping = True
    metrics.ready.set(0)
    log.info("graceful stop: pausing intake, finishing in-flight items, committing (at most %.0fs)", timeout)
    start_shutdown_watchdog(timeout)
