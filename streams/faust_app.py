"""The Faust app, built by a factory from settings (no import-time singleton).

With `streams/agents.py` this is the only place that imports Faust: the stage cores never do.
"""

from __future__ import annotations

import asyncio
import logging
import ssl
from typing import Any

import faust

from .kafka_clients import bootstrap_of, kafka_message_limit
from .settings import Settings

log = logging.getLogger(__name__)


def _credentials(settings: Settings) -> faust.types.auth.CredentialsT | None:
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    context = ssl.create_default_context(cafile=str(settings.kafka_ssl_cafile) if settings.kafka_ssl_cafile else None)
    if protocol == "SSL":
        return faust.SSLCredentials(context)
    password = settings.kafka_sasl_password.get_secret_value() if settings.kafka_sasl_password else None
    return faust.SASLCredentials(
        username=settings.kafka_sasl_username,
        password=password,
        mechanism=settings.kafka_sasl_mechanism or "PLAIN",
        ssl_context=context if protocol == "SASL_SSL" else None,
    )


def build_app(settings: Settings) -> faust.App:
    """A Faust app with the pipeline's agents registered, configured from settings."""
    from .agents import register_agents  # agents need the app; the app module stays importable alone

    brokers = [f"kafka://{host.strip()}" for host in bootstrap_of(settings).split(",") if host.strip()]
    app = faust.App(
        settings.app_id,
        broker=brokers,
        broker_credentials=_credentials(settings),
        store=settings.store,
        datadir=str(settings.data_dir),
        processing_guarantee=settings.processing_guarantee,
        topic_partitions=settings.partitions,
        topic_replication_factor=settings.replication_factor,
        # No leader election topic, no web server (metrics have their own port), no autodiscovery.
        topic_disable_leader=True,
        web_enabled=False,
        autodiscover=False,
        consumer_auto_offset_reset="earliest",
        producer_acks=-1,
        producer_linger_ms=5,
        producer_max_request_size=kafka_message_limit(settings),
        broker_commit_interval=1.0,
        # Faust's 60 s default leaves a killed worker's partitions idle for a minute.
        broker_session_timeout=settings.session_timeout.total_seconds(),
        broker_heartbeat_interval=max(1.0, settings.session_timeout.total_seconds() / 5),
        consumer_group_instance_id=settings.instance_id,
        # The changelog of the dedup table is compact-only: faust#176/#651 loop on compact,delete.
        table_cleanup_interval=60.0,
    )
    register_agents(app, settings)
    app.sensors.add(_ObserverSensor(app, _observer(settings)))
    return app


def _observer(settings: Settings) -> Any:
    from . import topics as T
    from .metrics import get_metrics
    from .observability import WorkerObserver, get_health

    consumed = [settings.topic(name) for name in (T.RAW, T.NORMALISED, T.DEDUPLICATED)]
    return WorkerObserver(settings, get_metrics(), get_health(), consumed)


class _ObserverSensor(faust.Sensor):
    """Forwards Faust's hooks to `streams.observability.WorkerObserver` (which knows no Faust)."""

    def __init__(self, app: faust.App, observer: Any, **kwargs: Any) -> None:
        super().__init__(**kwargs)
        self._wire_app = app
        self.observer = observer

    def _assignment(self) -> list[tuple[str, int]]:
        try:
            return [(tp.topic, tp.partition) for tp in self._wire_app.consumer.assignment()]
        except Exception:  # consumer not started yet, or stopping
            return []

    def _forward(self, hook: str, *args: Any) -> None:
        # Faust calls sensors inline (recovery, commits, sends): a bug here must not stop those.
        try:
            getattr(self.observer, hook)(*args)
        except Exception:
            log.exception("observer hook %s failed", hook)

    async def on_start(self) -> None:
        self._forward("started", asyncio.get_running_loop())
        self.add_future(self.observer.poll(self._assignment, lambda: dict(self._wire_app.tables)))

    def on_rebalance_start(self, app: faust.App) -> dict:
        state = super().on_rebalance_start(app)
        self._forward("rebalance_started")
        return state

    def on_rebalance_end(self, app: faust.App, state: dict) -> None:
        self._forward("rebalance_ended", self._assignment())

    def on_send_initiated(self, producer: Any, topic: str, message: Any, keysize: int, valsize: int) -> None:
        self._forward("send_initiated", topic, keysize, valsize)

    def on_send_error(self, producer: Any, exc: BaseException, state: Any) -> None:
        self._forward("send_failed", exc)

    def on_commit_completed(self, consumer: Any, state: Any) -> None:
        self._forward("commit_completed")


class _Worker(faust.Worker):
    """Faust's worker whose stop (SIGTERM/SIGINT) is also reported and bounded in time.

    Faust's own stop already drains: it pauses the partitions, waits until every event handed
    to an agent is acked, commits, then flushes the producer.
    """

    wire_settings: Settings

    async def stop(self) -> None:
        from .metrics import get_metrics
        from .observability import stop_requested

        stop_requested(get_metrics(), self.wire_settings.shutdown_timeout.total_seconds())
        await super().stop()


def run_worker(settings: Settings) -> None:
    """Run one worker until SIGTERM/SIGINT (blocking); logs as WIRE_LOG_FORMAT says."""
    from .metrics import get_metrics
    from .observability import count_producer_retries, logging_config

    app = build_app(settings)
    count_producer_retries(get_metrics())
    worker = _Worker(
        app, loglevel=settings.log_level, quiet=True, logging_config=logging_config(settings, settings.log_format)
    )
    worker.wire_settings = settings
    worker.execute_from_commandline()
