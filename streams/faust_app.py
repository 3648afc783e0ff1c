"""The Faust app, built by a factory from settings (no import-time singleton).

With `streams/agents.py` this is the only place that imports Faust: the stage cores never do.
"""

from __future__ import annotations

import logging
import ssl

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
    return app


def run_worker(settings: Settings) -> None:
    """Run one worker until SIGTERM/SIGINT (blocking)."""
    app = build_app(settings)
    worker = faust.Worker(app, loglevel=settings.log_level, quiet=True)
    worker.execute_from_commandline()
