"""Test helpers for the ingest producers: read wire.raw back, run a command, a feed server."""

from __future__ import annotations

import asyncio
import os
import sys
import threading
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from aiokafka.structs import TopicPartition

from streams import topics as T
from streams.kafka_clients import consumer, ensure_topics
from streams.models import RawItem, from_json
from streams.settings import Settings


@dataclass
class RawRecord:
    key: bytes | None
    headers: dict[str, str]
    raw: RawItem
    partition: int = -1
    offset: int = -1


async def read_topic(settings: Settings, name: str) -> list:
    """Every record on this test's topic `name`, from the start to the end it had when asked."""
    topic = settings.topic(name)
    cons = consumer(settings, topic, group_id=None)
    await cons.start()
    try:
        tps = [TopicPartition(topic, p) for p in sorted(cons.partitions_for_topic(topic) or ())]
        ends = await cons.end_offsets(tps)
        cons.unsubscribe()
        cons.assign(tps)
        await cons.seek_to_beginning(*tps)
        out = []
        todo = {tp for tp in tps if ends[tp] > 0}
        while todo:
            batch = await cons.getmany(*todo, timeout_ms=1000)
            for records in batch.values():
                out.extend(records)
            for tp in list(todo):
                if await cons.position(tp) >= ends[tp]:
                    todo.discard(tp)
        return out
    finally:
        await cons.stop()


async def read_raw(settings: Settings) -> list[RawRecord]:
    """Every record on this test's wire.raw, from the start to the current end."""
    return [
        RawRecord(r.key, {k: v.decode() for k, v in (r.headers or ())}, from_json(RawItem, r.value), r.partition, r.offset)
        for r in await read_topic(settings, T.RAW)
    ]


def make_raw_topic(settings: Settings) -> None:
    asyncio.run(ensure_topics(settings, [T.BY_NAME[T.RAW]]))


def ingest_env(settings: Settings, **extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("WIRE_")}
    env.update(
        {
            "WIRE_KAFKA_BOOTSTRAP": settings.kafka_bootstrap or "",
            "WIRE_TOPIC_PREFIX": settings.topic_prefix,
            "WIRE_PARTITIONS": str(settings.partitions),
            "WIRE_METRICS_PORT": "0",
        }
    )
    env.update(extra)
    return env


def wirestream_cmd(*args: str) -> list[str]:
    return [sys.executable, "-m", "streams", *args]


@dataclass
class FeedServer:
    """A local HTTP server on 127.0.0.1 serving feeds from `documents`, with ETag support.

    `script[path]` is a list of (status, headers) answers to give first (e.g. a 429); every
    request is recorded with the headers it carried.
    """

    documents: dict[str, tuple[bytes, str]] = field(default_factory=dict)
    script: dict[str, list[tuple[int, dict[str, str]]]] = field(default_factory=dict)
    requests: list[tuple[float, str, dict[str, str], int]] = field(default_factory=list)
    honour_conditional: bool = True

    def __post_init__(self) -> None:
        server = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802 - http.server's naming
                import hashlib
                import time

                path = self.path
                scripted = server.script.get(path)
                if scripted:
                    status, headers = scripted.pop(0)
                    self._answer(status, headers, b"")
                elif path not in server.documents:
                    self._answer(404, {}, b"not found")
                    status = 404
                else:
                    body, ctype = server.documents[path]
                    etag = '"' + hashlib.sha256(body).hexdigest()[:16] + '"'
                    if server.honour_conditional and self.headers.get("If-None-Match") == etag:
                        status = 304
                        self._answer(304, {"ETag": etag}, b"")
                    else:
                        status = 200
                        self._answer(200, {"ETag": etag, "Content-Type": ctype}, body)
                server.requests.append((time.monotonic(), path, dict(self.headers), status))

            def _answer(self, status: int, headers: dict[str, str], body: bytes) -> None:
                self.send_response(status)
                for k, v in headers.items():
                    self.send_header(k, v)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if body:
                    self.wfile.write(body)

            def log_message(self, *args) -> None:
                pass

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.port = self.httpd.server_address[1]
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"

    def __enter__(self) -> FeedServer:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(5)
