"""CommitGate (streams.faust_app): an exactly_once commit never lands inside an event."""

import asyncio
import collections
import types

import pytest
from faust.types import TP

from streams.faust_app import CommitGate, _GatedConsumer, _SourceTransactions


class FakeEvent:
    def __init__(self) -> None:
        self.acked = False

    def ack(self) -> None:
        self.acked = True


def test_commit_waits_for_the_event_in_progress_and_holds_new_ones():
    async def scenario() -> list[str]:
        gate, log = CommitGate(), []
        first, second = FakeEvent(), FakeEvent()
        sent = asyncio.Event()

        async def agent(event, name, pause):
            async with gate.event(event):
                log.append(f"{name} start")
                sent.set()
                await asyncio.sleep(pause)  # e.g. awaiting a send
                log.append(f"{name} end acked={event.acked}")

        async def commit():
            await sent.wait()
            async with gate.closed():
                log.append(f"commit first_acked={first.acked}")
                await asyncio.sleep(0.02)
                log.append("commit end")

        one = asyncio.create_task(agent(first, "one", 0.05))
        committing = asyncio.create_task(commit())
        await asyncio.sleep(0.01)
        two = asyncio.create_task(agent(second, "two", 0))
        await asyncio.gather(one, committing, two)
        assert first.acked and second.acked
        return log

    log = asyncio.run(scenario())
    # The commit came after event one was acked, and event two began only after the commit.
    assert log == ["one start", "one end acked=False", "commit first_acked=True", "commit end", "two start",
                   "two end acked=False"]


def test_an_event_that_raises_is_not_acked_and_frees_the_gate():
    async def scenario() -> bool:
        gate, event = CommitGate(), FakeEvent()
        try:
            async with gate.event(event):
                raise ValueError("stage bug")
        except ValueError:
            pass
        async with asyncio.timeout(1):
            async with gate.closed():
                return event.acked

    assert asyncio.run(scenario()) is False


class FakeMessage:
    def __init__(self, offset: int) -> None:
        self.offset = offset


class FakeApp:
    """The part of the app the gate reads: a consumer that knows which offsets were acked."""

    def __init__(self, acked: set[int]) -> None:
        self.consumer = self
        self._acked = acked

    def already_acked(self, message: FakeMessage) -> bool:
        return message.offset in self._acked


def test_an_event_delivered_again_after_it_was_acked_is_reported_as_not_new_and_acked():
    async def scenario() -> list[tuple[int, bool, bool]]:
        gate, seen = CommitGate(FakeApp({3})), []
        for offset in (2, 3, 4):
            event = FakeEvent()
            event.message = FakeMessage(offset)
            async with gate.event(event) as new:
                pass
            seen.append((offset, new, event.acked))
        return seen

    assert asyncio.run(scenario()) == [(2, True, True), (3, False, True), (4, True, True)]


def test_without_an_app_every_event_is_new():
    async def scenario() -> bool:
        event = FakeEvent()
        event.message = FakeMessage(0)
        async with CommitGate().event(event) as new:
            return new

    assert asyncio.run(scenario()) is True


def _consumer_bookkeeping():
    """A `_GatedConsumer` with only its commit bookkeeping: what a revocation waits on."""
    consumer = _GatedConsumer.__new__(_GatedConsumer)
    consumer._wire_committing = collections.Counter()
    consumer._wire_commit_ended = asyncio.Event()
    consumer._wire_commit_since = None
    return consumer


def test_a_revocation_waits_for_the_commit_under_way_before_aborting_transactions():
    async def scenario() -> list[str]:
        consumer, log = _consumer_bookkeeping(), []
        started = asyncio.Event()

        async def timer_commit():
            with consumer._committing():
                started.set()
                await asyncio.sleep(0.05)  # committing one transaction after the other
                log.append("commit end")

        async def revocation():
            await started.wait()
            with consumer._committing():  # its own commit attempts do not hold it back
                pass
            await consumer._commits_ended()
            log.append("abort")

        await asyncio.gather(timer_commit(), revocation())
        return log

    assert asyncio.run(scenario()) == ["commit end", "abort"]


def test_a_revocation_inside_a_commit_of_its_own_task_does_not_wait_for_itself():
    async def scenario() -> bool:
        consumer = _consumer_bookkeeping()
        with consumer._committing():
            async with asyncio.timeout(1):
                await consumer._commits_ended()
        return not consumer._wire_committing and consumer._wire_commit_since is None

    assert asyncio.run(scenario())


def test_a_commit_stuck_past_the_timeout_does_not_block_the_revocation_for_good(caplog):
    async def scenario() -> float:
        consumer = _consumer_bookkeeping()
        stuck = asyncio.Event()

        async def commit():
            with consumer._committing():
                await stuck.wait()

        task = asyncio.create_task(commit())
        await asyncio.sleep(0)
        began = asyncio.get_running_loop().time()
        await consumer._commits_ended(timeout=0.1)
        waited = asyncio.get_running_loop().time() - began
        stuck.set()
        await task
        return waited

    assert 0.1 <= asyncio.run(scenario()) < 1.0
    assert "still under way" in caplog.text


def test_offsets_are_not_committed_when_their_transaction_is_gone():
    """Faust skips a transaction whose producer is gone and records its offsets as committed
    anyway; `_SourceTransactions.commit` refuses (the worker stops and restarts from the broker's
    committed offsets)."""
    flushed = []

    class Buffer:
        async def flush(self):
            flushed.append(True)

    manager = _SourceTransactions.__new__(_SourceTransactions)
    manager.producer = types.SimpleNamespace(buffer=Buffer(), _transaction_producers={"app-0-1": object()})
    manager.app = types.SimpleNamespace(assignor=types.SimpleNamespace(group_for_topic=lambda topic: 0),
                                        conf=types.SimpleNamespace(id="app"))
    with pytest.raises(RuntimeError, match="app-0-2"):
        asyncio.run(manager.commit({TP("wire.raw", 1): 10, TP("wire.raw", 2): 7}))
    assert flushed  # changelog writes were still flushed into their transactions first


@pytest.mark.parametrize("revoked_meanwhile", [False, True])
def test_a_commit_refuses_once_a_revocation_began_while_it_waited(monkeypatch, revoked_meanwhile):
    """A transaction holds the outputs of every topic's partition N; a commit that took its
    offsets after Faust forgot the revoked partitions' acks committed outputs without their
    offsets (2 inputs published twice). The timer's commit, already past its first check when
    the revocation began, must not reach Faust's commit."""
    from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer

    reached = []

    async def faust_commit(self, topics=None, start_new_transaction=True):
        reached.append(self._wire_revoking)
        return True

    monkeypatch.setattr(AIOKafkaConsumer, "force_commit", faust_commit)
    consumer = _consumer_bookkeeping()
    consumer._wire_revoking = False
    consumer.in_transaction = True
    consumer.app = types.SimpleNamespace(wire_commit_gate=CommitGate())

    async def holes_checked() -> bool:  # the commit waits for the broker; the revocation begins
        await asyncio.sleep(0)
        consumer._wire_revoking = revoked_meanwhile
        return True

    consumer._holes_are_markers = holes_checked
    done = asyncio.run(consumer.force_commit())
    assert reached == ([] if revoked_meanwhile else [False])
    assert done is (not revoked_meanwhile)


class _DataEverywhere:
    """The broker's answer for a range of offsets: every one holds a data record."""

    def __init__(self) -> None:
        self.asked: list[tuple[int, int]] = []

    async def data_offsets(self, tp, start, end, timeout=15.0):
        self.asked.append((start, end))
        return set(range(start, end))


def _consumer_with_acks(acked: list[int], *, earliest: int = 0):
    """A `_GatedConsumer` with Faust's ack bookkeeping for one partition, just reassigned: its
    committed offset not read yet (Faust's None), these offsets acked."""
    tp = TP("wire.normalised", 3)
    consumer = _consumer_bookkeeping()
    consumer.in_transaction = False
    consumer._acked = collections.defaultdict(list, {tp: list(acked)})
    consumer._acked_index = collections.defaultdict(set, {tp: set(acked)})
    consumer._gap = collections.defaultdict(lambda: None)
    consumer._committed_offset = collections.defaultdict(lambda: None)
    consumer._wire_start, consumer._wire_unsettled, consumer._wire_holes = {}, set(), {}
    consumer._wire_unsettled_since = None
    consumer.assignment = lambda: {tp}
    consumer.crashes = []

    async def crash(exc):
        consumer.crashes.append(exc)

    consumer.crash = crash
    consumer._wire_hole_reader = _DataEverywhere()
    consumer.read_again = []

    async def read_again(tp, offset, reason):
        consumer.read_again.append(offset)

    async def earliest_offsets(*tps):
        return {t: earliest for t in tps}

    consumer._read_again, consumer.earliest_offsets = read_again, earliest_offsets
    return consumer, tp


@pytest.mark.parametrize("in_transaction", [False, True])
def test_records_acked_before_the_seek_to_the_committed_offset_are_not_committed(in_transaction):
    """Faust resumes a reassigned partition before it seeks it to the group's committed offset:
    a record read from the old position (973) was acked meanwhile, and with no committed offset
    known Faust committed 974, past 611..972, never delivered (363 records lost in a SIGKILL run).
    Nothing commits until the seek says where delivery starts; then the records between are
    read again before anything is committed."""
    consumer, tp = _consumer_with_acks([973])
    consumer.in_transaction = in_transaction
    assert asyncio.run(consumer._holes_are_markers()) is False
    assert consumer._new_offset(tp) is None
    assert consumer._acked[tp] == [973]  # kept for a later commit

    consumer._wire_start[tp] = 611  # the seek to the committed offset is done
    assert asyncio.run(consumer._holes_are_markers()) is False
    assert consumer._wire_hole_reader.asked == [(611, 973)]
    assert consumer.read_again == [611]

    consumer._acked[tp] = list(range(611, 974))  # read again and acked: all of it commits
    consumer._acked_index[tp] = set(consumer._acked[tp])
    assert asyncio.run(consumer._holes_are_markers()) is True
    assert consumer._new_offset(tp) == 974


def test_a_partition_never_committed_is_checked_from_the_start_of_its_log():
    consumer, tp = _consumer_with_acks([40, 41], earliest=25)
    consumer._wire_start[tp] = None  # sought: the group has no committed offset for it
    assert asyncio.run(consumer._holes_are_markers()) is False
    assert consumer._wire_hole_reader.asked == [(25, 40)]
    assert consumer.read_again == [25]
    assert consumer._wire_start[tp] == 25

    fresh, tp = _consumer_with_acks([0, 1, 2])
    fresh._wire_start[tp] = 0
    assert asyncio.run(fresh._holes_are_markers()) is True
    assert fresh._new_offset(tp) == 3


def _seeking_consumer(tps, committed):
    """A `_GatedConsumer` whose seek to the committed offsets answers `committed` (an exception
    instance raises)."""
    consumer = _consumer_bookkeeping()
    consumer._wire_moves, consumer._wire_next = collections.Counter(), {}
    consumer._wire_seeking, consumer._wire_refetch_after_seek = False, set()
    consumer._wire_start, consumer._wire_start_epoch = {}, 0
    consumer._committed_offset = collections.defaultdict(lambda: None)
    consumer.assignment = lambda: set(tps)
    answers = list(committed)

    async def seek_to_committed():
        answer = answers.pop(0)
        if callable(answer):
            answer = await answer(consumer)
        if isinstance(answer, BaseException):
            raise answer
        return answer

    consumer._thread = types.SimpleNamespace(seek_to_committed=seek_to_committed)
    return consumer


def test_the_start_of_delivery_is_known_once_sought_and_forgotten_at_a_revocation(monkeypatch):
    from faust.transport.drivers.aiokafka import Consumer as AIOKafkaConsumer

    async def faust_revoked(self, revoked):
        pass

    monkeypatch.setattr(AIOKafkaConsumer, "on_partitions_revoked", faust_revoked)
    a, b = TP("wire.raw", 0), TP("wire.raw", 1)

    async def revoked_meanwhile(consumer):
        await consumer.on_partitions_revoked({b})
        return RuntimeError("rebalancing")

    consumer = _seeking_consumer([a, b], [{a: 611, b: None}, RuntimeError("coordinator gone"), RuntimeError("again"),
                                          {a: 700, b: None}, revoked_meanwhile])
    consumer.in_transaction = False
    assert asyncio.run(consumer.seek_to_committed()) == {a: 611, b: None}
    assert consumer._wire_start == {a: 611, b: None}  # b: never committed, its log's start is asked when needed

    with pytest.raises(RuntimeError):  # a failed seek keeps what the last one found
        asyncio.run(consumer.seek_to_committed())
    assert consumer._wire_start == {a: 611, b: None}

    asyncio.run(consumer.on_partitions_revoked({a}))
    assert consumer._wire_start == {b: None}
    with pytest.raises(RuntimeError):
        asyncio.run(consumer.seek_to_committed())
    assert consumer._wire_start == {b: None}

    assert asyncio.run(consumer.seek_to_committed()) == {a: 700, b: None}
    with pytest.raises(RuntimeError):  # revoked while sought: nothing comes back
        asyncio.run(consumer.seek_to_committed())
    assert consumer._wire_start == {}


def test_acks_of_a_partition_given_away_do_not_hold_back_the_others_commits():
    """An event that ended after its partition was revoked leaves an ack Faust never commits
    (it commits assigned partitions only); taken for a partition not yet sought, it stopped
    every commit of a worker woken from SIGSTOP."""
    consumer, tp = _consumer_with_acks([0, 1, 2])
    consumer._wire_start[tp] = 0
    gone = TP("wire.deduplicated", 2)
    consumer._acked[gone], consumer._acked_index[gone] = [55], {55}
    assert asyncio.run(consumer._holes_are_markers()) is True
    assert consumer._new_offset(tp) == 3

    consumer.assignment = lambda: {tp, gone}  # assigned again, not sought yet: that one waits
    consumer._acked[tp], consumer._acked_index[tp] = [3], {3}
    assert asyncio.run(consumer._holes_are_markers()) is False


def test_a_partition_never_sought_stops_the_worker_after_the_hole_patience(monkeypatch):
    import streams.faust_app as faust_app

    consumer, tp = _consumer_with_acks([973])
    monkeypatch.setattr(faust_app, "HOLE_PATIENCE_SECONDS", 0.05)

    async def scenario():
        assert await consumer._holes_are_markers() is False
        assert not consumer.crashes  # a seek under way takes well under the patience
        await asyncio.sleep(0.1)
        assert await consumer._holes_are_markers() is False

    asyncio.run(scenario())
    assert len(consumer.crashes) == 1 and "no known delivery start" in str(consumer.crashes[0])

