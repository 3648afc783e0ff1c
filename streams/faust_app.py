"""The Faust app, built by a factory from settings (no import-time singleton).

With `streams/agents.py` this is the only place that imports Faust: the stage cores never do.
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import logging
import ssl
from collections.abc import AsyncIterator, Iterator, Mapping
from typing import Any

import faust
from faust.streams import current_event
from faust.transport.consumer import TopicPartitionGroup, TransactionManager, ensure_TP
from faust.transport.drivers.aiokafka import AIOKafkaConsumerThread
from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer
from faust.types import TP
from mode import Service

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

    `event()` also says whether the event is new: a record delivered again within one process
    (Faust re-reads a partition from its committed offset after a rebalance, while records it
    fetched just before may still be on their way to the agent) was already handled when its
    offset was acked, and handling it twice would publish its outputs twice.
    """

    def __init__(self, app: Any = None) -> None:
        self._app = app
        self._busy = 0
        self._idle = asyncio.Event()
        self._idle.set()
        self._open = asyncio.Event()
        self._open.set()

    @contextlib.asynccontextmanager
    async def event(self, event: Any) -> AsyncIterator[bool]:
        await self._open.wait()
        self._busy += 1
        self._idle.clear()
        try:
            consumer = getattr(self._app, "consumer", None) if self._app is not None else None
            done = getattr(consumer, "already_acked", None)
            yield not (done is not None and done(event.message))
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
        tid = self._transactional_id(event.message.tp)
        target = self.consumer.key_partition(topic, key, partition)
        return await self.producer.send(topic, key, value, target, timestamp, headers, transactional_id=tid)

    async def commit(self, offsets: Mapping[TP, int], start_new_transaction: bool = True) -> bool:
        # Changelog writes wait in Faust's send buffer: put them in the transaction they belong to.
        await self.producer.buffer.flush()
        # Faust skips a transaction whose producer is gone (aborted at a revocation, or fenced)
        # with a warning, and then records its offsets as committed anyway: records after them
        # would be skipped as done. Stop instead; the restart reads the committed offsets.
        held = getattr(self.producer, "_transaction_producers", None)
        if held is not None:
            gone = sorted({self._transactional_id(tp) for tp in offsets} - set(held))
            if gone:
                raise RuntimeError(f"no transaction to commit offsets in for {gone}: stopping rather than skip them")
        return await super().commit(offsets, start_new_transaction=start_new_transaction)

    def _transactional_id(self, tp: TP) -> str:
        group = self.app.assignor.group_for_topic(tp.topic)
        return self.transactional_id_format.format(
            tpg=TopicPartitionGroup(tp.topic, tp.partition, group), group_id=self.app.conf.id
        )

    async def abort_all(self) -> None:
        """Abort every open transaction and drop its producer; the rebalance that follows starts
        a new one per assigned partition (its InitProducerId fences any other holder of the id
        and completes that holder's pending commit before offsets are read)."""
        producer = self.producer
        held = getattr(producer, "_transaction_producers", {})
        for tid in sorted(held):
            txp = held.pop(tid)
            with contextlib.suppress(Exception):  # fenced or not in a transaction: nothing to abort
                await txp.abort_transaction()
            with contextlib.suppress(Exception):
                await txp.stop()


# How long a partition may keep a record that was fetched but never reached an agent, while it
# is read again, before the worker stops rather than commit (see `_holes_are_markers`).
HOLE_PATIENCE_SECONDS = 30.0
REREAD_EVERY_SECONDS = 5.0
# A commit still under way after this long is stuck (a commit takes milliseconds; a hole waits
# at most HOLE_PATIENCE_SECONDS): the worker logs every task's async stack and stops, and its
# supervisor restarts it from the committed offsets. A safety net: workers sat idle with lag
# (see `_tails_delivered`), and nothing said where they waited.
COMMIT_STALL_SECONDS = 90.0

# Faust hard-codes fetch_max_wait_ms=1500. With one broker every partition shares one in-flight
# fetch, and aiokafka leaves partitions with undelivered records out of it: a hop's records then
# waited for the broker's long poll on the other partitions, up to 1.5 s (measured by
# `wirestream bench`: see docs/benchmarks.md). 50 ms rather than 10: the same latency at 5 and
# at 200 items/s (the broker answers as soon as a fetched partition has data), an idle worker at
# ~2 % of a core instead of ~7 %, and no loss of throughput (docs/benchmarks.md, session 4).
FETCH_MAX_WAIT_MS = 50


def _an_offset(offset: int | None) -> int | None:
    """An offset Faust or aiokafka answered, or None where they mean "none" (None or negative)."""
    return offset if offset is not None and offset >= 0 else None


class _ConsumerThread(AIOKafkaConsumerThread):
    def _create_worker_consumer(self, transport: Any) -> Any:
        consumer = super()._create_worker_consumer(transport)
        consumer._fetch_max_wait_ms = FETCH_MAX_WAIT_MS  # read when the consumer starts its fetcher
        return consumer

    async def _highwaters(self, partitions: Any) -> Mapping[TP, int]:
        # Faust's exactly_once recovery took a changelog's end from the last fetch response
        # (`last_stable_offset`), unknown right after a rebalance: a changelog with 945 records
        # counted as empty, and the table's own offset (944) then failed Faust's consistency
        # check and crashed the worker. Ask the broker: with read_committed (exactly_once) it
        # answers the last stable offset, the end of what recovery can read.
        return await self._ensure_consumer().end_offsets(list(partitions))


class _GatedConsumer(AIOKafkaConsumer):
    """Faust's aiokafka consumer with the delivery fixes this pipeline relies on.

    - Records fetched before their partition was moved (a seek) are not delivered (faust#596,
      see `getmany`).
    - Before every commit, offsets that no agent acked below the highest acked one are checked
      with the broker (`_holes_are_markers`); data records among them are read again, and so
      are committed records past everything acked on a partition left idle (`_tails_delivered`).
    - exactly_once commits pass through the app's CommitGate; a rebalance aborts what was not
      committed (`on_partitions_revoked`); seeking to the committed offsets never lowers them
      (`seek_to_committed`).
    - A commit stuck for COMMIT_STALL_SECONDS logs every task's stack and stops the worker.
    """

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._wire_moves: collections.Counter[TP] = collections.Counter()  # seeks per partition
        self._wire_next: dict[TP, int | None] = {}  # next offset to deliver, since the last seek
        self._wire_batch_moves: dict[TP, int] = {}  # the seek count when the batch in hand was fetched
        self._wire_batch: dict[TP, int] = {}  # last offset per partition of the batch in hand
        self._wire_seeking = False  # a seek to the committed offsets is under way
        self._wire_refetch_after_seek: set[TP] = set()
        self._wire_holes: dict[TP, tuple[int, float, float]] = {}  # first undelivered offset, first seen, last read again
        self._wire_hole_reader = _HoleReader(self.app)
        self._wire_commit_since: float | None = None  # loop time the commit under way began
        self._wire_committing: collections.Counter[asyncio.Task] = collections.Counter()  # commits under way, by task
        self._wire_commit_ended = asyncio.Event()
        self._wire_revoking = False  # exactly_once: partitions are being revoked, nothing commits
        self._wire_delivered_at: dict[TP, float] = {}  # loop time a partition's record last reached an agent
        # Where delivery began in this assignment, per partition sought to its committed offset
        # since it was assigned (None: the group has none and the log's start is not known yet).
        self._wire_start: dict[TP, int | None] = {}
        self._wire_start_epoch = 0  # counts seeks to the committed offsets and revocations
        self._wire_unsettled: set[TP] = set()  # acked partitions the last hole check could not place
        self._wire_unsettled_since: float | None = None  # loop time partitions first stayed unsettled

    def _new_consumer_thread(self) -> AIOKafkaConsumerThread:
        return _ConsumerThread(self, loop=self.loop, beacon=self.beacon)

    async def on_stop(self) -> None:
        await super().on_stop()
        await self._wire_hole_reader.stop()

    async def _add_gap(self, tp: TP, offset_from: int, offset_to: int) -> None:
        """Faust marks offsets it did not see between two delivered records as done (a "gap" of
        transaction markers) and commits past them. A jump in what reaches the fetch loop also
        comes from races around seeks (faust#596), and trusting it lost records: 73 of 1,500
        under exactly_once in one SIGKILL run. Here no offset counts as done unless an agent
        acked it or the broker says it holds no data record (`_holes_are_markers`)."""

    def already_acked(self, message: Any) -> bool:
        """Whether this partition's record at this offset was already acked (or committed)."""
        tp = message.tp
        committed = self._committed_offset.get(tp)
        if committed is not None and message.offset < committed:
            return True
        index = self._acked_index.get(tp)
        return bool(index) and message.offset in index

    # -- faust#596: stale records after a seek -------------------------------------------------
    # After a rebalance Faust resumes the partitions, then seeks them to the committed offsets
    # while its fetch loop runs. Records fetched before the seek were still handed over after
    # it, and Faust's fetch loop, seeing them after the committed offset it had just been reset
    # to, took the distance for a gap of transaction markers: it counted the records in between
    # as done and committed past them, and dropped them as already read when the seek fetched
    # them again. Measured: 2 of 400 records lost in 2 of 4 runs of the SIGTERM hand-over test.
    # Here a partition's records reach the agents only from a fetch that started after its last
    # seek had taken effect (a seek counts as a move when it is asked for and again when it is
    # done), and a seek that lands while a record is being handed over resets the read position.
    # Measured before the second count: a fetch made while the seek was under way still read the
    # old position, and 6 of 1,500 items were committed past under exactly_once.

    def _moved(self, tps: Any, offsets: Mapping[Any, int | None] | None = None) -> None:
        for tp in tps:
            tp = ensure_TP(tp)
            self._wire_moves[tp] += 1
            if offsets is not None:
                offset = offsets.get(tp)
                self._wire_next[tp] = _an_offset(offset)

    async def _seek(self, partition: TP, offset: int) -> None:
        self._moved([partition], {ensure_TP(partition): offset})
        # In the consumer's own thread: Faust calls aiokafka's seek from this one, and the
        # fetcher (whose wake-up that seek sets) then never fetched that consumer's partitions again.
        await self._thread.call_thread(self._thread.seek, partition, offset)
        self._moved([partition])  # a fetch that began before this point may have read the old position

    async def highwaters(self, *partitions: TP) -> Mapping[TP, int]:
        """exactly_once: a changelog's end as the offset after its last committed data record.

        Faust's recovery reads until the offset before the end. A transactional changelog ends
        with a commit marker, which never reaches the reader, so every recovery waited for
        Faust's 10 s "Aborted tx until highwater" timeout (three SIGKILLs: +30 s).
        """
        ends = await super().highwaters(*partitions)
        if not self.in_transaction:
            return ends
        adjusted = dict(ends)
        for tp, end in ends.items():
            if end is None or end <= 0:
                continue
            width = 16
            while True:  # markers and aborted records end the log: look further back until data
                start = max(0, end - width)
                data = await self._wire_hole_reader.data_offsets(tp, start, end)
                if data is None:  # not read in time: keep the end (Faust's timeout still ends it)
                    break
                if data:
                    adjusted[tp] = max(data) + 1
                    break
                if start == 0:
                    adjusted[tp] = 0
                    break
                width *= 4
        return adjusted

    async def seek_wait(self, partitions: Mapping[TP, int]) -> None:
        # Faust's recovery maps only -1 to "from the start": for a standby changelog partition it
        # knew no offset of after a rebalance it passed None, which aiokafka refuses (the worker
        # crashed). A standby replica with nothing read starts from the changelog's beginning.
        partitions = {tp: 0 if offset is None or offset < 0 else offset for tp, offset in partitions.items()}
        self._moved(partitions, {ensure_TP(tp): offset for tp, offset in partitions.items()})
        await super().seek_wait(partitions)
        self._moved(partitions)

    async def seek_to_committed(self) -> Mapping[TP, int]:
        assigned = self.assignment()
        # Unknown while the seek is under way; a failed seek (Faust's fetch loop retries it)
        # keeps the earlier starts, lower bounds still (committed offsets only move forward).
        before = {tp: self._wire_start.pop(tp) for tp in map(ensure_TP, assigned) if tp in self._wire_start}
        self._wire_start_epoch += 1
        epoch = self._wire_start_epoch
        self._moved(assigned)
        self._wire_seeking = True
        try:
            offsets = await super().seek_to_committed()
        except BaseException:
            if epoch == self._wire_start_epoch:  # no other seek or revocation since
                self._wire_start.update(before)
            raise
        finally:
            self._wire_seeking = False
            # A fetch that began while the seek was under way may have read the old position.
            self._moved(assigned)
        for tp, offset in offsets.items():
            self._wire_next[ensure_TP(tp)] = _an_offset(offset)
        # Batches dropped while the seek was under way may have been fetched after it took
        # effect: set those partitions to the committed offset once more.
        pending, self._wire_refetch_after_seek = self._wire_refetch_after_seek, set()
        for tp in pending:
            await self._refetch(tp, "after_seek")
        # Agents run while this seek is under way, and a commit may land meanwhile. Faust then
        # sets its committed offsets to what this seek read, lowering them: records read again
        # after that commit were not recognised as handled and were published twice (11 inputs
        # in one exactly_once SIGKILL run). Committed offsets only move forward.
        result = dict(offsets)
        for tp, offset in offsets.items():
            now = self._committed_offset.get(ensure_TP(tp))
            if now is not None and (offset is None or offset < now):
                result[tp] = now
            if epoch == self._wire_start_epoch:  # not revoked or sought again meanwhile
                self._wire_start[ensure_TP(tp)] = _an_offset(result[tp])
        return result

    async def _getmany(self, active_partitions: Any, timeout: float) -> Any:
        moves = dict(self._wire_moves)
        records = await super()._getmany(active_partitions, timeout)
        self._wire_batch_moves = moves
        self._wire_batch = {tp: recs[-1].offset for tp, recs in (records or {}).items() if recs}
        return records

    async def getmany(self, timeout: float) -> AsyncIterator[tuple[TP, Any]]:
        refetched: set[TP] = set()
        handed: dict[TP, int] = {}
        self._wire_batch = {}
        async for tp, message in super().getmany(timeout):
            moves = self._wire_moves[tp]
            if moves != self._wire_batch_moves.get(tp, 0):
                if tp not in refetched:  # once per partition and batch
                    refetched.add(tp)
                    log.info("%s: records from offset %d were fetched before a seek; reading them again", tp, message.offset)
                    await self._refetch(tp, "stale_fetch")
                continue
            handed[tp] = message.offset
            self._wire_delivered_at[tp] = asyncio.get_running_loop().time()
            yield tp, message
            if self._wire_moves[tp] != moves:
                # Moved while this record was being handed over: the fetch loop has just set
                # its read position past it; delivery restarts at the seek's offset.
                self._read_offset[tp] = self._wire_next.get(tp)
            else:
                self._wire_next[tp] = message.offset + 1
        # Faust leaves the rest of a batch behind when the flow stops, the generation changes or
        # a partition is paused meanwhile, though the fetch position has passed those records:
        # without another seek a partition's last records were never delivered.
        for tp, last in self._wire_batch.items():
            if tp not in refetched and handed.get(tp, -1) < last and not self.should_stop:
                await self._refetch(tp, "left_behind")

    async def _refetch(self, tp: TP, reason: str = "stale_fetch") -> None:
        """Records of `tp` from a fetch older than its last seek were dropped: read them again
        from where delivery stands (the fetch may have come after the seek and moved past it)."""
        if self._wire_seeking:  # where delivery stands is known once the seek is done
            self._wire_refetch_after_seek.add(tp)
            return
        try:
            if tp not in self.assignment():
                return
        except Exception:  # the consumer is stopping
            return
        target = self._wire_next.get(tp)
        if target is None:  # no committed offset: delivery starts at the partition's beginning
            target = (await self.earliest_offsets(tp)).get(tp, 0)
        await self._read_again(tp, target, reason)

    async def _read_again(self, tp: TP, offset: int, reason: str) -> None:
        from .metrics import get_metrics

        get_metrics().rereads.labels(reason).inc()
        await self.seek(tp, offset)

    async def on_partitions_revoked(self, revoked: Any) -> None:
        """exactly_once: a rebalance aborts what was not yet committed instead of committing it.

        Faust forgets what agents acked on the revoked partitions before its revocation handler
        commits, and keeps the producers of partitions that stay: the outputs of events acked
        since the last commit stayed in an open transaction whose offsets were gone. That
        transaction was committed (with other partitions' offsets, or later with the events'
        second run after the seek to the committed offsets): measured, 4 and 61 inputs published
        twice after a worker paused past its session timeout woke up. Here commits are refused
        while partitions are revoked, also one that began before and has not yet taken its
        offsets (in-flight events still finish); a commit already committing its transactions is
        waited for; then every open transaction is aborted and every ack not committed forgotten;
        every partition restarts from its committed offset with a new producer.
        """
        self._wire_start_epoch += 1
        for tp in revoked:
            self._wire_start.pop(ensure_TP(tp), None)
        if not self.in_transaction:
            await super().on_partitions_revoked(revoked)
            return
        self._wire_revoking = True
        try:
            await super().on_partitions_revoked(revoked)
            await self._commits_ended()
            await self.transactions.abort_all()
            # Events that finished while the handler waited for them were acked after Faust had
            # forgotten the partitions: their outputs were just aborted, so those acks are void
            # (kept, the event's second run was skipped as already handled and its offset then
            # committed without output: one input lost in a run).
            for tp in set(self._acked) | set(self._acked_index) | {ensure_TP(tp) for tp in revoked}:
                self._acked.pop(tp, None)
                self._acked_index.pop(tp, None)
                self._gap.pop(tp, None)
                self._wire_holes.pop(tp, None)
        finally:
            self._wire_revoking = False

    async def _commits_ended(self, timeout: float = COMMIT_STALL_SECONDS) -> None:
        """exactly_once: wait until no other task is inside a commit.

        A commit that began before the revocation (the timer's; measured: one in flight across a
        SIGSTOP, finishing 0.2 s after the revocation began) commits its transactions one after
        the other. Aborting them meanwhile took producers from under it: the transactions it had
        not reached yet were skipped ("unknown transaction"), and Faust still recorded their
        offsets as committed, so records this worker kept after the rebalance were skipped as
        done. Waiting for it keeps each transaction whole: committed by it, or aborted here.
        """
        me = asyncio.current_task()
        deadline = asyncio.get_running_loop().time() + timeout
        while any(task is not me for task in self._wire_committing):
            left = deadline - asyncio.get_running_loop().time()
            if left <= 0:
                log.error("a commit is still under way after %.0f s: aborting its transactions anyway", timeout)
                return
            self._wire_commit_ended.clear()
            with contextlib.suppress(asyncio.TimeoutError):
                await asyncio.wait_for(self._wire_commit_ended.wait(), left)

    @contextlib.contextmanager
    def _committing(self) -> Iterator[None]:
        """Marks a commit under way: for the stall watchdog, and for a revocation to wait for."""
        task = asyncio.current_task()
        self._wire_committing[task] += 1
        first = self._wire_commit_since is None  # commits overlap (a revocation's during the timer's)
        if first:
            self._wire_commit_since = asyncio.get_running_loop().time()
        try:
            yield
        finally:
            if first:
                self._wire_commit_since = None
            self._wire_committing[task] -= 1
            if self._wire_committing[task] <= 0:
                del self._wire_committing[task]
                self._wire_commit_ended.set()

    async def force_commit(self, topics: Any = None, start_new_transaction: bool = True) -> bool:
        if self._wire_revoking:  # exactly_once: aborted instead (on_partitions_revoked)
            return False
        with self._committing():
            if not self.in_transaction:
                if not await self._holes_are_markers():
                    return False
                return await super().force_commit(topics, start_new_transaction=start_new_transaction)
            async with commit_gate(self.app).closed():
                if not await self._holes_are_markers():
                    return False
                if self._wire_revoking:
                    # The revocation began while this commit waited: Faust has forgotten the acks
                    # of the revoked partitions, and a transaction holds several partitions'
                    # outputs (its id is the partition number). Committed now, it took outputs
                    # without their offsets (measured: 2 inputs published twice after a SIGSTOP;
                    # the timer's commit began 14 ms after aiokafka announced the revocation).
                    # No await from here until Faust has computed the offsets.
                    return False
                return await super().force_commit(topics, start_new_transaction=start_new_transaction)

    @Service.task
    async def _wire_watchdog(self) -> None:
        """Every REREAD_EVERY_SECONDS: read idle partitions' undelivered records again, and stop
        the worker when a commit is stuck."""
        from .observability import describe_tasks

        while not self.should_stop:
            await self.sleep(REREAD_EVERY_SECONDS)
            if self.should_stop:
                return
            await self._tails_delivered()
            since = self._wire_commit_since
            if since is None:
                continue
            stalled = asyncio.get_running_loop().time() - since
            if stalled > COMMIT_STALL_SECONDS:
                loops = {"main": asyncio.get_running_loop(), "consumer thread": getattr(self._thread, "thread_loop", None)}
                log.error("commit stalled for %.0f s: stopping for a restart from the committed offsets; tasks:\n%s",
                          stalled, describe_tasks(loops))
                await self.crash(RuntimeError(f"commit stalled for {stalled:.0f} s"))
                return

    async def _holes_are_markers(self) -> bool:
        """Check with the broker every offset between the committed one and the highest acked
        one that no agent acked: each must be a transaction marker or an aborted record.

        A data record there was fetched but never handed to an agent (faust#596). Committing
        past it would lose it; with exactly_once, committing the transaction that holds the
        later records' outputs without it would repeat those after the next crash. So nothing
        is committed yet, and the partition is read again from that record: it reaches the
        agent, the later records are skipped as already handled (CommitGate.event), and a
        following commit takes them all. A hole still open after HOLE_PATIENCE_SECONDS stops the
        worker without committing (a supervisor restarts it from the committed offset).
        """
        proceed = True
        now = asyncio.get_running_loop().time()
        unsettled: set[TP] = set()
        try:
            assigned: set[TP] | None = {ensure_TP(tp) for tp in self.assignment()}
        except Exception:  # not started or stopping: check every partition
            assigned = None
        for tp, acked in list(self._acked.items()):
            if not acked or (assigned is not None and tp not in assigned):
                # Acks of a partition given away are never committed here (Faust commits only
                # assigned partitions): an event that ended after its partition was revoked left
                # one, and taking it for a partition not yet sought stopped every commit of
                # the worker woken from SIGSTOP in a fault run.
                self._wire_holes.pop(tp, None)
                continue
            committed = await self._commit_base(tp)
            if committed is None:
                # Acked before this assignment's seek to the committed offsets ended (Faust
                # resumes the partitions first): where delivery starts, and so whether records
                # below these were skipped, is not known yet. Faust then committed the acked run
                # with no check, past records never delivered: one partition lost 363 records
                # (committed 611, a record at 973 read from the pre-rebalance position and
                # acked during the seek, committed 974), in 3 of 7 runs of the suite on a slow
                # machine. Nothing commits until it is known (with exactly_once, a transaction
                # holds the outputs of several source partitions: committing the others would
                # commit these records' outputs without their offsets).
                if tp not in self._wire_unsettled:
                    log.info("%s offsets from %d acked before the seek to the committed offset ended: commit postponed",
                             tp, min(acked))
                unsettled.add(tp)
                self._wire_holes.pop(tp, None)
                proceed = False
                continue
            gaps = self._gap.get(tp)
            have = set(acked)
            holes = [o for o in range(committed, max(acked)) if o not in have and not (gaps and gaps.overlaps(o))]
            if not holes:
                self._wire_holes.pop(tp, None)
                continue
            data = await self._wire_hole_reader.data_offsets(tp, holes[0], holes[-1] + 1)
            never_delivered = sorted(data.intersection(holes)) if data is not None else holes
            if not never_delivered:
                # Without transactions no offset is a marker: a hole with no data record is one
                # the reader missed or the log lost (retention), and counting it done deserves a
                # trace. Session 9 saw inputs committed past on one partition with no output and
                # no warning, in both modes; this says whether this path took them.
                level = logging.DEBUG if self.in_transaction else logging.WARNING
                log.log(level, "%s offsets %d..%d (%d not acked) hold no committed data record: counted as done",
                        tp, holes[0], holes[-1], len(holes))
                for offset in holes:
                    self._gap[tp].addi(offset, offset + 1)
                continue
            proceed = False
            first = never_delivered[0]
            seen_first, since, reread = self._wire_holes.get(tp, (None, now, 0.0))
            if seen_first != first:
                since, reread = now, 0.0
            if now - since > HOLE_PATIENCE_SECONDS:
                what = "were never delivered to the agent (faust#596)" if data is not None else "could not be checked"
                log.error("%s offsets %s %s for %.0f s: stopping rather than commit past them", tp, never_delivered[:10], what, now - since)
                await self.crash(RuntimeError(f"uncommittable records on {tp}: {never_delivered[:10]}"))
                return False
            if data is None:
                log.warning("%s offsets %s could not be checked with the broker: commit postponed", tp, never_delivered[:10])
            elif now - reread >= REREAD_EVERY_SECONDS:  # the first re-read is usually enough
                log.warning("%s offsets %s were fetched but never reached the agent (faust#596): reading again from %d",
                            tp, never_delivered[:10], first)
                reread = now
                await self._read_again(tp, first, "undelivered")
            self._wire_holes[tp] = (first, since, reread)
        self._wire_unsettled = unsettled
        if not unsettled:
            self._wire_unsettled_since = None
        elif self._wire_unsettled_since is None:
            self._wire_unsettled_since = now
        elif now - self._wire_unsettled_since > HOLE_PATIENCE_SECONDS:
            # A seek to the committed offsets ends within a second; one that never did is a
            # stuck worker: its supervisor restarts it from the committed offsets.
            log.error("%s acked with no known delivery start for %.0f s: stopping rather than commit",
                      sorted(unsettled), now - self._wire_unsettled_since)
            await self.crash(RuntimeError(f"no known delivery start for {sorted(unsettled)}"))
            return False
        return proceed

    async def _commit_base(self, tp: TP) -> int | None:
        """The offset a commit of `tp` covers from: its committed offset, else (the group never
        committed it) the start of its log; None until the partition was sought in this assignment."""
        committed = self._committed_offset.get(tp)
        if committed is not None:
            return committed
        if tp not in self._wire_start:
            return None
        start = self._wire_start[tp]
        if start is None:
            with contextlib.suppress(Exception):  # unknown this time: the acks wait
                start = (await self.earliest_offsets(tp)).get(tp)
            if start is not None and tp in self._wire_start and self._wire_start[tp] is None:
                self._wire_start[tp] = start
        return start

    async def _tails_delivered(self) -> None:
        """Read a partition again when data records after everything acked never reached an agent.

        `_holes_are_markers` sees an undelivered record only below an acked one: a partition's
        last records, fetched but dropped (faust#596 races) while nothing came after them,
        left the worker idle with lag and nothing to commit, for good (seen in about one
        exactly_once SIGKILL run in ten). A partition idle for REREAD_EVERY_SECONDS with
        committed records beyond what was acked is checked with the broker.
        """
        if getattr(self.app, "rebalancing", False) or self._wire_seeking:
            return
        try:
            client = self._thread._ensure_consumer()
            partitions = set(self._get_active_partitions()) - set(self._paused_partitions)
        except Exception:  # not started or stopping
            return
        now = asyncio.get_running_loop().time()
        in_flight = {message.tp for message in list(self._unacked_messages)}
        for tp in sorted(partitions):
            if tp in in_flight or now - self._wire_delivered_at.get(tp, 0.0) < REREAD_EVERY_SECONDS:
                continue
            end = client.last_stable_offset(tp) if self.in_transaction else client.highwater(tp)
            start = self._committed_offset.get(tp)
            if start is None:
                start = self._wire_start.get(tp)
            acked = self._acked.get(tp)
            if acked:
                start = max(start or 0, max(acked) + 1)
            if end is None or start is None or start >= end:
                continue
            data = await self._wire_hole_reader.data_offsets(tp, start, end)
            if getattr(self.app, "rebalancing", False) or self._wire_seeking or self._wire_revoking:
                return  # a rebalance began while the broker was asked: it seeks every partition itself
            if not data or now - self._wire_delivered_at.get(tp, 0.0) < REREAD_EVERY_SECONDS:
                continue
            first = min(data)
            log.warning("%s records from offset %d (of %d up to %d) never reached the agent: reading again",
                        tp, first, len(data), end)
            self._wire_delivered_at[tp] = now  # once per interval
            await self._read_again(tp, first, "undelivered")

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
        if tp in self._wire_unsettled or (self._committed_offset.get(tp) is None and self._wire_start.get(tp) is None):
            return None  # where delivery starts is not known (`_holes_are_markers`)
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


class _HoleReader:
    """One read_committed consumer per worker that tells data records from transaction markers
    and aborted records in a range of offsets (a fresh consumer per check cost ~100 ms)."""

    def __init__(self, app: Any) -> None:
        self._app = app  # its settings are attached after the app is built
        self._reader: Any = None
        self._lock = asyncio.Lock()

    async def data_offsets(self, tp: TP, start: int, end: int, timeout: float = 15.0) -> set[int] | None:
        """Offsets in [start, end) of committed data records; None if not read in time."""
        from aiokafka import TopicPartition

        from .kafka_clients import consumer

        tp = TopicPartition(tp.topic, tp.partition)  # aiokafka refuses Faust's TP in getmany
        async with self._lock:
            try:
                if self._reader is None:
                    self._reader = consumer(self._app.wire_settings, group_id=None, isolation_level="read_committed")
                    await self._reader.start()
                reader = self._reader
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
            except Exception:  # the broker is away: the commit waits for the next round
                log.warning("could not read %s [%d, %d) to check for undelivered records", tp, start, end, exc_info=True)
                await self.stop()
                return None

    async def stop(self) -> None:
        reader, self._reader = self._reader, None
        if reader is not None:
            with contextlib.suppress(Exception):
                await reader.stop()


class _App(faust.App):
    """faust.App with the exactly_once fixes above wired into its transport."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        self.wire_commit_gate = CommitGate(self)
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

    def on_setup_root_logger(self, logger: logging.Logger, level: int) -> None:
        # No terminal spinner: at WIRE_LOG_LEVEL=warning and above it set the root logger to
        # DEBUG, so every Faust and aiokafka debug call built a record (~0.1 ms an item).
        self.spinner = None
        super().on_setup_root_logger(logger, level)

    async def on_execute(self) -> None:
        # Logging is configured by now (the warm-up reports itself) and nothing consumes yet.
        from .warmup import prepare_worker

        await super().on_execute()
        prepare_worker(self.app.wire_tagger, self.wire_settings)

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
