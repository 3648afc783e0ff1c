"""Liveness and readiness of an ingest producer (``/healthz``, ``/readyz``).

The worker's machinery (`streams.observability.WorkerHealth`, served by the same HTTP server with
the same JSON bodies) with the producer's own readiness. Liveness is the worker's: the process's
event loop runs a callback within 5 s. Readiness says whether items given to this producer now
would reach ``wire.raw``:

- not before the Kafka producer has connected and fetched the metadata of ``wire.raw``;
- not while the cluster is unreachable: `RawSink` asks it for metadata every `CHECK_INTERVAL`
  seconds, and checks that fail (no broker answers, or a partition of wire.raw has no leader)
  for `UNREACHABLE_GRACE` seconds make the producer not ready until one succeeds;
- not after a send failed (after the producer's own retries) until a send succeeds, or for
  `SEND_FAILURE_HOLD` seconds after the last failure when nothing is sent meanwhile (a producer
  that is taken out of service gets no traffic to prove itself with);
- not while a producer-specific check says so (`add_check`: the HTTP push at its in-flight
  limit);
- not once it is stopping.

Everything here is plain state read by the HTTP server's threads; the event loop writes it.
"""

from __future__ import annotations

import time
from collections.abc import Callable

from ..observability import WorkerHealth

CHECK_INTERVAL = 1.0  # seconds between the producer's connection checks (a metadata request)
CHECK_TIMEOUT = 2.0  # a check that gets no answer this fast failed
UNREACHABLE_GRACE = 3.0  # failing checks for this long make the producer not ready
SEND_FAILURE_HOLD = 10.0  # a failed send keeps it not ready this long unless a send succeeds


class ProducerHealth(WorkerHealth):
    """Readiness of one ingest producer (see the module doc)."""

    def __init__(
        self,
        *,
        unreachable_grace: float = UNREACHABLE_GRACE,
        send_failure_hold: float = SEND_FAILURE_HOLD,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        super().__init__()
        self.unreachable_grace = unreachable_grace
        self.send_failure_hold = send_failure_hold
        self.clock = clock
        self.connected = False  # the producer fetched wire.raw's metadata once
        self.topic = "wire.raw"
        self._unreachable_since: float | None = None
        self._unreachable_detail = ""
        self._send_failed_at: float | None = None
        self._send_failure = ""
        self._last_delivery: float | None = None
        self._checks: list[Callable[[], str | None]] = []

    # The producer reports ------------------------------------------------------------------

    def connected_to(self, topic: str) -> None:
        self.topic = topic
        self.connected = True
        self._unreachable_since = None

    def disconnected(self) -> None:
        """The producer stopped (or has not started): nothing can be delivered."""
        self.connected = False

    def check_result(self, ok: bool, detail: str = "") -> None:
        """The outcome of one connection check (a metadata request to the cluster)."""
        if ok:
            self._unreachable_since = None
        elif self._unreachable_since is None:
            self._unreachable_since = self.clock()
            self._unreachable_detail = detail
        else:
            self._unreachable_detail = detail

    def delivered(self) -> None:
        """Kafka acknowledged a send."""
        self._last_delivery = self.clock()
        self._send_failed_at = None

    def send_failed(self, error: str) -> None:
        """A send failed after the producer's retries (not a record Kafka refuses for itself)."""
        self._send_failed_at = self.clock()
        self._send_failure = error

    def add_check(self, check: Callable[[], str | None]) -> None:
        """A producer-specific condition: the callable returns why it is not ready, or None."""
        self._checks.append(check)

    # The probe ------------------------------------------------------------------------------

    def readiness(self) -> tuple[bool, str]:
        now = self.clock()
        if self.stopping:
            return False, "shutting down"
        if not self.connected:
            return False, "connecting to Kafka: no metadata for the topic yet"
        if self._unreachable_since is not None and now - self._unreachable_since >= self.unreachable_grace:
            return False, f"Kafka unreachable for {now - self._unreachable_since:.0f}s: {self._unreachable_detail}"
        if self._send_failed_at is not None and now - self._send_failed_at < self.send_failure_hold:
            return False, f"the last send to {self.topic} failed {now - self._send_failed_at:.0f}s ago: {self._send_failure}"
        for check in self._checks:
            reason = check()
            if reason:
                return False, reason
        if self._last_delivery is None:
            return True, f"connected, metadata of {self.topic} fetched"
        return True, f"connected, last delivery to {self.topic} {now - self._last_delivery:.0f}s ago"
