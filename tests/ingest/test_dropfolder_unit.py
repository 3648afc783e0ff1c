"""Drop folder pure parts: which names are taken, when a file counts as complete, moves."""

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from streams.ingest.dropfolder import (
    FAILED,
    PROCESSED,
    STATE,
    SettleTracker,
    Signature,
    file_item_id,
    is_candidate_name,
    move_aside,
    scan,
)


@pytest.mark.parametrize("name", ["story.xml", "2025-12-06_0017.json", "REUTERS.TXT", "a.b.c.nitf", "notes~draft.txt"])
def test_complete_names_are_candidates(name):
    assert is_candidate_name(name)


@pytest.mark.parametrize(
    "name",
    [".hidden.xml", ".story.xml.Xa81b", "story.xml.tmp", "story.xml.part", "story.xml.PARTIAL", "story.xml~",
     "~$story.docx", "story.xml.filepart", "story.xml.crdownload", "story.xml.reason", "#story.xml#", ""],
)
def test_temporary_and_partial_names_are_ignored(name):
    assert not is_candidate_name(name)


def test_a_file_is_ready_only_after_staying_unchanged_for_the_settle_time():
    tracker = SettleTracker(settle=1.0)
    sig = Signature(size=100, mtime_ns=1, inode=7)
    assert not tracker.ready("a", sig, now=10.0)  # first sight
    assert not tracker.ready("a", sig, now=10.5)
    assert tracker.ready("a", sig, now=11.0)


def test_growth_restarts_the_settle_clock():
    tracker = SettleTracker(settle=1.0)
    tracker.ready("a", Signature(100, 1, 7), now=0.0)
    assert not tracker.ready("a", Signature(200, 2, 7), now=5.0)  # grew: starts over
    assert not tracker.ready("a", Signature(200, 2, 7), now=5.9)
    assert tracker.ready("a", Signature(200, 2, 7), now=6.0)


def test_a_file_replaced_by_rename_starts_over():
    tracker = SettleTracker(settle=1.0)
    tracker.ready("a", Signature(100, 1, 7), now=0.0)
    assert not tracker.ready("a", Signature(100, 1, 8), now=2.0)  # same size and mtime, new inode


def test_zero_settle_trusts_atomic_renames():
    assert SettleTracker(settle=0).ready("a", Signature(0, 0, 0), now=0.0)


@given(
    st.lists(st.tuples(st.integers(0, 3), st.floats(0, 5)), min_size=1, max_size=30),
    st.floats(0.1, 3.0),
)
def test_ready_implies_unchanged_for_the_whole_settle_time(observations, settle):
    """Whatever the sequence of observations, 'ready' means: same signature for >= settle."""
    tracker = SettleTracker(settle)
    now = 0.0
    history: list[tuple[float, int]] = []
    for size, step in observations:
        now += step
        history.append((now, size))
        if tracker.ready("f", Signature(size, 0, 1), now):
            # walk back: the run of identical signatures must span at least `settle`
            start = now
            for when, seen in reversed(history):
                if seen != size:
                    break
                start = when
            assert now - start >= settle


def test_ids_depend_on_name_and_content_only():
    assert file_item_id("a.xml", "00") == file_item_id("a.xml", "00")
    assert file_item_id("a.xml", "00") != file_item_id("b.xml", "00")
    assert file_item_id("a.xml", "00") != file_item_id("a.xml", "01")


def test_scan_skips_our_own_folders_and_temporary_files(tmp_path: Path):
    for name in ("a.xml", "sub/b.json", "c.xml.part", ".d.xml", f"{PROCESSED}/old.xml", f"{FAILED}/bad.xml", f"{STATE}/journal.jsonl"):
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text("x")
    assert sorted(rel for rel, _, _ in scan(tmp_path)) == ["a.xml", "sub/b.json"]


def test_move_aside_keeps_both_files_when_a_name_repeats(tmp_path: Path):
    (tmp_path / "a.xml").write_text("one")
    first = move_aside(tmp_path, "a.xml", PROCESSED, "11111111-x")
    (tmp_path / "a.xml").write_text("two")
    second = move_aside(tmp_path, "a.xml", PROCESSED, "22222222-x")
    assert first != second
    assert first.read_text() == "one" and second.read_text() == "two"
    assert not (tmp_path / "a.xml").exists()
