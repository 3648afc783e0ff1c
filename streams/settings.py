"""Settings from the environment (``WIRE_*``), one frozen object per process.

Every setting is documented in the README; `wirestream settings` prints the effective values
(secrets masked).
"""

from __future__ import annotations

import re
from datetime import timedelta
from pathlib import Path
from typing import Literal

from pydantic import Field, SecretStr, field_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

_DURATION = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([smhdw]?)\s*$")
_UNIT_SECONDS = {"": 1, "s": 1, "m": 60, "h": 3600, "d": 86400, "w": 604800}


def parse_duration(value: object) -> timedelta:
    """'7d', '12h', '90m', '30s' or a number of seconds."""
    if isinstance(value, timedelta):
        return value
    if isinstance(value, int | float):
        return timedelta(seconds=value)
    match = _DURATION.match(str(value))
    if not match:
        raise ValueError(f"not a duration: {value!r} (use e.g. 7d, 12h, 90m, 30s)")
    return timedelta(seconds=float(match.group(1)) * _UNIT_SECONDS[match.group(2)])


def default_home() -> Path:
    return Path.home() / ".cache" / "wirestream" / "run"


class Settings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="WIRE_", frozen=True, extra="ignore")

    # Kafka
    kafka_bootstrap: str | None = Field(
        default=None,
        description="Bootstrap servers of an existing cluster. Unset: the embedded local broker is used.",
    )
    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = "PLAINTEXT"
    kafka_sasl_mechanism: str | None = None
    kafka_sasl_username: str | None = None
    kafka_sasl_password: SecretStr | None = None
    kafka_ssl_cafile: Path | None = None
    topic_prefix: str = Field(default="", description="Prefix for every topic name (e.g. 'staging.').")
    partitions: int = Field(default=6, ge=1, description="Partitions of the pipeline topics.")
    replication_factor: int = Field(default=1, ge=1)

    # Faust
    app_id: str = Field(default="wirestream", description="Faust app id = Kafka consumer group.")
    processing_guarantee: Literal["at_least_once", "exactly_once"] = "at_least_once"
    store: str = Field(default="memory://", description="Table store: memory:// or rocksdb://.")
    session_timeout: timedelta = Field(
        default=timedelta(seconds=15),
        description="Consumer group session timeout: how soon a dead worker's partitions move.",
    )
    instance_id: str | None = Field(
        default=None,
        description="Static group membership id (e.g. the pod name): a restart rejoins without a rebalance.",
    )
    data_dir: Path = Field(default_factory=lambda: default_home() / "worker")
    log_level: str = "info"
    log_format: Literal["text", "json"] = Field(default="text", description="Worker logs: text or JSON lines.")
    shutdown_timeout: timedelta = Field(
        default=timedelta(seconds=30), description="A worker still stopping after this long exits non-zero."
    )

    # Local state (embedded broker, caches)
    home: Path = Field(default_factory=default_home, description="Where the local broker and caches live.")

    # Stages
    max_item_bytes: int = Field(default=2 * 1024 * 1024, ge=1024, description="Larger items are dead letters (too_large).")
    dedup_threshold: float = Field(default=0.8, gt=0.0, le=1.0)
    dedup_window: timedelta = Field(default=timedelta(days=7))
    storylines: Path | None = Field(default=None, description="Storyline rules YAML; default: the shipped rules.")
    desk_regions: Path | None = None

    # --- ingest producers (issue 6): add their settings below this line
    ingest_token: SecretStr | None = Field(default=None, description="Bearer token HTTP push clients must send.")
    ingest_http_host: str = Field(default="127.0.0.1", description="Address `ingest http` binds.")
    ingest_http_port: int = Field(default=8080, ge=0, le=65535, description="0 picks a free port.")
    ingest_max_in_flight: int = Field(default=256, ge=1, description="HTTP items awaiting Kafka's ack; beyond: 503.")
    ingest_send_timeout: float = Field(default=30.0, gt=0, description="Seconds to wait for Kafka's ack of one item.")
    ingest_state_dir: Path = Field(default_factory=lambda: default_home() / "ingest", description="Feed poller state.")
    ingest_user_agent: str = Field(default="wirestream/0.1 (news wire feed poller)", description="User-Agent of feed fetches.")
    ingest_settle: float = Field(default=1.0, ge=0, description="Seconds a dropped file must stay unchanged.")
    ingest_scan_interval: float = Field(default=0.25, gt=0, description="Seconds between drop folder scans.")
    ingest_batch: int = Field(default=500, ge=1, description="Files sent per drop folder batch.")
    ingest_remember_days: float = Field(default=90.0, gt=0, description="How long sent ids are remembered.")

    # --- routing (issue 5): add routing settings below this line
    routes: Path | None = Field(default=None, description="Routes YAML (downstream topics); default: the shipped routes.")

    # Metrics
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9464, ge=0, le=65535, description="0 picks a free port.")

    @field_validator("dedup_window", "session_timeout", "shutdown_timeout", mode="before")
    @classmethod
    def _duration(cls, value: object) -> timedelta:
        return parse_duration(value)

    def topic(self, name: str) -> str:
        return f"{self.topic_prefix}{name}"

    def redacted(self) -> dict[str, object]:
        """Effective settings for display: secrets stay masked."""
        return {k: (str(v) if v is not None else None) for k, v in self.model_dump().items()}
