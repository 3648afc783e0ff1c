"""`wirestream ingest feeds FEEDS.yaml`: poll RSS/Atom (and JSON Feed) feeds politely.

Each feed is fetched on its own interval with a conditional GET (ETag / Last-Modified), a
User-Agent of ours, and backoff with jitter after errors (429 and 503 honour Retry-After). Every
entry becomes one `RawItem`: the payload is a feed document holding that entry alone
(`feed_entries.py`), with the entry's id, link and times in headers. An entry is sent once per
version (its update time, else its publication time); the journal of sent ids (`journal.py`)
makes restarts resend nothing. The HTTP validators are saved only after the entries of that
response were acknowledged, so a crash in between costs a full fetch, never an entry.

An entry larger than WIRE_MAX_ITEM_BYTES is not sent: it gets a dead letter on ``wire.dlq``
(stage ``ingest``, reason ``too_large``, its first bytes; once per process). A response that is
not a feed at all, an HTTP error or a feed larger than 32 MiB is a failed fetch of the feed, not
an item: it is retried with backoff, logged and counted (``wirestream_ingest_rejected_total``,
``..._http_requests_total``), and a feed that keeps failing makes ``--once`` exit 1.

The feeds file::

    user_agent: "example-desk/1.0 (+mailto:desk@example.org)"   # optional
    defaults: {interval: 5m, timeout: 30s, max_backoff: 1h}     # optional
    feeds:
      - name: agency-world                  # unique; the source is "feed:<name>" unless given
        url: https://agency.example/world.rss
        interval: 2m                        # optional, overrides defaults
        headers: {Accept-Language: en}      # optional extra request headers
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import random
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Annotated, Any

import aiohttp
import orjson
import yaml
from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, ValidationError, field_validator

from ..models import RawItem, stable_id
from ..normalise.errors import TOO_LARGE
from ..settings import Settings, parse_duration
from .backoff import parse_retry_after, retry_delay
from .feed_entries import Entry, NotAFeed, split_feed
from .health import ProducerHealth
from .journal import JournaledSink, SentJournal
from .rejects import rejected_raw
from .sink import Outgoing, RawSink

log = logging.getLogger(__name__)

HEADER_FEED_URL = "wire-feed-url"
HEADER_ENTRY_ID = "wire-entry-id"
HEADER_ENTRY_LINK = "wire-entry-link"
HEADER_ENTRY_PUBLISHED = "wire-entry-published"
HEADER_ENTRY_UPDATED = "wire-entry-updated"

ACCEPT = "application/rss+xml, application/atom+xml, application/feed+json, application/xml;q=0.9, text/xml;q=0.9, */*;q=0.5"
MAX_FEED_BYTES = 32 * 1024 * 1024
ONCE_MAX_ATTEMPTS = 5

_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,63}")
_URL = re.compile(r"https?://[^\s/?#]+[^\s]*", re.IGNORECASE)
_SOURCE = re.compile(r"[A-Za-z0-9][A-Za-z0-9._:/-]{0,127}")

Duration = Annotated[timedelta, BeforeValidator(parse_duration)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class FeedDefaults(_Strict):
    interval: Duration = Field(default=timedelta(minutes=5), description="Time between polls of a feed.")
    timeout: Duration = Field(default=timedelta(seconds=30), description="Time allowed for one fetch.")
    backoff: Duration = Field(default=timedelta(seconds=5), description="First wait after an error (doubles).")
    max_backoff: Duration = Field(default=timedelta(hours=1), description="Longest wait after errors.")

    @field_validator("interval", "timeout", "backoff", "max_backoff")
    @classmethod
    def _positive(cls, value: timedelta) -> timedelta:
        if value.total_seconds() <= 0:
            raise ValueError("must be more than 0 seconds")
        return value


class FeedSpec(_Strict):
    name: str
    url: str
    source: str | None = None
    interval: Duration | None = None
    timeout: Duration | None = None
    headers: dict[str, str] = Field(default_factory=dict)

    @field_validator("name")
    @classmethod
    def _name(cls, value: str) -> str:
        if not _NAME.fullmatch(value):
            raise ValueError("use 1-64 letters, digits, '.', '_' or '-' (starting with a letter or digit)")
        return value

    @field_validator("url")
    @classmethod
    def _url(cls, value: str) -> str:
        if not _URL.fullmatch(value):
            raise ValueError(f"not an http:// or https:// URL: {value!r}")
        return value

    @field_validator("source")
    @classmethod
    def _source(cls, value: str | None) -> str | None:
        if value is not None and not _SOURCE.fullmatch(value):
            raise ValueError("use 1-128 letters, digits, '.', '_', ':', '/' or '-'")
        return value

    @field_validator("interval", "timeout")
    @classmethod
    def _positive(cls, value: timedelta | None) -> timedelta | None:
        if value is not None and value.total_seconds() <= 0:
            raise ValueError("must be more than 0 seconds")
        return value

    @property
    def source_name(self) -> str:
        return self.source or f"feed:{self.name}"


class FeedsFile(_Strict):
    user_agent: str | None = Field(default=None, min_length=1)
    defaults: FeedDefaults = Field(default_factory=FeedDefaults)
    feeds: list[FeedSpec] = Field(min_length=1)

    @field_validator("feeds")
    @classmethod
    def _unique(cls, feeds: list[FeedSpec]) -> list[FeedSpec]:
        for attr in ("name", "source_name"):
            seen: set[str] = set()
            for index, feed in enumerate(feeds):
                value = getattr(feed, attr)
                if value in seen:
                    raise ValueError(f"feeds[{index}] has the {attr.replace('_name', '')} {value!r} of an earlier feed")
                seen.add(value)
        return feeds


class FeedsFileError(ValueError):
    """A feeds file that cannot be used; the message names the file, line and field."""


def _node_at(node: yaml.Node | None, loc: tuple[Any, ...]) -> yaml.Node | None:
    """The deepest YAML node along a pydantic error location."""
    for part in loc:
        if isinstance(node, yaml.MappingNode):
            found = next((v for k, v in node.value if getattr(k, "value", None) == part), None)
            if found is None:
                return node
            node = found
        elif isinstance(node, yaml.SequenceNode) and isinstance(part, int) and 0 <= part < len(node.value):
            node = node.value[part]
        else:
            return node
    return node


def load_feeds_file(path: Path) -> FeedsFile:
    """Read and validate a feeds file. Raises FeedsFileError with 'FILE:LINE: field: problem' lines."""
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as exc:
        raise FeedsFileError(f"{path}: cannot read: {exc.strerror or exc}") from None
    try:
        root = yaml.compose(text, Loader=yaml.SafeLoader)
        data = yaml.safe_load(text)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f"{path}:{mark.line + 1}" if mark else str(path)
        raise FeedsFileError(f"{where}: not valid YAML: {getattr(exc, 'problem', None) or exc}") from None
    if not isinstance(data, dict):
        raise FeedsFileError(f"{path}:1: expected a mapping with a 'feeds' list")
    try:
        return FeedsFile.model_validate(data)
    except ValidationError as exc:
        lines = []
        for error in exc.errors():
            loc = tuple(p for p in error["loc"] if not (isinstance(p, str) and p.startswith("function-")))
            node = _node_at(root, loc)
            line = node.start_mark.line + 1 if node is not None else 1
            field = ".".join(f"[{p}]" if isinstance(p, int) else str(p) for p in loc).replace(".[", "[") or "(file)"
            message = error["msg"].removeprefix("Value error, ")
            lines.append(f"{path}:{line}: {field}: {message}")
        raise FeedsFileError("\n".join(lines)) from None


# --------------------------------------------------------------------------- poller


@dataclass
class FetchOutcome:
    ok: bool
    status: int | None = None
    sent: int = 0
    seen: int = 0
    retry_after: float | None = None
    error: str | None = None


def entry_item(feed: FeedSpec, entry: Entry) -> Outgoing:
    """The RawItem of one entry: its id is stable per (source, entry id, entry version)."""
    headers = {HEADER_FEED_URL: feed.url, HEADER_ENTRY_ID: entry.id}
    if entry.link:
        headers[HEADER_ENTRY_LINK] = entry.link
    if entry.published:
        headers[HEADER_ENTRY_PUBLISHED] = entry.published
    if entry.updated:
        headers[HEADER_ENTRY_UPDATED] = entry.updated
    raw = RawItem.from_bytes(
        entry.payload,
        id=stable_id("feed", feed.source_name, entry.id, entry.version),
        source=feed.source_name,
        format_hint=entry.format,
        content_type=entry.content_type,
        headers=headers,
    )
    return Outgoing(raw, source_id=entry.id, headers=headers)


def state_dir_for(base: Path, feeds_path: Path) -> Path:
    """One state folder per feeds file (its absolute path hashed)."""
    digest = hashlib.sha256(str(feeds_path.resolve()).encode()).hexdigest()[:12]
    return base / "feeds" / f"{feeds_path.stem}-{digest}"


class ValidatorStore:
    """The ETag / Last-Modified of each feed, saved atomically as JSON."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.data: dict[str, dict[str, str]] = orjson.loads(path.read_bytes())
        except (FileNotFoundError, orjson.JSONDecodeError):
            self.data = {}

    def get(self, feed: FeedSpec) -> dict[str, str]:
        entry = self.data.get(feed.name, {})
        return entry if entry.get("url") == feed.url else {}

    def put(self, feed: FeedSpec, etag: str | None, last_modified: str | None) -> None:
        entry = {"url": feed.url}
        if etag:
            entry["etag"] = etag
        if last_modified:
            entry["last_modified"] = last_modified
        self.data[feed.name] = entry
        tmp = self.path.with_suffix(".tmp")
        tmp.write_bytes(orjson.dumps(self.data, option=orjson.OPT_INDENT_2))
        tmp.replace(self.path)


class FeedPoller:
    def __init__(
        self, settings: Settings, feeds: FeedsFile, state_dir: Path, *, rng: random.Random | None = None,
        health: ProducerHealth | None = None,
    ) -> None:
        self.settings = settings
        self.feeds = feeds
        self.state_dir = state_dir
        state_dir.mkdir(parents=True, exist_ok=True)
        self.sink = RawSink(settings, "feeds", health)
        journal = SentJournal(state_dir / "journal.jsonl", settings.ingest_remember_days * 86400)
        self.out = JournaledSink(self.sink, journal, [f.source_name for f in feeds.feeds])
        self.validators = ValidatorStore(state_dir / "validators.json")
        self.user_agent = feeds.user_agent or settings.ingest_user_agent
        self.stopping = asyncio.Event()
        self.rng = rng or random.Random()
        self.metrics = self.sink.metrics
        self._session: aiohttp.ClientSession | None = None
        self._dead_lettered: set[str] = set()  # ids of entries this process put on wire.dlq

    async def run(self, once: bool = False) -> dict[str, FetchOutcome]:
        """Poll every feed until stopped (or, with once, until each was fetched once)."""
        # Running for good: wait for a cluster that is away (not ready meanwhile); --once fails.
        if not await self.sink.start(retry=not once, stopping=self.stopping):
            await self.sink.stop()
            return {}
        clean = False
        self._session = aiohttp.ClientSession(headers={"User-Agent": self.user_agent, "Accept": ACCEPT})
        try:
            await self.out.start()
            results = await asyncio.gather(*(self._feed_loop(feed, once) for feed in self.feeds.feeds))
            clean = True
            return {feed.name: outcome for feed, outcome in zip(self.feeds.feeds, results, strict=True)}
        finally:
            await self._session.close()
            try:
                await self.out.close(clean=clean)
            finally:
                await self.sink.stop()

    async def _feed_loop(self, feed: FeedSpec, once: bool) -> FetchOutcome:
        defaults = self.feeds.defaults
        interval = (feed.interval or defaults.interval).total_seconds()
        attempt = 0
        outcome = FetchOutcome(ok=False)
        while not self.stopping.is_set():
            outcome = await self.poll(feed)
            if outcome.ok:
                attempt = 0
                # Never sooner than asked; up to 10% later so feeds on one host drift apart.
                delay = interval * (1.0 + 0.1 * self.rng.random())
            else:
                attempt += 1
                self.metrics.ingest_retries.labels("feeds").inc()
                delay = retry_delay(
                    attempt,
                    outcome.retry_after,
                    base=defaults.backoff.total_seconds(),
                    cap=defaults.max_backoff.total_seconds(),
                    rand=self.rng.random(),
                )
                log.warning("feed %s: %s; retry %d in %.1f s", feed.name, outcome.error, attempt, delay)
            if once and (outcome.ok or attempt >= ONCE_MAX_ATTEMPTS):
                break
            try:
                await asyncio.wait_for(self.stopping.wait(), delay)
            except TimeoutError:
                pass
        return outcome

    async def poll(self, feed: FeedSpec) -> FetchOutcome:
        """One conditional GET of a feed; new entries are sent and journaled."""
        assert self._session is not None
        headers = dict(feed.headers)
        known = self.validators.get(feed)
        if "etag" in known:
            headers["If-None-Match"] = known["etag"]
        if "last_modified" in known:
            headers["If-Modified-Since"] = known["last_modified"]
        timeout = aiohttp.ClientTimeout(total=(feed.timeout or self.feeds.defaults.timeout).total_seconds())
        try:
            async with self._session.get(feed.url, headers=headers, timeout=timeout) as response:
                status = response.status
                self.metrics.ingest_http_requests.labels("feeds", f"{status // 100}xx").inc()
                if status == 304:
                    return FetchOutcome(ok=True, status=304)
                if status != 200:
                    retry_after = parse_retry_after(response.headers.get("Retry-After")) if status in (429, 503) else None
                    return FetchOutcome(ok=False, status=status, retry_after=retry_after, error=f"HTTP {status}")
                body = await self._read_limited(response)
                etag, last_modified = response.headers.get("ETag"), response.headers.get("Last-Modified")
                charset = response.charset
        except (aiohttp.ClientError, TimeoutError, ValueError) as exc:
            self.metrics.ingest_http_requests.labels("feeds", "error").inc()
            return FetchOutcome(ok=False, error=f"fetch failed: {type(exc).__name__}: {exc}")
        try:
            entries = split_feed(body, charset)
        except NotAFeed as exc:
            self.metrics.ingest_rejected.labels("feeds", "not_a_feed").inc()
            return FetchOutcome(ok=False, status=200, error=f"not a feed: {exc}")
        outcome = await self._send_new(feed, entries)
        if outcome.ok:
            self.validators.put(feed, etag, last_modified)
        return outcome

    async def _read_limited(self, response: aiohttp.ClientResponse) -> bytes:
        chunks, size = [], 0
        async for chunk in response.content.iter_chunked(65536):
            size += len(chunk)
            if size > MAX_FEED_BYTES:
                raise ValueError(f"feed larger than {MAX_FEED_BYTES} bytes")
            chunks.append(chunk)
        return b"".join(chunks)

    async def _send_new(self, feed: FeedSpec, entries: list[Entry]) -> FetchOutcome:
        items, seen = [], set()
        # Feeds list the newest first: send oldest first so versions reach Kafka in order.
        for entry in reversed(entries):
            item = entry_item(feed, entry)
            if item.raw.id in seen or self.out.is_sent(item.raw.id):
                continue
            seen.add(item.raw.id)
            if len(entry.payload) > self.settings.max_item_bytes:
                if not await self._too_large(feed, entry, item):
                    return FetchOutcome(ok=False, status=200, seen=len(entries), error="cannot put a dead letter on wire.dlq")
                continue
            items.append(item)
        if not items:
            return FetchOutcome(ok=True, status=200, seen=len(entries))
        results = await self.out.send_batch(items, [{"feed": feed.name} for _ in items])
        failed = [r for r in results if isinstance(r, BaseException)]
        sent = len(results) - len(failed)
        if failed:
            return FetchOutcome(
                ok=False, status=200, sent=sent, seen=len(entries),
                error=f"{len(failed)} of {len(items)} sends failed: {type(failed[0]).__name__}: {failed[0]}",
            )
        log.info("feed %s: %d new entries sent", feed.name, sent)
        return FetchOutcome(ok=True, status=200, sent=sent, seen=len(entries))

    async def _too_large(self, feed: FeedSpec, entry: Entry, item: Outgoing) -> bool:
        """Dead-letter an entry too large to send (once per process); False if Kafka did not take it.

        The entry is not journaled: after WIRE_MAX_ITEM_BYTES is raised, a restarted poller sends
        it if the feed still lists it (a feed answering 304 lists nothing new: remove the feed's
        validators from the state folder to fetch it whole).
        """
        if item.raw.id in self._dead_lettered:
            return True
        message = (
            f"entry {entry.id} of feed {feed.name} ({feed.url}) is {len(entry.payload)} bytes > WIRE_MAX_ITEM_BYTES "
            f"({self.settings.max_item_bytes}): not sent; the feed keeps it"
        )
        try:
            await self.sink.send_dead_letter(rejected_raw(self.settings, item.raw, reason=TOO_LARGE, message=message))
        except Exception as exc:  # noqa: BLE001 - Kafka away: the poll fails and is retried
            log.warning("feed %s: dead letter of entry %s not sent: %s: %s", feed.name, entry.id, type(exc).__name__, exc)
            return False
        self._dead_lettered.add(item.raw.id)
        self.metrics.ingest_rejected.labels("feeds", TOO_LARGE).inc()
        return True
