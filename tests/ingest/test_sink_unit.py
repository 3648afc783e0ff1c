"""What the wire.raw sink counts (no broker: a fake producer answers the sends)."""

import asyncio

from aiokafka.errors import KafkaTimeoutError, MessageSizeTooLargeError
from aiokafka.structs import RecordMetadata
from prometheus_client import CollectorRegistry

from streams.ingest.rejects import rejected, rejected_raw
from streams.ingest.sink import Outgoing, RawSink
from streams.metrics import Metrics
from streams.models import RawItem
from streams.normalise.errors import KAFKA_REFUSED, UNREADABLE
from streams.settings import Settings


class FakeProducer:
    """Acknowledges every send except those whose key is in `errors` (raised once each)."""

    def __init__(self, errors: dict[bytes, Exception]) -> None:
        self.errors = errors

    async def send(self, topic, value, key=None, headers=None):
        future = asyncio.get_running_loop().create_future()
        error = self.errors.pop(key, None)
        if error is not None:
            future.set_exception(error)
        else:
            future.set_result(RecordMetadata(topic, 0, None, 0, -1, 0, 0))
        return future


def _item(name: str, hint: str | None) -> Outgoing:
    raw = RawItem.from_bytes(b"LONDON (Reuters) - A story.", id=name, source="dropfolder:d", format_hint=hint, filename=name)
    return Outgoing(raw, source_id=name)


async def test_ingest_counts_every_item_in_once_acknowledged_or_dead_lettered():
    settings = Settings()
    sink = RawSink(settings, "dir")
    sink.metrics = metrics = Metrics(CollectorRegistry())
    refused, slow = _item("refused.xml", "nitf"), _item("slow.txt", None)
    sink._producer = FakeProducer({refused.key: MessageSizeTooLargeError(), slow.key: KafkaTimeoutError()})

    def value(name: str, **labels: str) -> float:
        return metrics.registry.get_sample_value(name, labels) or 0.0

    def items_in(format: str) -> float:
        return value("wirestream_stage_items_in_total", stage="ingest", source="dropfolder", format=format)

    results = await sink.send_many([_item("a.xml", "nitf"), refused, slow, _item("b.txt", None)])
    assert [isinstance(r, BaseException) for r in results] == [False, True, True, False]
    # The two failed sends are not items in yet: one is dead-lettered, the other sent again.
    assert (items_in("nitf"), items_in("unknown")) == (1, 1)
    await sink.send_dead_letter(rejected_raw(settings, refused.raw, reason=KAFKA_REFUSED, message="refused"))
    await sink.send(slow)  # the retry succeeds: still one item
    await sink.send_dead_letter(rejected(  # input never read: no format hint
        settings, reason=UNREADABLE, message="cannot read", head=b"", size=10, source="dropfolder:d", raw_id=None, key="c.txt",
    ))

    assert (items_in("nitf"), items_in("unknown")) == (2, 3)
    assert value("wirestream_dead_letters_total", stage="ingest", reason=KAFKA_REFUSED) == 1
    assert value("wirestream_dead_letters_total", stage="ingest", reason=UNREADABLE) == 1
    assert value("wirestream_ingest_items_total", producer="dir", source="dropfolder") == 3
    assert value("wirestream_ingest_send_errors_total", producer="dir") == 2
    # The alert's ratio at ingest: 2 dead letters of 5 items.
    dead = sum(value("wirestream_dead_letters_total", stage="ingest", reason=r) for r in (KAFKA_REFUSED, UNREADABLE))
    assert dead / (items_in("nitf") + items_in("unknown")) == 0.4
