"""HTTP push on the real broker: auth, limits, errors, 202 after the ack, backpressure, the CLI."""

import asyncio
import logging
import re
import signal
import subprocess
import time
import urllib.request

import aiohttp
import pytest
from aiohttp import web

from streams.ingest.http_push import create_app
from streams.ingest.sink import RawSink
from tests.ingest.raw_topic import ingest_env, make_raw_topic, read_raw, wirestream_cmd
from tests.support import SEED, isolated_settings

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(180)]

TOKEN = "t0ken-for-tests-only"


class SlowAckSink(RawSink):
    """Kafka that acknowledges only when the test says so: each send waits on `gate` first."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.gate = asyncio.Event()

    async def send(self, item):
        await self.gate.wait()
        return await super().send(item)


async def running(settings, sink):
    await sink.start()
    runner = web.AppRunner(create_app(settings, sink))
    await runner.setup()
    site = web.TCPSite(runner, "127.0.0.1", 0)
    await site.start()
    return runner, f"http://127.0.0.1:{runner.addresses[0][1]}"


async def test_rejections_and_the_seed_accepted_after_the_ack(kafka_bootstrap, caplog):
    caplog.set_level(logging.DEBUG)
    settings = isolated_settings(kafka_bootstrap, ingest_token=TOKEN, max_item_bytes=8192)
    await asyncio.to_thread(make_raw_topic, settings)
    sink = RawSink(settings, "http")
    runner, base = await running(settings, sink)
    seed = SEED.read_bytes()
    auth = {"Authorization": f"Bearer {TOKEN}"}
    text = {"Content-Type": "text/plain; charset=utf-8"}
    try:
        async with aiohttp.ClientSession() as http:

            async def post(body, headers):
                async with http.post(f"{base}/items", data=body, headers=headers) as r:
                    return r.status, await r.json(), r.headers

            status, body, headers = await post(seed, text)
            assert (status, body["error"]) == (401, "unauthorized") and headers["WWW-Authenticate"].startswith("Bearer")
            status, body, _ = await post(seed, {**text, "Authorization": "Bearer wrong"})
            assert (status, body["error"]) == (401, "unauthorized")
            status, body, _ = await post(seed, {**text, "Authorization": TOKEN})  # no scheme
            assert status == 401
            status, body, _ = await post(b"x" * 9000, {**text, **auth})
            assert (status, body["error"]) == (413, "too_large")

            async def chunks():
                for _ in range(10):
                    yield b"y" * 1000

            status, body, _ = await post(chunks(), {**text, **auth})  # chunked, no Content-Length
            assert (status, body["error"]) == (413, "too_large")
            status, body, _ = await post(b"", {**text, **auth})
            assert (status, body["error"]) == (400, "empty")
            status, body, _ = await post(b"\n \n", {**text, **auth})
            assert (status, body["error"]) == (400, "empty")
            status, body, _ = await post(b"GIF89a", {"Content-Type": "image/gif", **auth})
            assert (status, body["error"]) == (415, "unsupported_media_type")
            status, body, _ = await post(seed, {**text, **auth, "X-Wire-Source": "no spaces please"})
            assert (status, body["error"]) == (400, "bad_header")

            headers = {**text, **auth, "X-Wire-Source": "reuters-outlet", "X-Wire-Source-Id": "151a3f9044382b47", "Idempotency-Key": "seed-1"}
            status, accepted, _ = await post(seed, headers)
            assert status == 202, accepted
            # A retry with the same Idempotency-Key gets the same answer and is not sent again.
            status, repeat, _ = await post(seed, headers)
            assert status == 202 and repeat["id"] == accepted["id"] and repeat["repeat"] is True
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 200 and (await r.json()) == {"status": "ok", "reason": "event loop alive"}
            async with http.get(f"{base}/readyz") as r:
                ready = await r.json()
                assert r.status == 200 and ready["status"] == "ok", ready
                assert ready["reason"].startswith("connected, last delivery to ")
    finally:
        await runner.cleanup()
        await sink.stop()

    records = await read_raw(settings)
    assert len(records) == 1
    (record,) = records
    assert record.raw.id == accepted["id"] and record.headers["wire-id"] == accepted["id"]
    assert (record.raw.source, record.raw.content_type, record.raw.format_hint) == ("http:reuters-outlet", "text/plain", "text")
    assert record.raw.payload_bytes() == seed
    assert record.key == b"http:reuters-outlet:151a3f9044382b47"
    assert (accepted["partition"], accepted["offset"]) == (record.partition, record.offset)
    assert TOKEN not in caplog.text


async def test_slow_kafka_gets_503_instead_of_an_unbounded_queue(kafka_bootstrap):
    settings = isolated_settings(kafka_bootstrap, ingest_token=TOKEN, ingest_max_in_flight=2)
    await asyncio.to_thread(make_raw_topic, settings)
    sink = SlowAckSink(settings, "http")
    runner, base = await running(settings, sink)
    headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain"}
    try:
        async with aiohttp.ClientSession() as http:

            async def post(n):
                async with http.post(f"{base}/items", data=f"WASHINGTON (Reuters) - item {n}".encode(), headers=headers) as r:
                    return r.status, await r.json(), r.headers.get("Retry-After")

            waiting = [asyncio.create_task(post(n)) for n in range(2)]
            deadline = time.monotonic() + 10
            while sink.metrics.registry.get_sample_value("wirestream_ingest_in_flight", {"producer": "http"}) < 2:
                assert time.monotonic() < deadline
                await asyncio.sleep(0.01)
            status, body, retry_after = await post(3)
            assert (status, body["error"], retry_after) == (503, "busy", "1")
            # At the limit the endpoint is not ready either (a load balancer sends elsewhere).
            async with http.get(f"{base}/readyz") as r:
                assert r.status == 503 and (await r.json()) == {
                    "status": "fail", "reason": "2 items wait for Kafka's acknowledgement (WIRE_INGEST_MAX_IN_FLIGHT=2)"}
            async with http.get(f"{base}/healthz") as r:
                assert r.status == 200
            sink.gate.set()  # Kafka catches up
            assert [s for s, _, _ in await asyncio.gather(*waiting)] == [202, 202]
            async with http.get(f"{base}/readyz") as r:
                assert r.status == 200
            status, _, _ = await post(4)
            assert status == 202
    finally:
        await runner.cleanup()
        await sink.stop()
    assert len(await read_raw(settings)) == 3


def test_the_cli_binds_localhost_needs_a_token_and_never_logs_it(kafka_bootstrap, tmp_path):
    settings = isolated_settings(kafka_bootstrap)
    make_raw_topic(settings)
    no_token = subprocess.run(wirestream_cmd("ingest", "http", "--port", "0"), env=ingest_env(settings), capture_output=True, text=True, timeout=60)
    assert no_token.returncode != 0 and "WIRE_INGEST_TOKEN" in no_token.stderr

    log = tmp_path / "http.log"
    env = ingest_env(settings, WIRE_INGEST_TOKEN=TOKEN, WIRE_INGEST_HTTP_PORT="0", WIRE_LOG_LEVEL="debug")
    with log.open("wb") as fh:
        proc = subprocess.Popen(wirestream_cmd("ingest", "http"), env=env, stdout=fh, stderr=subprocess.STDOUT, start_new_session=True)
    try:
        deadline = time.monotonic() + 60
        while not (m := re.search(r"listening on http://(127\.0\.0\.1):(\d+)/items", log.read_text())):
            assert proc.poll() is None and time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        base = f"http://127.0.0.1:{m.group(2)}"
        request = urllib.request.Request(
            f"{base}/items", data=SEED.read_bytes(), method="POST",
            headers={"Authorization": f"Bearer {TOKEN}", "Content-Type": "text/plain", "X-Wire-Format": "text"},
        )
        with urllib.request.urlopen(request, timeout=30) as response:
            assert response.status == 202
        with urllib.request.urlopen(f"{base}/readyz", timeout=10) as response:
            assert response.status == 200
    finally:
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(30) == 0, log.read_text()
    assert TOKEN not in log.read_text()
    (record,) = asyncio.run(read_raw(settings))
    assert record.raw.payload_bytes() == SEED.read_bytes() and record.raw.source == "http"
