"""Process checks for the broker pidfile (Linux /proc)."""

from __future__ import annotations

import os
import signal
import socket
import time
from pathlib import Path


def is_alive(pid: int) -> bool:
    """True if ``pid`` exists and is not a zombie."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError, PermissionError):
        return False
    # Field 3 (after the parenthesised command name, which may contain spaces) is the state.
    return stat.rsplit(")", 1)[-1].split()[0] not in ("Z", "X")


def cmdline(pid: int) -> list[str]:
    try:
        raw = Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return []
    return [a.decode(errors="replace") for a in raw.split(b"\0") if a]


def is_our_broker(pid: int, home: Path) -> bool:
    """True if ``pid`` is a live ``kafka.Kafka`` JVM started on ``home/server.properties``.

    Guards against signalling an unrelated process that reused a stale pid (or the broker of
    another home).
    """
    if not is_alive(pid):
        return False
    args = cmdline(pid)
    return "kafka.Kafka" in args and str(home / "server.properties") in args


def reap(pid: int) -> None:
    """Collect ``pid``'s exit status if it is our child (no-op otherwise)."""
    try:
        os.waitpid(pid, os.WNOHANG)
    except ChildProcessError:
        pass


def wait_dead(pid: int, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while True:
        reap(pid)
        if not is_alive(pid):
            return True
        if time.monotonic() >= deadline:
            return False
        time.sleep(0.05)


def signal_and_wait(pid: int, sig: int, timeout: float) -> bool:
    try:
        os.kill(pid, sig)
    except ProcessLookupError:
        return True
    return wait_dead(pid, timeout)


def port_open(host: str, port: int, timeout: float = 0.5) -> bool:
    try:
        with socket.create_connection((host, port), timeout=timeout):
            return True
    except OSError:
        return False


def read_pid(pidfile: Path) -> int | None:
    try:
        text = pidfile.read_text().strip()
    except FileNotFoundError:
        return None
    return int(text) if text.isdigit() else None


KILL = signal.SIGKILL
TERM = signal.SIGTERM
