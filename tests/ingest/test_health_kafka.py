"""The ingest producers' probes follow the broker: this test stops and restarts its own broker.

`ingest dir` and `ingest http` start while the broker is down (alive, not ready), become ready
once it is up, go not ready when it is stopped, and ready again when it is back; items sent
before and after land on wire.raw. Timings are printed (`-s`).
"""

import asyncio
import json
import signal
import subprocess
import time
import urllib.error
import urllib.request

import pytest

from streams.ingest.dropfolder import PROCESSED
from streams.localkafka import LocalKafka
from streams.localkafka.config import free_port
from tests.ingest.raw_topic import ingest_env, read_raw, wirestream_cmd
from tests.support import SEED, isolated_settings

pytestmark = [pytest.mark.kafka, pytest.mark.slow, pytest.mark.timeout(360)]

TOKEN = "t0ken-for-tests-only"


def get(url: str) -> tuple[int, dict]:
    try:
        with urllib.request.urlopen(url, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def post(base: str, body: bytes, key: str) -> tuple[int, dict]:
    request = urllib.request.Request(
        f"{base}/items", data=body, method="POST",
        headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain", "Idempotency-Key": key},
    )
    try:
        with urllib.request.urlopen(request, timeout=60) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def wait_for(probes: dict[str, str], path: str, status: int, timeout: float, procs) -> tuple[float, dict[str, dict]]:
    """Seconds until every probe answers `status` on `path`, and the bodies then."""
    started = time.monotonic()
    bodies: dict[str, dict] = {}
    while True:
        for proc, log in procs:
            assert proc.poll() is None, log.read_text()[-3000:]
        answers = {}
        for name, base in probes.items():
            try:
                answers[name] = get(base + path)
            except (urllib.error.URLError, ConnectionError):
                answers[name] = (None, {})
        if all(code == status for code, _ in answers.values()):
            return time.monotonic() - started, {n: body for n, (_, body) in answers.items()}
        bodies = answers
        assert time.monotonic() - started < timeout, f"{path} did not turn {status} within {timeout}s: {bodies}"
        time.sleep(0.2)


def test_readiness_follows_the_broker_stopped_and_restarted(tmp_path):
    kafka = LocalKafka(home=tmp_path / "kafka")
    bootstrap = kafka.start()
    procs: list[tuple[subprocess.Popen, object]] = []
    try:
        settings = isolated_settings(bootstrap)
        kafka.stop()  # the producers start while Kafka is away
        folder = tmp_path / "drop"
        folder.mkdir()
        dir_metrics, http_metrics, http_port = free_port(), free_port(), free_port()
        commands = {
            "dir": (wirestream_cmd("ingest", "dir", str(folder), "--settle", "0", "--source", "dropfolder:h"),
                    ingest_env(settings, WIRE_METRICS_PORT=str(dir_metrics))),
            "http": (wirestream_cmd("ingest", "http", "--port", str(http_port)),
                     ingest_env(settings, WIRE_METRICS_PORT=str(http_metrics), WIRE_INGEST_TOKEN=TOKEN, WIRE_INGEST_SEND_TIMEOUT="3")),
        }
        for name, (cmd, env) in commands.items():
            log = tmp_path / f"{name}.log"
            with log.open("wb") as fh:
                procs.append((subprocess.Popen(cmd, env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True), log))
        push = f"http://127.0.0.1:{http_port}"
        probes = {"dir": f"http://127.0.0.1:{dir_metrics}", "http:metrics": f"http://127.0.0.1:{http_metrics}", "http": push}

        # Kafka away at start: alive, not ready, and they wait for it rather than exit.
        wait_for(probes, "/healthz", 200, 60, procs)
        _, bodies = wait_for(probes, "/readyz", 503, 10, procs)
        assert all(b["status"] == "fail" and b["reason"].startswith("connecting to Kafka") for b in bodies.values()), bodies
        assert post(push, b"WASHINGTON (Reuters) - too early", "early")[0] == 503

        starting = time.monotonic()
        assert kafka.start() == bootstrap
        broker_start = time.monotonic() - starting
        first_ready, bodies = wait_for(probes, "/readyz", 200, 60, procs)
        assert all(b["status"] == "ok" for b in bodies.values()), bodies
        (folder / "one.txt").write_bytes(b"LONDON (Reuters) - dropped while the broker was up.\n")
        assert post(push, SEED.read_bytes(), "seed")[0] == 202
        deadline = time.monotonic() + 30
        while not (folder / PROCESSED / "one.txt").exists():
            assert time.monotonic() < deadline
            time.sleep(0.1)

        kafka.stop()
        stopped_at = time.monotonic()
        to_unready, bodies = wait_for(probes, "/readyz", 503, 30, procs)
        assert all(b["reason"].startswith("Kafka unreachable for ") for b in bodies.values()), bodies
        wait_for(probes, "/healthz", 200, 5, procs)  # liveness is only about the process
        status, answer = post(push, b"PARIS (Reuters) - pushed while the broker was down.\n", "down")
        assert (status, answer["error"]) == (503, "kafka_timeout")
        (folder / "two.txt").write_bytes(b"PARIS (Reuters) - dropped while the broker was down.\n")
        time.sleep(1)

        restarting = time.monotonic()
        assert kafka.start() == bootstrap
        restarted_at = time.monotonic()
        back, bodies = wait_for(probes, "/readyz", 200, 90, procs)
        assert all(b["status"] == "ok" for b in bodies.values()), bodies
        assert post(push, b"BERLIN (Reuters) - pushed after the restart.\n", "after")[0] == 202
        deadline = time.monotonic() + 90
        while not (folder / PROCESSED / "two.txt").exists():  # its send is retried with backoff
            assert time.monotonic() < deadline
            time.sleep(0.2)
        print(f"\nreadiness: ready {first_ready:.1f}s after the broker answered (its start took {broker_start:.1f}s); "
              f"503 {to_unready:.1f}s after it stopped; ready {back:.1f}s after it answered again "
              f"({restarted_at - restarting + back:.1f}s after the restart began); two.txt processed "
              f"{time.monotonic() - restarted_at:.1f}s after; stopped_at -> now {time.monotonic() - stopped_at:.0f}s")

        for proc, log in procs:
            proc.send_signal(signal.SIGTERM)
            assert proc.wait(60) == 0, log.read_text()[-3000:]
        procs.clear()
        records = asyncio.run(read_raw(settings))
        names = sorted(r.raw.filename for r in records if r.raw.source == "dropfolder:h")
        assert names == ["one.txt", "two.txt"]
        pushed = [r.raw.payload_bytes() for r in records if r.raw.source == "http"]
        assert SEED.read_bytes() in pushed and any(p.startswith(b"BERLIN") for p in pushed)
    finally:
        for proc, _ in procs:
            proc.kill()
            proc.wait(10)
        kafka.stop()
