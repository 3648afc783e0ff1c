"""The `wirestream` command line."""

from __future__ import annotations

import asyncio
import logging
import sys
from pathlib import Path

import click

from .settings import Settings


def _settings() -> Settings:
    try:
        return Settings()
    except Exception as exc:  # pydantic ValidationError: show it as a usage error, not a traceback
        raise click.ClickException(f"bad WIRE_* setting: {exc}") from exc


def _local_kafka(settings: Settings):
    from .localkafka import LocalKafka

    return LocalKafka(home=settings.home / "kafka")


def resolve_bootstrap(settings: Settings, *, start: bool) -> tuple[str, bool]:
    """The bootstrap to use and whether this call started the local broker.

    WIRE_KAFKA_BOOTSTRAP wins; otherwise the embedded local broker (started when asked to).
    """
    if settings.kafka_bootstrap:
        return settings.kafka_bootstrap, False
    local = _local_kafka(settings)
    running = local.status()
    if running:
        return running, False
    if not start:
        raise click.ClickException(
            "no Kafka: set WIRE_KAFKA_BOOTSTRAP=host:port, or start the local broker with `wirestream kafka start`"
        )
    return local.start(), True


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="wirestream")
def main() -> None:
    """wirestream: normalise, deduplicate, tag and route news wire items on Kafka.

    Settings come from WIRE_* environment variables (see README or `wirestream settings`).
    """
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s: %(message)s")


# --------------------------------------------------------------------------- kafka


@main.group()
def kafka() -> None:
    """The embedded local Apache Kafka broker (one KRaft node on 127.0.0.1, no Docker).

    Jars are fetched once from Maven Central with Maven and cached; data lives under
    $WIRE_HOME/kafka. Not used when WIRE_KAFKA_BOOTSTRAP is set.
    """


@kafka.command("fetch")
def kafka_fetch() -> None:
    """Fetch the pinned Kafka jars into the cache (done by `make setup`; start does it too)."""
    click.echo(str(_local_kafka(_settings()).ensure_jars()))


@kafka.command("start")
def kafka_start() -> None:
    """Start the local broker (if not running); prints its bootstrap address last."""
    settings = _settings()
    if settings.kafka_bootstrap:
        click.echo("WIRE_KAFKA_BOOTSTRAP is set: using that cluster, nothing started", err=True)
        click.echo(settings.kafka_bootstrap)
        return
    local = _local_kafka(settings)
    click.echo(f"local broker home: {local.home}", err=True)
    click.echo(local.start())


@kafka.command("stop")
def kafka_stop() -> None:
    """Stop the local broker started by `kafka start`."""
    _local_kafka(_settings()).stop()


@kafka.command("status")
def kafka_status() -> None:
    """Print the bootstrap address and exit 0 if the local broker runs; exit 3 if none runs."""
    settings = _settings()
    running = _local_kafka(settings).status()
    if not running:
        click.echo("no local broker running", err=True)
        sys.exit(3)
    click.echo(running)


# --------------------------------------------------------------------------- worker


@main.command()
@click.option("--create-topics/--no-create-topics", default=True, show_default=True, help="Create missing topics first.")
@click.option("--passthrough", is_flag=True, hidden=True, help="No-op stages (wirestream bench's Faust limit).")
def worker(create_topics: bool, passthrough: bool) -> None:
    """Run one pipeline worker (normalise, dedup and tag agents) until SIGTERM/Ctrl-C.

    Scale out by starting more workers with the same WIRE_APP_ID (one Kafka consumer group).
    """
    from . import metrics
    from .faust_app import run_worker
    from .kafka_clients import ensure_topics

    settings = _settings()
    bootstrap, _ = resolve_bootstrap(settings, start=False)
    settings = settings.model_copy(update={"kafka_bootstrap": bootstrap})
    if create_topics:
        asyncio.run(ensure_topics(settings))
    metrics.get_metrics()
    from .observability import get_health

    port = metrics.serve(settings.metrics_host, settings.metrics_port, health=get_health())
    click.echo(f"metrics: http://{settings.metrics_host}:{port}/metrics", err=True)
    click.echo(f"worker {settings.app_id} on {bootstrap} ({settings.processing_guarantee})", err=True)
    run_worker(settings, passthrough=passthrough)


# --------------------------------------------------------------------------- process


@main.command()
@click.argument("paths", nargs=-1, required=True, type=click.Path(exists=True, path_type=Path))
@click.option("--format", "force_format", default=None, help="Force a wire format instead of detecting it.")
@click.option("--dlq", "dlq_path", type=click.Path(dir_okay=False, writable=True, path_type=Path), help="Write dead letters here instead of stderr.")
@click.option("--source", default="file", show_default=True, help="Source name recorded on every item.")
def process(paths: tuple[Path, ...], force_format: str | None, dlq_path: Path | None, source: str) -> None:
    """Run the pipeline on files without Kafka: one EnrichedEvent JSON line per item on stdout.

    Files are processed in the order given (folders recursively, sorted). Duplicates are printed
    too, with their dedup status; dead letters go to stderr (or --dlq) as JSON lines. Exits 0
    when it ran: bad items are data, not crashes.
    """
    from .normalise import FORMATS
    from .process_files import run_files

    if force_format and force_format not in FORMATS:
        raise click.BadParameter(f"unknown format {force_format!r}; one of: {', '.join(FORMATS)}", param_hint="--format")
    settings = _settings()
    dlq = dlq_path.open("wb") if dlq_path else sys.stderr.buffer
    try:
        counts = run_files(settings, paths, out=sys.stdout.buffer, dlq=dlq, force_format=force_format, source=source)
    finally:
        if dlq_path:
            dlq.close()
    click.echo(
        "processed {files} files: {events} events ({duplicates} duplicates), {dead} dead letters".format(**counts),
        err=True,
    )


# --------------------------------------------------------------------------- demo


@main.command()
@click.option("--once", is_flag=True, help="Exit 0 once every sample came out (non-zero after --timeout).")
@click.option("--json", "as_json", is_flag=True, help="Print events as JSON lines instead of a summary.")
@click.option("--timeout", default=120.0, show_default=True, help="Seconds to wait for the samples with --once.")
def demo(once: bool, as_json: bool, timeout: float) -> None:
    """The main job on the embedded default: broker, topics, a worker, the bundled samples.

    Starts the local broker (unless WIRE_KAFKA_BOOTSTRAP is set), creates this run's topics,
    starts a worker, produces the bundled sample items (the seed story among them) and prints
    each event as it arrives. Runs until Ctrl-C, or with --once until every sample came out.
    """
    from .demo import run_demo

    sys.exit(run_demo(_settings(), once=once, as_json=as_json, timeout=timeout))


# --------------------------------------------------------------------------- contracts


@main.command()
@click.option("--out", type=click.Path(file_okay=False, path_type=Path), default=Path("schemas"), show_default=True)
@click.option("--check", is_flag=True, help="Exit 1 if the files differ from what the models generate.")
def schemas(out: Path, check: bool) -> None:
    """Write the topic contracts: JSON Schemas of every message and schemas/asyncapi.yaml."""
    from . import contracts

    if check:
        drifted = contracts.drift(out)
        if drifted:
            raise click.ClickException(f"schemas drifted from the models: {', '.join(drifted)}; run `wirestream schemas`")
        click.echo("schemas up to date")
        return
    for path in contracts.write(out):
        click.echo(str(path))


# --------------------------------------------------------------------------- bench and eval


@main.command()
@click.option("--stage", "name", default="pipeline", show_default=True, help="Which benchmark to run.")
@click.option("--json", "as_json", is_flag=True, help="Print one JSON object instead of a table.")
@click.option("--quick", is_flag=True, help="A short run (for smoke tests); figures are rougher.")
def bench(name: str, as_json: bool, quick: bool) -> None:
    """Measure speed and memory on this machine (one run; ratios are what to compare).

    The pipeline benchmark fits its rounds in 4 minutes: on a slow machine it measures fewer
    items per round and says so in its notes."""
    import orjson

    from . import bench as benchmarks

    if name not in benchmarks.BENCHMARKS:
        known = ", ".join(sorted(benchmarks.BENCHMARKS)) or "none yet"
        raise click.BadParameter(f"unknown benchmark {name!r}; known: {known}", param_hint="--stage")
    report = benchmarks.run(name, quick=quick)
    click.echo(orjson.dumps(report.as_json()).decode() if as_json else benchmarks.render(report))


@main.group("eval")
def evaluate() -> None:
    """Measure quality on the labelled evaluation sets (precision, recall, F1)."""


from .evaluation.tags import tags as _eval_tags  # noqa: E402 - `wirestream eval tags` (issue 5)

evaluate.add_command(_eval_tags)

from .evaluation.dedup import dedup as _eval_dedup  # noqa: E402 - `wirestream eval dedup` (issue 4)

evaluate.add_command(_eval_dedup)


@main.command("settings")
def show_settings() -> None:
    """Print the effective WIRE_* settings (secrets masked)."""
    for key, value in _settings().redacted().items():
        click.echo(f"WIRE_{key.upper()}={'' if value is None else value}")


from .ingest.cli import ingest  # noqa: E402 - the ingest producers' command group (issue 6)

main.add_command(ingest)

from .normalise.replay import replay_dlq  # noqa: E402 - dead letters back to wire.raw (issue 3)

main.add_command(replay_dlq)

if __name__ == "__main__":  # pragma: no cover
    main()
