"""Readiness rules of the ingest producers (no broker: a fake clock drives them)."""

import asyncio
import json

from streams.ingest.health import SEND_FAILURE_HOLD, UNREACHABLE_GRACE, ProducerHealth
from streams.observability import WorkerHealth, probe


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _health() -> tuple[ProducerHealth, Clock]:
    clock = Clock()
    return ProducerHealth(clock=clock), clock


def _probe(health, path="/readyz"):
    status, body = probe(health, path)
    return status, json.loads(body)


def test_it_is_the_worker_health_with_its_own_readiness():
    health, _ = _health()
    assert isinstance(health, WorkerHealth)
    assert _probe(health, "/healthz") == (200, {"status": "ok", "reason": "starting"})  # no loop yet


def test_not_ready_until_the_metadata_of_wire_raw_was_fetched():
    health, _ = _health()
    status, body = _probe(health)
    assert status == 503 and body["status"] == "fail" and body["reason"].startswith("connecting to Kafka")
    health.connected_to("p.wire.raw")
    assert _probe(health) == (200, {"status": "ok", "reason": "connected, metadata of p.wire.raw fetched"})


def test_an_unreachable_cluster_fails_readiness_after_the_grace_and_a_good_check_restores_it():
    health, clock = _health()
    health.connected_to("wire.raw")
    health.check_result(False, "no broker answered a metadata request")
    assert _probe(health)[0] == 200  # a blip is not news
    clock.now += UNREACHABLE_GRACE - 0.1
    health.check_result(False, "no broker answered a metadata request")
    assert _probe(health)[0] == 200
    clock.now += 0.2
    status, body = _probe(health)
    assert status == 503 and body["reason"] == "Kafka unreachable for 3s: no broker answered a metadata request"
    health.check_result(True)
    assert _probe(health)[0] == 200
    # A new streak starts from its own first failure.
    health.check_result(False, "x")
    assert _probe(health)[0] == 200


def test_a_failed_send_fails_readiness_until_a_send_succeeds_or_the_hold_ends():
    health, clock = _health()
    health.connected_to("wire.raw")
    health.send_failed("KafkaTimeoutError: batch expired")
    status, body = _probe(health)
    assert status == 503 and body["reason"] == "the last send to wire.raw failed 0s ago: KafkaTimeoutError: batch expired"
    health.check_result(True)  # the cluster answers metadata requests: still not proven for sends
    assert _probe(health)[0] == 503
    health.delivered()
    clock.now += 2
    assert _probe(health) == (200, {"status": "ok", "reason": "connected, last delivery to wire.raw 2s ago"})
    # Taken out of service, a producer gets no traffic to prove itself with: the hold ends.
    health.send_failed("NotEnoughReplicasError: ...")
    clock.now += SEND_FAILURE_HOLD - 0.5
    assert _probe(health)[0] == 503
    clock.now += 1
    assert _probe(health)[0] == 200


def test_producer_checks_and_stopping():
    health, _ = _health()
    health.connected_to("wire.raw")
    busy = {"on": False}
    health.add_check(lambda: "256 items wait for Kafka's acknowledgement" if busy["on"] else None)
    assert _probe(health)[0] == 200
    busy["on"] = True
    assert _probe(health) == (503, {"status": "fail", "reason": "256 items wait for Kafka's acknowledgement"})
    busy["on"] = False
    health.stopping = True
    assert _probe(health) == (503, {"status": "fail", "reason": "shutting down"})


async def test_liveness_asked_from_the_loop_itself_answers_at_once():
    # The HTTP push serves /healthz from the event loop it checks: waiting on it would deadlock.
    health = ProducerHealth()
    health.attach_loop(asyncio.get_running_loop())
    assert health.liveness(timeout=0.01) == (True, "event loop alive")
    # From another thread it asks the loop to run a callback, as for the worker.
    assert await asyncio.to_thread(health.liveness, 5.0) == (True, "event loop alive")
