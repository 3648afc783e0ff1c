"""`wirestream ingest ...`: the producers that feed ``wire.raw``."""

from __future__ import annotations

import asyncio
import signal
import sys
from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import TYPE_CHECKING

import click

from ..settings import Settings

if TYPE_CHECKING:
    from .health import ProducerHealth


def _prepare() -> Settings:
    """Settings with the bootstrap resolved (WIRE_KAFKA_BOOTSTRAP or the running local broker)."""
    from ..cli import _settings, resolve_bootstrap  # late: streams.cli imports this module

    settings = _settings()
    bootstrap, _ = resolve_bootstrap(settings, start=False)
    return settings.model_copy(update={"kafka_bootstrap": bootstrap})


def _serve_metrics(settings: Settings) -> ProducerHealth:
    """Serve /metrics, /healthz and /readyz; returns the health the producer keeps up to date."""
    from .. import metrics
    from .health import ProducerHealth

    metrics.get_metrics()
    health = ProducerHealth()
    port = metrics.serve(settings.metrics_host, settings.metrics_port, health=health)
    click.echo(f"metrics: http://{settings.metrics_host}:{port}/metrics (probes /healthz, /readyz)", err=True)
    return health


def _run_until_signal(main: Callable[[asyncio.Event], Awaitable[int]], health: ProducerHealth) -> int:
    """Run main(stop) with SIGTERM/SIGINT setting `stop` (a graceful stop: batches finish).

    The probes follow the loop from the start (liveness) and fail readiness once a stop begins.
    """

    async def runner() -> int:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        health.attach_loop(loop)

        def stopping() -> None:
            health.stopping = True
            stop.set()

        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, stopping)
        return await main(stop)

    return asyncio.run(runner())


@click.group()
def ingest() -> None:
    """Ingest producers: put items on wire.raw, each exactly once.

    Every producer uses an idempotent, acks=all, zstd-compressed Kafka producer, keys records by
    source and source id, and serves Prometheus /metrics on WIRE_METRICS_HOST:WIRE_METRICS_PORT
    with the probes /healthz (the process's event loop answers) and /readyz (connected to Kafka
    and able to deliver: 503 while connecting, after failed sends, while Kafka is unreachable for
    3 s, when stopping). Input a producer refuses gets a dead letter on wire.dlq (stage ingest).
    """


@ingest.command("dir")
@click.argument("path", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("--once", is_flag=True, help="Send the files that are there, then exit.")
@click.option("--source", default=None, help="Source name of the items [default: dropfolder:<folder name>].")
@click.option("--settle", type=float, default=None, help="Seconds a file must stay unchanged [default: WIRE_INGEST_SETTLE]; 0 trusts atomic renames.")
def ingest_dir(path: Path, once: bool, source: str | None, settle: float | None) -> None:
    """Watch a drop folder: send each complete file, then move it to processed/ (or failed/).

    Temporary names (dotfiles, .tmp, .part, ~ ...) are ignored; a file is taken once unchanged
    for --settle seconds. A file that can never be sent (larger than WIRE_MAX_ITEM_BYTES,
    unreadable, refused by Kafka) gets a dead letter on wire.dlq and moves to failed/ with a
    .reason file. State (the journal of sent ids) lives in PATH/.wirestream/; after a crash a
    restart sends nothing twice. Without --once it waits for Kafka if it is away at start;
    with --once, exit 1 if a file could not be sent.
    """
    from .dropfolder import DropFolder

    settings = _prepare()
    health = _serve_metrics(settings)
    folder = DropFolder(settings, path, source=source, settle=settle, health=health)
    click.echo(f"drop folder {folder.root} -> {folder.sink.topic} as {folder.source}", err=True)

    async def main(stop: asyncio.Event) -> int:
        stop_task = asyncio.ensure_future(_forward(stop, folder.stopping))
        try:
            counts = await folder.run(once=once)
        finally:
            stop_task.cancel()
        click.echo(counts.summary(), err=True)
        return 1 if counts.gave_up else 0

    sys.exit(_run_until_signal(main, health))


async def _forward(source: asyncio.Event, target: asyncio.Event) -> None:
    await source.wait()
    target.set()


@ingest.command("feeds")
@click.argument("feeds_file", metavar="FEEDS.yaml", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--once", is_flag=True, help="Fetch every feed once (retrying errors a few times), then exit.")
@click.option("--state-dir", type=click.Path(file_okay=False, path_type=Path), default=None, help="Where the journal and HTTP validators live [default: under WIRE_INGEST_STATE_DIR].")
@click.option("--check", is_flag=True, help="Only validate the feeds file.")
def ingest_feeds(feeds_file: Path, once: bool, state_dir: Path | None, check: bool) -> None:
    """Poll the RSS/Atom/JSON feeds of FEEDS.yaml; send each new entry once.

    Conditional GETs (ETag/Last-Modified), per-feed intervals, backoff with jitter after errors
    (429/503 honour Retry-After). One item per entry: a feed document holding that entry alone,
    with the entry's id, link and times in headers; an entry larger than WIRE_MAX_ITEM_BYTES
    gets a dead letter on wire.dlq instead. Exit 1 with --once if a feed kept failing.
    """
    from .feeds import FeedPoller, FeedsFileError, load_feeds_file, state_dir_for

    try:
        feeds = load_feeds_file(feeds_file)
    except FeedsFileError as exc:
        raise click.ClickException(str(exc)) from None
    if check:
        click.echo(f"{feeds_file}: {len(feeds.feeds)} feeds, valid")
        return
    settings = _prepare()
    health = _serve_metrics(settings)
    poller = FeedPoller(settings, feeds, state_dir or state_dir_for(settings.ingest_state_dir, feeds_file), health=health)
    click.echo(f"{len(feeds.feeds)} feeds -> {poller.sink.topic} (state in {poller.state_dir})", err=True)

    async def main(stop: asyncio.Event) -> int:
        stop_task = asyncio.ensure_future(_forward(stop, poller.stopping))
        try:
            outcomes = await poller.run(once=once)
        finally:
            stop_task.cancel()
        failed = 0
        for name, outcome in outcomes.items():
            state = "ok" if outcome.ok else f"failed ({outcome.error})"
            click.echo(f"{name}: {state}, HTTP {outcome.status}, {outcome.sent} sent of {outcome.seen} entries", err=True)
            failed += not outcome.ok
        return 1 if once and failed else 0

    sys.exit(_run_until_signal(main, health))


@ingest.command("http")
@click.option("--host", default=None, help="Address to bind [default: WIRE_INGEST_HTTP_HOST, 127.0.0.1].")
@click.option("--port", type=int, default=None, help="Port [default: WIRE_INGEST_HTTP_PORT]; 0 picks a free one.")
def ingest_http(host: str | None, port: int | None) -> None:
    """Serve POST /items (bearer token WIRE_INGEST_TOKEN), /healthz and /readyz.

    Answers 202 with the item id once Kafka acknowledged the item; 401/400/413/415 with a JSON
    error for bad requests (the client is told: no dead letter); 503 with Retry-After when Kafka
    is slow or away (at most WIRE_INGEST_MAX_IN_FLIGHT items wait at once). /readyz fails while
    Kafka cannot be reached or that many items wait. Prints the bound address last on stderr,
    once connected to Kafka (the probes answer before).
    """
    from .http_push import serve

    settings = _prepare()
    updates = {k: v for k, v in (("ingest_http_host", host), ("ingest_http_port", port)) if v is not None}
    settings = settings.model_copy(update=updates)
    if settings.ingest_token is None or not settings.ingest_token.get_secret_value():
        raise click.ClickException("set WIRE_INGEST_TOKEN: the endpoint does not run without a bearer token")
    health = _serve_metrics(settings)

    def ready(bound: int) -> None:
        click.echo(f"listening on http://{settings.ingest_http_host}:{bound}/items", err=True)

    async def main(stop: asyncio.Event) -> int:
        await serve(settings, stop, on_ready=ready, health=health)
        return 0

    sys.exit(_run_until_signal(main, health))


@ingest.command("replay")
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--rate", type=click.FloatRange(min=0, min_open=True), default=None, help="At most this many items per second.")
@click.option("--source", default="replay", show_default=True, help="Source of items read from plain files.")
@click.option("--format", "force_format", default=None, help="Format hint for every item.")
@click.option("--progress/--no-progress", default=None, help="Show the progress bar [default: when stderr is a terminal].")
@click.option("--journal", "journal_path", type=click.Path(dir_okay=False, path_type=Path), default=None, help="Journal of sent ids: a re-run skips what was sent.")
def ingest_replay(paths: tuple[Path, ...], rate: float | None, source: str, force_format: str | None, progress: bool | None, journal_path: Path | None) -> None:
    """Send files, folders, JSON lines of RawItems and dead-letter dumps to wire.raw.

    JSON lines of RawItems keep their ids; normalise-stage dead letters (wirestream process
    --dlq, wire.dlq) are sent again under their raw id (other letters are reported, not sent);
    other files are one item each. Exit 1 if anything could not be read or sent.
    """
    from rich.console import Console

    from .replay import replay

    settings = _prepare()
    health = _serve_metrics(settings)
    console = Console(stderr=True, force_terminal=True if progress else None)
    show = console.is_terminal if progress is None else progress

    async def main(stop: asyncio.Event) -> int:
        task = asyncio.ensure_future(
            replay(settings, list(paths), source=source, force_format=force_format, rate=rate,
                   console=console, show_progress=show, journal_path=journal_path, health=health)
        )
        stopper = asyncio.ensure_future(stop.wait())
        await asyncio.wait({task, stopper}, return_when=asyncio.FIRST_COMPLETED)
        stopper.cancel()
        if not task.done():
            task.cancel()
            click.echo("interrupted", err=True)
            return 130
        counts = task.result()
        for problem in counts.problems[:20]:
            click.echo(f"  {problem.where}: {problem.message}", err=True)
        if len(counts.problems) > 20:
            click.echo(f"  ... and {len(counts.problems) - 20} more", err=True)
        click.echo(counts.summary(), err=True)
        return 1 if counts.failed or counts.problems else 0

    sys.exit(_run_until_signal(main, health))
