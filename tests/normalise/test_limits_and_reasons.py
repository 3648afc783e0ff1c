"""One size limit (WIRE_MAX_ITEM_BYTES) and one documented list of reason codes."""

import re
from pathlib import Path

from streams.models import DeadLetter, RawItem
from streams.normalise import DEFAULT_MAX_BYTES, decode, normalise
from streams.normalise.errors import REASONS, TABLE
from streams.pipeline import Pipeline, normalise_stage
from streams.settings import Settings

from .conftest import raw_of

ROOT = Path(__file__).resolve().parents[2]
TEXT = "LONDON (Reuters) - Prices rose on Monday. "


def test_limit_is_the_setting_default_and_enforced_in_bytes():
    assert DEFAULT_MAX_BYTES == Settings.model_fields["max_item_bytes"].default == 2 * 1024 * 1024
    assert not hasattr(decode, "MAX_PAYLOAD_BYTES")  # no second, hard-coded limit
    body = (TEXT * 100).encode()[:2000]
    assert isinstance(normalise(raw_of(body), max_bytes=2000), list)
    assert normalise(raw_of(body + b"x"), max_bytes=2000).reason == "too_large"
    # Counted in bytes, not characters: 700 three-byte characters are 2100 bytes.
    assert normalise(raw_of("LONDON (Reuters) - " + "€" * 700), max_bytes=2000).reason == "too_large"
    # A base64 payload is measured as the bytes it carries, before decoding.
    binary = RawItem.from_bytes(b"\xe9" * 1500, source="t")
    assert binary.payload_encoding == "base64"
    assert normalise(binary, max_bytes=1499).reason == "too_large"
    assert getattr(normalise(binary, max_bytes=1500), "reason", None) != "too_large"
    assert normalise(raw_of(b"x" * (DEFAULT_MAX_BYTES + 1))).reason == "too_large"


def test_pipeline_passes_the_setting_through():
    raw = raw_of((TEXT * 100).encode())
    pipeline = Pipeline.from_settings(Settings(max_item_bytes=2048))
    [outcome] = list(pipeline.process(raw))
    assert isinstance(outcome, DeadLetter) and outcome.reason == "too_large" and outcome.stage == "normalise"
    assert "WIRE_MAX_ITEM_BYTES" in outcome.message
    assert isinstance(normalise_stage(raw, max_bytes=8192), list)


def test_reason_table_is_documented():
    doc = (ROOT / "docs/dead-letters.md").read_text(encoding="utf-8")
    documented = set(re.findall(r"^\| `([a-z_]+)` \|", doc, re.MULTILINE))
    assert documented == REASONS
    assert len(TABLE) == len(REASONS)
    assert "docs/dead-letters.md" in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_reason_written_in_the_package_is_in_the_list():
    used: set[str] = set()
    for path in (ROOT / "streams").rglob("*.py"):
        text = path.read_text(encoding="utf-8")
        used |= set(re.findall(r"""reason\s*=\s*["']([a-z_]+)["']""", text))
        used |= set(re.findall(r"""reason = ["']([a-z_]+)["'] if""", text))
        used |= set(re.findall(r"""else ["']([a-z_]+)["']\s*$""", text, re.MULTILINE)) & {"invalid_json", "schema_invalid"}
    assert used, "the scan found nothing: the pattern is broken"
    assert used <= REASONS, used - REASONS
