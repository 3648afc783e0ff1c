from datetime import timedelta

import pytest
from pydantic import ValidationError

from streams.settings import Settings, parse_duration


@pytest.mark.parametrize(
    ("text", "expected"),
    [("7d", timedelta(days=7)), ("12h", timedelta(hours=12)), ("90m", timedelta(minutes=90)), ("30", timedelta(seconds=30)), ("1.5h", timedelta(minutes=90))],
)
def test_durations(text, expected):
    assert parse_duration(text) == expected


def test_bad_duration_is_rejected():
    with pytest.raises(ValueError):
        parse_duration("soon")


def test_settings_come_from_wire_env(monkeypatch):
    monkeypatch.setenv("WIRE_DEDUP_WINDOW", "2d")
    monkeypatch.setenv("WIRE_PARTITIONS", "3")
    monkeypatch.setenv("WIRE_TOPIC_PREFIX", "staging.")
    s = Settings()
    assert s.dedup_window == timedelta(days=2)
    assert s.partitions == 3
    assert s.topic("wire.raw") == "staging.wire.raw"


def test_invalid_setting_is_an_error(monkeypatch):
    monkeypatch.setenv("WIRE_PROCESSING_GUARANTEE", "maybe")
    with pytest.raises(ValidationError):
        Settings()


def test_secrets_are_masked(monkeypatch):
    monkeypatch.setenv("WIRE_KAFKA_SASL_PASSWORD", "hunter2")
    shown = Settings().redacted()
    assert "hunter2" not in str(shown)
    assert Settings().kafka_sasl_password.get_secret_value() == "hunter2"
