"""The Faust app, built by a factory from settings (no import-time singleton).

With `streams/agents.py` this is the only place that imports Faust: the stage cores never do.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator, Mapping
from typing import Any

import faust
from faust.streams import current_event
from faust.transport.consumer import TopicPartitionGroup, TransactionManager
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer
from faust.types import TP

from .kafka_clients import bootstrap_of, kafka_message_limit
from .settings import Settings

log = logging.getLogger(__name__)


def _credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None)
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
    return faust.SASLCredentials(
        username=settings.kafka_sasl_username,
        password=password,
        mechanism=settings.kafka_sasl_mechanism or "PLAIN",
        ssl_context=context if protocol == "SASL_SSL" else None,
    )


class CommitGate:
    """Lets offsets be committed only between events, never while an agent is inside one.

    With exactly_once, a commit ends the transaction that holds the outputs sent so far and the
    acked offsets. Faust commits on a timer, so a commit landing while an agent had sent some of
    an event's outputs but not yet acked it put those outputs in a committed transaction without
    the event's offset: after a crash the event was redelivered and published again. Agents
    process each event inside `event()` (which acks it before leaving); the consumer commits
    inside `closed()`, which waits until no event is half done and holds new ones back meanwhile.
    """

    def __init__(self) -> None:
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._open = asyncio.Event()
        self._open.set()

    @contextlib.asynccontextmanager
    async def event(self, event: Any) -> AsyncIterator[None]:
        await self._open.wait()
        self._busy += 1
        self._idle.clear()
        try:
            yield
            event.ack()  # acked with its outputs sent: the next commit takes both or neither
        finally:
            self._busy -= 1
            if not self._busy:
                self._idle.set()

    @contextlib.asynccontextmanager
    async def closed(self) -> AsyncIterator[None]:
        self._open.clear()
        try:
            await self._idle.wait()
            yield
        finally:
            self._open.set()


def commit_gate(app: faust.App) -> CommitGate:
    return app.wire_commit_gate  # type: ignore[attr-defined]


class _SourceTransactions(TransactionManager):
    """exactly_once: a record joins the transaction of the partition it was produced FROM.

    Faust 0.15.3 picks the transactional producer by the partition a record goes TO, while it
    commits each source partition's offsets in that source partition's transaction. Every hop
    of this pipeline changes partition (dedup sequences all items on one partition), so an
    item's outputs and its offset were committed in different transactions at different times:
    a crash between them repeated the item (outputs committed, offset not) or lost it (offset
    committed, outputs aborted). Records sent outside an event (the table's changelog, flushed
    from Faust's buffer) keep Faust's choice: a changelog partition is its source partition.
    """

    async def send(
        self, topic: str, key: bytes | None, value: bytes | None, partition: int | None,
        timestamp: float | None, headers: Any, *, transactional_id: str | None = None,
    ) -> Any:
        event = current_event()
        if event is None:
            return await super().send(topic, key, value, partition, timestamp, headers)
        source = event.message.tp
        group = self.app.assignor.group_for_topic(source.topic)
        tid = self.transactional_id_format.format(
            tpg=TopicPartitionGroup(source.topic, source.partition, group), group_id=self.app.conf.id
        )
        target = self.consumer.key_partition(topic, key, partition)
        return await self.producer.send(topic, key, value, target, timestamp, headers, transactional_id=tid)

    async def commit(self, offsets: Mapping[TP, int], start_new_transaction: bool = True) -> bool:
        # Changelog writes wait in Faust's send buffer: put them in the transaction they belong to.
        await self.producer.buffer.flush()
        return await super().commit(offsets, start_new_transaction=start_new_transaction)


# Faust hard-codes fetch_max_wait_ms=1500. With one broker every partition shares one in-flight
# fetch, and aiokafka leaves partitions with undelivered records out of it: a hop's records then
# waited for the broker's long poll on the other partitions, up to 1.5 s (measured by
# `wirestream bench`: see docs/benchmarks.md). A short wait costs a few idle fetches a second.
FETCH_MAX_WAIT_MS = 10


class _ConsumerThread(AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts its fetcher
        return consumer


class _GatedConsumer(AIOKafkaConsumer):
    """Faust's aiokafka consumer whose exactly_once commits pass through the app's CommitGate."""

    def _new_consumer_thread(self) -> AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def force_commit(self, topics: Any = None, start_new_transaction: bool = True) -> bool:
        if not self.in_transaction:
            return await super().force_commit(topics, start_new_transaction=start_new_transaction)
        async with commit_gate(self.app).closed():
            if not await self._holes_are_markers():
                return False
            return await super().force_commit(topics, start_new_transaction=start_new_transaction)

    async def _holes_are_markers(self) -> bool:
        """Check with the broker every offset between the committed one and the highest acked
        one that no agent acked: each must be a transaction marker or an aborted record.

        A data record there was fetched but never handed to an agent (the recovery race of
        faust#596). Committing past it would lose it, and not committing it while its
        partition's transaction commits the later records' outputs repeats those after the next
        crash, so the worker stops before this commit instead: its open transactions are
        aborted and the next owner of the partition starts again from the committed offset.
        """
        for tp, acked in list(self._acked.items()):
            committed = self._committed_offset[tp]
            if not acked or committed is None:
                continue
            gaps = self._gap.get(tp)
            have = set(acked)
            holes = [o for o in range(committed, max(acked)) if o not in have and not (gaps and gaps.overlaps(o))]
            if not holes:
                continue
            data = await _data_offsets(self.app.wire_settings, tp, holes[0], holes[-1] + 1)  # type: ignore[attr-defined]
            never_delivered = sorted(data.intersection(holes)) if data is not None else holes
            if never_delivered:
                what = "were never delivered to the agent (faust#596)" if data is not None else "could not be checked"
                log.error("%s offsets %s %s: stopping rather than commit past them", tp, never_delivered[:10], what)
                await self.crash(RuntimeError(f"uncommittable records on {tp}: {never_delivered[:10]}"))
                return False
            for offset in holes:
                self._gap[tp].addi(offset, offset + 1)
        return True

    def _new_offset(self, tp: TP) -> int | None:
        """exactly_once: commit up to the highest acked offset of the partition.

        Faust commits only a run of consecutive acked offsets and learns of holes only between
        two records it fetched, so a partition's committed offset could stick at a hole (a
        transaction marker it never saw) while that partition's transaction kept committing the
        outputs of the records after it: the next crash replayed them all. Here every hole below
        the highest acked offset was just checked (`_holes_are_markers`), agents take a
        partition's records one at a time in order (concurrency 1), and the commit waits for the
        event in progress (CommitGate).
        """
        if not self.in_transaction:
            return super()._new_offset(tp)
        acked = self._acked[tp]
        if not acked:
            return None
        top = max(acked)
        acked.clear()
        self._acked_index[tp].clear()
        gaps = self._gap.get(tp)
        if gaps:
            gaps.chop(0, top + 1)
        return top + 1


async def _data_offsets(settings: Settings, tp: TP, start: int, end: int, timeout: float = 15.0) -> set[int] | None:
    """Offsets in [start, end) of committed data records (read_committed); None if not read in time."""
    from .kafka_clients import consumer

    reader = consumer(settings, group_id=None, isolation_level="read_committed")
    await reader.start()
    try:
        reader.assign([tp])
        reader.seek(tp, start)
        found: set[int] = set()
        deadline = asyncio.get_running_loop().time() + timeout
        while await reader.position(tp) < end:
            if asyncio.get_running_loop().time() > deadline:
                return None
            batch = await reader.getmany(tp, timeout_ms=200, max_records=end - start)
            found.update(r.offset for recs in batch.values() for r in recs if r.offset < end)
        return found
    finally:
        await reader.stop()


class _App(faust.App):
    """faust.App with the exactly_once fixes above wired into its transport."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.wire_commit_gate = CommitGate()
        super().__init__(*args, **kwargs)

    def _new_transport(self) -> Any:
        transport = super()._new_transport()
        transport.Consumer = _GatedConsumer  # type: ignore[misc]
        transport.TransactionManager = _SourceTransactions  # type: ignore[misc]
        return transport


def build_app(settings: Settings, *, passthrough: bool = False) -> faust.App:
    """A Faust app with the pipeline's agents registered, configured from settings.

    `passthrough`: the same agents, topics and hops with no-op stage functions
    (`streams.bench.passthrough`): what `wirestream bench` measures as Faust's limit here.
    """
    from .agents import PIPELINE_STAGES, register_agents  # agents need the app; this module stays importable alone

    brokers = [f"kafka://{host.strip()}" for host in bootstrap_of(settings).split(",") if host.strip()]
    app = _App(
        settings.app_id,
        broker=brokers,
        broker_credentials=_credentials(settings),
        store=settings.store,
        datadir=str(settings.data_dir),
        processing_guarantee=settings.processing_guarantee,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        # No leader election topic, no web server (metrics have their own port), no autodiscovery.
        topic_disable_leader=True,
        web_enabled=False,
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_linger_ms=5,
        producer_max_request_size=kafka_message_limit(settings),
        broker_commit_interval=1.0,
        # Faust's 60 s default leaves a killed worker's partitions idle for a minute.
        broker_session_timeout=settings.session_timeout.total_seconds(),
        broker_heartbeat_interval=max(1.0, settings.session_timeout.total_seconds() / 5),
        consumer_group_instance_id=settings.instance_id,
        # The changelog of the dedup table is compact-only: faust#176/#651 loop on compact,delete.
        table_cleanup_interval=60.0,
    )
    if passthrough:
        from .bench.passthrough import STAGES as stages
    else:
        stages = PIPELINE_STAGES
    app.wire_settings = settings  # type: ignore[attr-defined]
    register_agents(app, settings, stages)
    app.sensors.add(_ObserverSensor(app, _observer(settings)))
    return app


def _observer(settings: Settings) -> Any:
    from . import topics as T
    from .metrics import get_metrics
    from .observability import WorkerObserver, get_health

    consumed = [settings.topic(name) for name in (T.RAW, T.NORMALISED, T.DEDUPLICATED)]
    return WorkerObserver(settings, get_metrics(), get_health(), consumed)


class _ObserverSensor(faust.Sensor):
    """Forwards Faust's hooks to `streams.observability.WorkerObserver` (which knows no Faust)."""

    def __init__(self, app: faust.App, observer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._wire_app = app
        self.observer = observer

    def _assignment(self) -> list[tuple[str, int]]:
        try:
            return [(tp.topic, tp.partition) for tp in self._wire_app.consumer.assignment()]
        except Exception:  # consumer not started yet, or stopping
            return []

    def _forward(self, hook: str, *args: Any) -> None:
        # Faust calls sensors inline (recovery, commits, sends): a bug here must not stop those.
        try:
            getattr(self.observer, hook)(*args)
        except Exception:
            log.exception("observer hook %s failed", hook)

    async def on_start(self) -> None:
        self._forward("started", asyncio.get_running_loop())
        self.add_future(self.observer.poll(self._assignment, lambda: dict(self._wire_app.tables)))

    def on_rebalance_start(self, app: faust.App) -> dict:
        state = super().on_rebalance_start(app)
        self._forward("rebalance_started")
        return state

    def on_rebalance_end(self, app: faust.App, state: dict) -> None:
        self._forward("rebalance_ended", self._assignment())

    def on_send_initiated(self, producer: Any, topic: str, message: Any, keysize: int, valsize: int) -> None:
        self._forward("send_initiated", topic, keysize, valsize)

    def on_send_error(self, producer: Any, exc: BaseException, state: Any) -> None:
        self._forward("send_failed", exc)

    def on_commit_completed(self, consumer: Any, state: Any) -> None:
        self._forward("commit_completed")


class _Worker(faust.Worker):
    """Faust's worker whose stop (SIGTERM/SIGINT) is also reported and bounded in time.

    Faust's own stop already drains: it pauses the partitions, waits until every event handed
    to an agent is acked, commits, then flushes the producer.
    """

    wire_settings: Settings

    async def stop(self) -> None:
        from .metrics import get_metrics
        from .observability import stop_requested

        stop_requested(get_metrics(), self.wire_settings.shutdown_timeout.total_seconds())
        await super().stop()


def run_worker(settings: Settings, *, passthrough: bool = False) -> None:
    """Run one worker until SIGTERM/SIGINT (blocking); logs as WIRE_LOG_FORMAT says."""
    from .metrics import get_metrics
    from .observability import count_producer_retries, logging_config

    app = build_app(settings, passthrough=passthrough)
    count_producer_retries(get_metrics())
    worker = _Worker(
        app, loglevel=settings.log_level, quiet=True, logging_config=logging_config(settings, settings.log_format)
    )
    worker.wire_settings = settings
    worker.execute_from_commandline()
