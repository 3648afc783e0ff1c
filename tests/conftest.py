"""Shared fixtures: the real local Kafka broker (streams.localkafka), one per test session."""

from __future__ import annotations

import os

import pytest

from streams.localkafka import LocalKafka


@pytest.fixture(scope="session")
def kafka_bootstrap(tmp_path_factory: pytest.TempPathFactory):
    """Bootstrap address of a running Kafka broker.

    ``$WIRE_KAFKA_BOOTSTRAP`` if set (nothing is started); otherwise a fresh LocalKafka in a tmp
    home, started on first use and stopped (by its pid) at the end of the session.
    """
    external = os.environ.get("WIRE_KAFKA_BOOTSTRAP")
    if external:
        yield external
        return
    kafka = LocalKafka(home=tmp_path_factory.mktemp("kafka"))
    try:
        yield kafka.start()
    finally:
        kafka.stop()
