import orjson

from streams.envelope import decode_raw_record
from streams.models import DeadLetter, RawItem, to_json


def test_envelope_is_read_as_sent():
    raw = RawItem.from_bytes(b"<nitf/>", source="dropfolder:ntb", format_hint="nitf")
    got = decode_raw_record(to_json(raw), topic="wire.raw", partition=0, offset=1)
    assert got == raw


def test_bare_record_is_wrapped_with_header_metadata_and_a_stable_id():
    value = b'{"uri": "x", "headline": "h", "body_text": "b"}'
    headers = [("wire-source", b"push:dpa"), ("wire-format", b"ninjs")]
    first = decode_raw_record(value, key=b"k", headers=headers, topic="wire.raw", partition=2, offset=7)
    second = decode_raw_record(value, key=b"k", headers=headers, topic="wire.raw", partition=2, offset=7)
    assert isinstance(first, RawItem)
    assert first.payload_bytes() == value
    assert (first.source, first.format_hint) == ("push:dpa", "ninjs")
    assert first.id == second.id
    other = decode_raw_record(value, key=b"k", headers=headers, topic="wire.raw", partition=2, offset=8)
    assert other.id != first.id


def test_broken_envelope_is_a_dead_letter_with_position():
    doc = {"id": "1", "source": "s", "payload": "x", "received_at": "not a time"}
    got = decode_raw_record(orjson.dumps(doc), topic="wire.raw", partition=1, offset=5)
    assert isinstance(got, DeadLetter)
    assert got.reason == "invalid_envelope"
    assert got.kafka == {"topic": "wire.raw", "partition": 1, "offset": 5}


def test_empty_and_truncated_records_are_wrapped_not_lost():
    for value in (b"", None, b'{"uri": "x", "body'):
        got = decode_raw_record(value, topic="t", partition=0, offset=0)
        assert isinstance(got, RawItem)
        assert got.payload_bytes() == (value or b"")
