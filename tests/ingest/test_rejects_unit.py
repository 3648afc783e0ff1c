"""Dead letters of refused ingest input: bounded, deterministic, never replayed as if whole."""

from pathlib import Path

import orjson

from streams.ingest.rejects import HEAD_BYTES, rejected, rejected_raw
from streams.ingest.replay import Problem, iter_items
from streams.kafka_clients import kafka_message_limit
from streams.models import RawItem, to_json
from streams.normalise.errors import BY_CODE, KAFKA_REFUSED, TOO_LARGE, UNREADABLE
from streams.normalise.replay import Selection, Tally, plan
from streams.settings import Settings


def test_the_ingest_codes_are_in_the_one_table():
    assert "ingest" in BY_CODE[TOO_LARGE].stages
    assert BY_CODE[UNREADABLE].stages == BY_CODE[KAFKA_REFUSED].stages == ("ingest",)


def test_a_letter_holds_the_head_of_large_input_and_says_so():
    settings = Settings()  # 2 MiB items
    data = ("WASHINGTON (Reuters) - " + "é" * 3_000_000).encode()
    letter = rejected(settings, reason=TOO_LARGE, message="too big", head=data[:HEAD_BYTES], size=len(data),
                      source="dropfolder:x", raw_id="r1", format_hint="text")
    assert letter.stage == "ingest" and letter.reason == "too_large" and letter.raw_id == "r1"
    assert letter.original_encoding == "text"
    kept = letter.original_bytes()
    assert data.startswith(kept) and HEAD_BYTES - 2 <= len(kept) <= HEAD_BYTES  # a cut "é" is dropped
    assert letter.message == f"too big (the letter holds its first {len(kept)} of {len(data)} bytes)"
    # Never replayed as if it were the whole input.
    assert not letter.replayable() and letter.as_raw_item() is None
    again = rejected(settings, reason=TOO_LARGE, message="too big", head=data[:HEAD_BYTES], size=len(data),
                     source="dropfolder:x", raw_id="r1")
    assert again.id == letter.id  # the same input, the same letter id


def test_the_head_never_exceeds_the_item_limit_and_the_letter_always_fits_a_record():
    settings = Settings(max_item_bytes=4096)
    for head in (b"\x00" * HEAD_BYTES, bytes(range(256)) * 256, b"x" * HEAD_BYTES):
        letter = rejected(settings, reason=TOO_LARGE, message="m", head=head, size=10**9, source="s", raw_id=None, key="k")
        assert len(letter.original_bytes()) <= 4096
        assert len(to_json(letter)) <= kafka_message_limit(settings)
    # Control characters grow sixfold in JSON: the head shrinks until the letter fits.
    settings = Settings(max_item_bytes=100_000)
    letter = rejected(settings, reason=TOO_LARGE, message="m", head=b"\x01" * HEAD_BYTES, size=10**6, source="s", raw_id=None, key="k")
    assert len(to_json(letter)) <= kafka_message_limit(settings) and 0 < len(letter.original_bytes()) < HEAD_BYTES
    assert letter.original_encoding == "text"


def test_binary_heads_are_base64_and_small_input_is_whole():
    raw = RawItem.from_bytes(b"\x89PNG\r\n\x1a\n" + bytes(200), source="dropfolder:x", filename="a.png")
    letter = rejected_raw(Settings(), raw, reason=KAFKA_REFUSED, message="refused")
    assert letter.original_encoding == "base64" and letter.original_bytes() == raw.payload_bytes()
    assert letter.message == "refused" and letter.raw_id == raw.id and letter.source == "dropfolder:x"


def test_replay_commands_skip_ingest_letters(tmp_path: Path):
    letter = rejected(Settings(), reason=UNREADABLE, message="cannot read", head=b"", size=12, source="dropfolder:x", raw_id=None, key="a")
    dump = tmp_path / "dead.jsonl"
    dump.write_bytes(to_json(letter) + b"\n")
    problems: list[Problem] = []
    assert list(iter_items([dump], source="replay", force_format=None, problems=problems)) == []
    assert len(problems) == 1 and "ingest dead letter" in problems[0].message
    tally = Tally()
    assert plan([letter], Selection(), tally) == [] and tally.skipped == 1
    assert orjson.loads(to_json(letter))["stage"] == "ingest"
