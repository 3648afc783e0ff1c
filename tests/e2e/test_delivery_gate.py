"""CommitGate (streams.faust_app): an exactly_once commit never lands inside an event."""

import asyncio

from streams.faust_app import CommitGate


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
