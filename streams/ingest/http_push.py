"""`wirestream ingest http`: an endpoint agencies and internal systems push items to.

    POST /items    body = the item as is (any supported format), Content-Type as usual
                   Authorization: Bearer <WIRE_INGEST_TOKEN>           required
                   X-Wire-Source, X-Wire-Format, X-Wire-Source-Id       optional
                   Idempotency-Key                                      optional, see below
                   -> 202 {"id", "topic", "partition", "offset"} once Kafka acknowledged it
    GET /healthz   liveness: the event loop answers (it serves this request)
    GET /readyz    readiness (`health.py`): 200 once connected to Kafka and able to deliver,
                   503 while connecting, while Kafka is unreachable or refuses sends, while
                   WIRE_INGEST_MAX_IN_FLIGHT items wait for Kafka, and when stopping
                   (both: ``{"status": "ok"|"fail", "reason": ...}``, as the worker's probes)

Errors are JSON ``{"error": code, "message": ...}``: 401 missing/bad token, 413 too large,
400 empty body or bad header, 415 unsupported Content-Type, 503 (with Retry-After) when Kafka is
slow or down. At most WIRE_INGEST_MAX_IN_FLIGHT items wait for Kafka at once; beyond that new
items get 503 at once instead of queueing in memory.

Rejected requests get no dead letter on ``wire.dlq``: the client is told at once (the answer is
the rejection, and the client still has the item), and a letter per refused request would let
anyone who can reach the port fill the DLQ. The other producers, which have no one to answer,
dead-letter what they refuse (`rejects.py`).

A client that retries (a timeout, a 503) should send the same Idempotency-Key: the item id is
derived from it, so a retry of an item Kafka already took is answered with the same id and not
sent again (within this process's memory of recent keys; after a restart the id is still the
same, so downstream stages recognise the repeat).
"""

from __future__ import annotations

import asyncio
import hmac
import logging
import re
import uuid
from collections import OrderedDict
from typing import Any

from aiohttp import web
from aiokafka.errors import KafkaError

from ..models import RawItem, stable_id
from ..observability import probe
from ..settings import Settings
from . import hints
from .health import ProducerHealth
from .sink import Outgoing, RawSink

log = logging.getLogger(__name__)

_SOURCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")
_FORMAT = re.compile(r"[A-Za-z0-9][A-Za-z0-9.+_-]{0,31}")
_TOKENISH = re.compile(r"[\x21-\x7e]{1,256}")  # visible ASCII, as HTTP header values should be
REMEMBERED_KEYS = 100_000

SINK_KEY = web.AppKey("sink", RawSink)
STATE_KEY = web.AppKey("state", dict)


def _error(status: int, code: str, message: str, **headers: str) -> web.Response:
    return web.json_response({"error": code, "message": message}, status=status, headers=headers or None)


def _authorised(request: web.Request, token: bytes) -> bool:
    given = request.headers.get("Authorization", "")
    scheme, _, credential = given.partition(" ")
    if scheme.lower() != "bearer" or not credential:
        return False
    return hmac.compare_digest(credential.strip().encode("utf-8", errors="replace"), token)


class PushHandler:
    def __init__(self, settings: Settings, sink: RawSink) -> None:
        if settings.ingest_token is None or not settings.ingest_token.get_secret_value():
            raise ValueError("WIRE_INGEST_TOKEN is not set: the HTTP endpoint needs a bearer token")
        self.settings = settings
        self.sink = sink
        self._token = settings.ingest_token.get_secret_value().encode("utf-8")
        self.in_flight = 0
        self._recent: OrderedDict[str, dict[str, Any]] = OrderedDict()

    async def post_item(self, request: web.Request) -> web.Response:
        if "Authorization" not in request.headers:
            return _error(401, "unauthorized", "missing bearer token", **{"WWW-Authenticate": "Bearer"})
        if not _authorised(request, self._token):
            return _error(401, "unauthorized", "bad bearer token", **{"WWW-Authenticate": 'Bearer error="invalid_token"'})
        content_type = request.headers.get("Content-Type")
        if not hints.is_supported_media_type(content_type):
            return _error(415, "unsupported_media_type", f"Content-Type {hints.media_type(content_type)!r} is not a wire item type")
        limit = self.settings.max_item_bytes
        if request.content_length is not None and request.content_length > limit:
            return _error(413, "too_large", f"item of {request.content_length} bytes > limit of {limit} bytes")
        fields = self._header_fields(request)
        if isinstance(fields, web.Response):
            return fields
        if self.in_flight >= self.settings.ingest_max_in_flight:
            return _error(503, "busy", "too many items waiting for Kafka; retry shortly", **{"Retry-After": "1"})
        if not self.sink.started:
            return _error(503, "kafka_unavailable", "not connected to Kafka yet; retry", **{"Retry-After": "5"})
        self.in_flight += 1  # reserved before the first await: the bound holds under concurrency
        gauge = self.sink.metrics.ingest_in_flight.labels("http")
        gauge.inc()
        try:
            return await self._accept(request, fields, content_type, limit)
        finally:
            self.in_flight -= 1
            gauge.dec()

    def _header_fields(self, request: web.Request) -> dict[str, str | None] | web.Response:
        source = request.headers.get("X-Wire-Source")
        fmt = request.headers.get("X-Wire-Format")
        source_id = request.headers.get("X-Wire-Source-Id")
        key = request.headers.get("Idempotency-Key")
        if source is not None and not _SOURCE.fullmatch(source):
            return _error(400, "bad_header", "X-Wire-Source: use 1-128 letters, digits, '.', '_', ':', '/' or '-'")
        if fmt is not None and not _FORMAT.fullmatch(fmt):
            return _error(400, "bad_header", "X-Wire-Format: a format name such as ninjs, newsml-g2, nitf, text")
        for name, value in (("X-Wire-Source-Id", source_id), ("Idempotency-Key", key)):
            if value is not None and not _TOKENISH.fullmatch(value):
                return _error(400, "bad_header", f"{name}: 1-256 visible ASCII characters")
        return {"source": f"http:{source}" if source else "http", "format": fmt, "source_id": source_id, "key": key}

    async def _read_body(self, request: web.Request, limit: int) -> bytes | None:
        chunks, size = [], 0
        async for chunk in request.content.iter_chunked(65536):
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
        return b"".join(chunks)

    async def _accept(self, request: web.Request, fields: dict[str, str | None], content_type: str | None, limit: int) -> web.Response:
        body = await self._read_body(request, limit)
        if body is None:
            return _error(413, "too_large", f"item larger than the limit of {limit} bytes")
        if not body.strip():
            return _error(400, "empty", "the request body is empty")
        source = fields["source"] or "http"
        key = fields["key"]
        item_id = stable_id("http", source, key) if key else str(uuid.uuid4())
        if item_id in self._recent:
            self._recent.move_to_end(item_id)
            return web.json_response({**self._recent[item_id], "repeat": True}, status=202)
        raw = RawItem.from_bytes(
            body,
            id=item_id,
            source=source,
            format_hint=fields["format"] or hints.for_media_type(content_type),
            content_type=hints.media_type(content_type) or None,
        )
        try:
            meta = await asyncio.wait_for(self.sink.send(Outgoing(raw, source_id=fields["source_id"] or item_id)), self.settings.ingest_send_timeout)
        except TimeoutError:
            log.warning("item %s: no ack from Kafka within %.0f s", item_id, self.settings.ingest_send_timeout)
            self.sink.health.send_failed(f"no acknowledgement within WIRE_INGEST_SEND_TIMEOUT ({self.settings.ingest_send_timeout:g}s)")
            return _error(503, "kafka_timeout", "Kafka did not acknowledge the item in time; retry with the same Idempotency-Key", **{"Retry-After": "5"})
        except KafkaError as exc:
            log.warning("item %s: Kafka refused it: %s", item_id, type(exc).__name__)
            if not exc.retriable:
                return _error(400, "kafka_refused", f"Kafka refused the item: {type(exc).__name__}")
            return _error(503, "kafka_unavailable", f"Kafka is unavailable ({type(exc).__name__}); retry", **{"Retry-After": "5"})
        answer = {"id": item_id, "topic": meta.topic, "partition": meta.partition, "offset": meta.offset}
        if key:
            self._recent[item_id] = answer
            while len(self._recent) > REMEMBERED_KEYS:
                self._recent.popitem(last=False)
        return web.json_response(answer, status=202)

    def saturated(self) -> str | None:
        """Why readiness fails for backpressure (None: it does not)."""
        limit = self.settings.ingest_max_in_flight
        if self.in_flight >= limit:
            return f"{self.in_flight} items wait for Kafka's acknowledgement (WIRE_INGEST_MAX_IN_FLIGHT={limit})"
        return None


@web.middleware
async def _count_status(request: web.Request, handler) -> web.StreamResponse:
    metrics = request.app[SINK_KEY].metrics
    try:
        response = await handler(request)
    except web.HTTPException as exc:
        metrics.ingest_http_requests.labels("http", f"{exc.status // 100}xx").inc()
        raise
    except Exception:
        metrics.ingest_http_requests.labels("http", "5xx").inc()
        raise
    metrics.ingest_http_requests.labels("http", f"{response.status // 100}xx").inc()
    return response


def create_app(settings: Settings, sink: RawSink) -> web.Application:
    """The aiohttp application; the caller starts and stops `sink` (see `serve`)."""
    handler = PushHandler(settings, sink)
    # Bodies are read by the handler with its own limit; aiohttp's own cap is a backstop.
    app = web.Application(middlewares=[_count_status], client_max_size=settings.max_item_bytes + 1)
    app[SINK_KEY] = sink
    app[STATE_KEY] = {"handler": handler}

    sink.health.add_check(handler.saturated)

    async def health_probe(request: web.Request) -> web.Response:
        # The same answers as the metrics port's probes (streams.observability.probe).
        status, body = probe(sink.health, request.path)
        return web.Response(status=status, body=body, content_type="application/json")

    app.router.add_post("/items", handler.post_item)
    app.router.add_get("/healthz", health_probe)
    app.router.add_get("/readyz", health_probe)
    return app


async def serve(settings: Settings, stop, on_ready=None, health: ProducerHealth | None = None) -> None:
    """Run the endpoint until `stop` (an asyncio.Event) is set; on_ready(port) once it takes items.

    The server listens before Kafka is reached, so its probes answer while the producer connects
    (liveness 200, readiness 503); items get 503 until then.
    """
    sink = RawSink(settings, "http", health)
    runner = None
    try:
        app = create_app(settings, sink)
        runner = web.AppRunner(app, access_log=None)  # an access log could carry client headers
        await runner.setup()
        site = web.TCPSite(runner, settings.ingest_http_host, settings.ingest_http_port)
        await site.start()
        port = runner.addresses[0][1]
        log.info("probes on http://%s:%d/healthz and /readyz; connecting to Kafka", settings.ingest_http_host, port)
        if not await sink.start(retry=True, stopping=stop):
            return
        if on_ready:
            on_ready(port)
        await stop.wait()
    finally:
        sink.health.stopping = True
        if runner is not None:
            await runner.cleanup()  # stops accepting, lets requests in progress finish
        await sink.stop()
