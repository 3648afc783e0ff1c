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
