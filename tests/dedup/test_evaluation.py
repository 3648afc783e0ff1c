"""`wirestream eval dedup` on the shipped labelled set: the issue's aims, from the command line."""

from __future__ import annotations

import json
import subprocess
import sys

from streams.evaluation.dedup import build_item, evaluate, is_right, load_set
from streams.models import DedupInfo, DedupStatus


def test_the_command_prints_every_class_and_meets_the_aims():
    result = subprocess.run(
        [sys.executable, "-m", "streams", "eval", "dedup", "--json", "--check"], capture_output=True, timeout=120
    )
    assert result.returncode == 0, result.stderr.decode() + result.stdout.decode()
    out = json.loads(result.stdout)
    assert set(out["classes"]) == {"original", "hard_negative", "real_resend", "exact", "republication", "light_edit", "update"}
    assert all(c["items"] > 0 for c in out["classes"].values())
    summary = out["summary"]
    assert summary["copy_precision"] >= 0.99
    assert summary["near_recall"] >= 0.95
    assert summary["exact_recall"] == 1.0 and summary["update_recall"] == 1.0
    assert out["classes"]["hard_negative"]["items"] >= 100


def test_the_set_is_built_from_real_stories_and_labels_are_checked():
    data = load_set()
    assert len(data["stories"]) > 500 and data["source"].startswith("Reuters-21578")
    entry = next(e for e in data["stream"] if e["class"] == "light_edit")
    item = build_item(entry, data["stories"], 0)
    original = data["stories"][entry["item"]["story"]]
    assert item.body_text != "\n\n".join(original["paragraphs"])  # the edits were applied
    uri = entry["expect"]["of"]
    right = DedupInfo(status=DedupStatus.near_duplicate, duplicate_of=uri, similarity=0.9, cluster_id="c")
    wrong = DedupInfo(status=DedupStatus.near_duplicate, duplicate_of="urn:other", similarity=0.9, cluster_id="c")
    assert is_right(entry, right) and not is_right(entry, wrong)
    assert not is_right(entry, DedupInfo(status=DedupStatus.new, cluster_id="c"))


def test_wrong_decisions_fail_the_aims():
    """The scoring can fail: labels that name another story turn right decisions into misses."""
    data = load_set()
    for entry in data["stream"]:
        if entry["class"] == "exact":
            entry["expect"]["of"] = "urn:some-other-story"
    result = evaluate(data)
    assert result["classes"]["exact"].recall == 0.0
    assert not result["summary"]["aims_met"]
