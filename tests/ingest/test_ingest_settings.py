"""The ingest settings: documented in the README, the token a masked secret, metrics bounded."""

from pathlib import Path

from prometheus_client import CollectorRegistry

from streams.metrics import Metrics
from streams.settings import Settings

README = Path(__file__).parents[2] / "README.md"


def test_every_ingest_setting_is_in_the_readme():
    text = README.read_text()
    for name in Settings.model_fields:
        if name.startswith("ingest_"):
            variable = f"WIRE_{name.upper()}"
            assert variable in text or f"`{variable.rsplit('_', 1)[0]}" in text, variable


def test_the_token_is_a_secret_never_shown(monkeypatch):
    monkeypatch.setenv("WIRE_INGEST_TOKEN", "open-sesame")
    settings = Settings()
    assert settings.ingest_token.get_secret_value() == "open-sesame"
    assert "open-sesame" not in str(settings.redacted()) and "open-sesame" not in repr(settings)


def test_ingest_metric_names_follow_the_conventions():
    metrics = Metrics(CollectorRegistry())
    names = {m.name for m in metrics.registry.collect() if m.name.startswith("wirestream_ingest")}
    assert {"wirestream_ingest_items", "wirestream_ingest_bytes", "wirestream_ingest_send_errors", "wirestream_ingest_retries",
            "wirestream_ingest_rejected", "wirestream_ingest_http_requests", "wirestream_ingest_in_flight"} <= names
    metrics.ingest_items.labels("dir", "dropfolder").inc()
    sample = metrics.registry.get_sample_value("wirestream_ingest_items_total", {"producer": "dir", "source": "dropfolder"})
    assert sample == 1.0
