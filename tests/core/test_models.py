from datetime import UTC, datetime, timedelta, timezone

import orjson
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from streams.models import (
    DeadLetter,
    DedupInfo,
    DedupStatus,
    EnrichedEvent,
    RawItem,
    WireItem,
    from_json,
    stable_id,
    to_json,
)

JST = timezone(timedelta(hours=9))


@given(st.binary(max_size=2048))
def test_raw_item_keeps_any_bytes(data):
    raw = RawItem.from_bytes(data, source="t")
    assert raw.payload_bytes() == data
    again = from_json(RawItem, to_json(raw))
    assert again.payload_bytes() == data


def test_raw_item_text_payload_is_readable_and_binary_is_base64():
    assert RawItem.from_bytes("Zürich".encode(), source="t").payload_encoding == "text"
    raw = RawItem.from_bytes(b"\xff\xfe\x00bad", source="t")
    assert raw.payload_encoding == "base64"


def test_times_are_converted_to_utc_and_naive_times_rejected():
    item = WireItem(
        uri="u", raw_id="r", format="text", received_at=datetime(2025, 12, 6, 11, 48, tzinfo=JST),
        versioncreated=datetime(2025, 12, 6, 11, 48, tzinfo=JST),
    )
    assert item.versioncreated == datetime(2025, 12, 6, 2, 48, tzinfo=UTC)
    assert item.versioncreated.utcoffset() == timedelta(0)
    assert orjson.loads(to_json(item))["versioncreated"] == "2025-12-06T02:48:00+00:00"
    with pytest.raises(ValidationError):
        WireItem(uri="u", raw_id="r", format="text", received_at=datetime(2025, 1, 1))


def test_urgency_is_bounded_to_ninjs_range():
    with pytest.raises(ValidationError):
        WireItem(uri="u", raw_id="r", format="text", received_at=datetime.now(UTC), urgency=10)


def test_enriched_event_round_trips_and_ids_are_deterministic():
    item = WireItem(uri="u", raw_id="r", item_index=2, format="ninjs", received_at=datetime.now(UTC))
    event = EnrichedEvent(
        **item.model_dump(),
        event_id=EnrichedEvent.event_id_for(item),
        dedup=DedupInfo(status=DedupStatus.new, cluster_id="c"),
        processed_at=datetime.now(UTC),
    )
    assert from_json(EnrichedEvent, to_json(event)) == event
    assert event.event_id == EnrichedEvent.event_id_for(item.model_copy())
    other = item.model_copy(update={"item_index": 3})
    assert EnrichedEvent.event_id_for(other) != event.event_id


def test_dead_letter_keeps_original_bytes():
    raw = RawItem.from_bytes(b"\x80\x81 not utf-8", source="s")
    dead = DeadLetter.for_raw(raw, stage="normalise", reason="bad", message="m")
    assert dead.original_encoding == "base64" and dead.raw_id == raw.id
    assert dead.id == DeadLetter.for_raw(raw, stage="normalise", reason="bad", message="m").id
    assert stable_id("a", "b") != stable_id("a", "c")


@given(st.lists(st.text(alphabet=st.characters(blacklist_categories=("Cs",))), min_size=1, max_size=4))
def test_stable_id_is_uuid5_in_the_wirestream_namespace(parts):
    import uuid

    from streams.models import WIRESTREAM_NS

    assert stable_id(*parts) == str(uuid.uuid5(WIRESTREAM_NS, "\x1f".join(parts)))


def test_unknown_fields_are_rejected():
    with pytest.raises(ValidationError):
        RawItem.model_validate({"id": "1", "source": "s", "received_at": "2025-01-01T00:00:00Z", "payload": "", "x": 1})


def test_only_raw_input_dead_letters_rebuild_their_raw_item():
    raw = RawItem.from_bytes(b"\x80 not utf-8", source="dropfolder:x", format_hint="text")
    dead = DeadLetter.for_raw(raw, stage="normalise", reason="undecodable", message="m")
    again = dead.as_raw_item({"wire-replay-of": dead.id})
    assert (again.id, again.source, again.format_hint) == (raw.id, raw.source, raw.format_hint)
    assert again.payload_bytes() == raw.payload_bytes() == dead.original_bytes()
    # A dedup-stage letter holds a canonical item: it is no input of the pipeline.
    later = dead.model_copy(update={"stage": "dedup"})
    assert not later.replayable() and later.as_raw_item() is None
    # An unreadable envelope has no raw id: only its bytes can be resent.
    unread = DeadLetter.for_bytes(b"{broken", stage="normalise", reason="invalid_envelope", message="m")
    assert unread.as_raw_item() is None and unread.original_bytes() == b"{broken"


@pytest.mark.parametrize("index", [-1, 2**31, 2**64])
def test_item_index_out_of_range_is_rejected_at_validation(index):
    # A hostile record between stages must fail validation (a dead letter), not later when the
    # event is serialised (orjson refuses integers above 64 bits and would stop the agent).
    with pytest.raises(ValidationError):
        WireItem(uri="u", raw_id="r", item_index=index, format="text", received_at=datetime.now(UTC))
