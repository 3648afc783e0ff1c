"""A `wirestream worker` as a child process: the demo, the benchmarks and the tests start
workers this one way, and stop them by their pid (SIGTERM, then SIGKILL after a grace period)."""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

from .settings import Settings


def worker_env(settings: Settings, workdir: Path, *, metrics_port: int = 0, **extra: str) -> dict[str, str]:
    """The environment of a worker that uses exactly these settings' cluster, topics and group."""
    env = dict(os.environ)
    env.update(
        {
            "WIRE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap or "",
            "WIRE_TOPIC_PREFIX": settings.topic_prefix,
            "WIRE_APP_ID": settings.app_id,
            "WIRE_PARTITIONS": str(settings.partitions),
            "WIRE_PROCESSING_GUARANTEE": settings.processing_guarantee,
            "WIRE_DATA_DIR": str(workdir / "data"),
            "WIRE_METRICS_PORT": str(metrics_port),
        }
    )
    env.update(extra)
    return env


def stop_process(proc: subprocess.Popen, timeout: float = 30.0) -> None:
    if proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


@contextlib.contextmanager
def spawned_worker(
    env: dict[str, str], log: Path, *, passthrough: bool = False, stop_timeout: float = 30.0
) -> Iterator[subprocess.Popen]:
    """Run `wirestream worker --no-create-topics` (topics are the caller's job) with output to
    `log`; stopped on exit."""
    command = [sys.executable, "-m", "streams", "worker", "--no-create-topics"]
    if passthrough:
        command.append("--passthrough")
    with log.open("wb") as out:
        proc = subprocess.Popen(command, env=env, stdout=out, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        yield proc
    finally:
        stop_process(proc, stop_timeout)


def tail(path: Path, lines: int = 30) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return ""
