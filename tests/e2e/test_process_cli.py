"""`wirestream process`: the same cores without Kafka, files in, JSON lines out."""

import subprocess
import sys

import orjson

from streams.models import DeadLetter, EnrichedEvent
from tests.support import FIXTURES, SEED, assert_seed_event


def run_process(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "streams", "process", *map(str, args)], capture_output=True, timeout=120)


def test_seed_through_process():
    result = run_process(SEED)
    assert result.returncode == 0, result.stderr.decode()
    lines = [orjson.loads(line) for line in result.stdout.splitlines() if line.strip()]
    assert len(lines) == 1
    assert_seed_event(EnrichedEvent.model_validate(lines[0]))


def test_bad_items_are_data_not_crashes(tmp_path):
    malformed = FIXTURES / "corpus" / "malformed"
    dlq = tmp_path / "dlq.jsonl"
    result = run_process(malformed, SEED, SEED, "--dlq", dlq)
    assert result.returncode == 0, result.stderr.decode()
    dead = [DeadLetter.model_validate(orjson.loads(l)) for l in dlq.read_bytes().splitlines()]
    assert len(dead) == len([p for p in malformed.iterdir() if p.is_file()])
    assert {d.reason for d in dead} >= {"empty_payload", "invalid_json"}
    events = [EnrichedEvent.model_validate(orjson.loads(l)) for l in result.stdout.splitlines()]
    # The seed given twice: printed twice, the second time as a duplicate of the first.
    assert [e.dedup.status.value for e in events] == ["new", "duplicate"]
    assert events[1].dedup.duplicate_of == events[0].uri


def test_unknown_format_option_is_a_usage_error():
    result = run_process(SEED, "--format", "morse")
    assert result.returncode == 2
    assert b"unknown format" in result.stderr
