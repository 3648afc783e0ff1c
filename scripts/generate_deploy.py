"""Generates the deployment files that follow from code: Grafana dashboards and Kubernetes data.

    .venv/bin/python scripts/generate_deploy.py          # (re)write them   (make dashboards)
    .venv/bin/python scripts/generate_deploy.py --check  # exit 1 if a committed file differs

- ``deploy/grafana/dashboards/*.json``: the overview, per-stage and news dashboards, built with
  grafana-foundation-sdk (Grafana 11.6 schema). Every query has a refId and uses the
  ``${datasource}`` variable; tests evaluate every query against a real Prometheus.
- ``deploy/k8s/generated/configmap-data.yaml``: the shipped storyline rules, desk regions and
  routes as a ConfigMap (the files themselves, so the cluster runs what the package ships).
- ``deploy/k8s/generated/kafkatopics.yaml``: a Strimzi ``KafkaTopic`` for every topic the workers
  use: the pipeline's, the routed ones (routes file) and the dedup table's changelog.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from grafana_foundation_sdk.builders import bargauge, dashboard, prometheus, stat, table, timeseries  # noqa: E402
from grafana_foundation_sdk.cog.encoder import JSONEncoder  # noqa: E402
from grafana_foundation_sdk.models.dashboard import DataSourceRef, GridPos, VariableOption  # noqa: E402

DASHBOARDS_DIR = ROOT / "deploy" / "grafana" / "dashboards"
K8S_GENERATED = ROOT / "deploy" / "k8s" / "generated"

DATASOURCE = DataSourceRef(type_val="prometheus", uid="${datasource}")
WINDOW = "5m"  # rate window: a few scrapes at the compose stack's 15 s interval

# --------------------------------------------------------------------------- dashboards


def _query(expr: str, legend: str, ref: str) -> prometheus.Dataquery:
    return prometheus.Dataquery().expr(expr).legend_format(legend).ref_id(ref).datasource(DATASOURCE)


class _Layout:
    """Places panels left to right on Grafana's 24-column grid."""

    def __init__(self) -> None:
        self.x = self.y = self.row_h = 0

    def pos(self, w: int, h: int) -> GridPos:
        if self.x + w > 24:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        pos = GridPos(h=h, w=w, x=self.x, y=self.y)
        self.x += w
        self.row_h = max(self.row_h, h)
        return pos

    def row(self) -> GridPos:
        if self.x:
            self.x, self.y, self.row_h = 0, self.y + self.row_h, 0
        pos = GridPos(h=1, w=24, x=0, y=self.y)
        self.y += 1
        return pos


def _dashboard(uid: str, title: str, description: str) -> dashboard.Dashboard:
    variable = (
        dashboard.DatasourceVariable("datasource")
        .label("Prometheus")
        .type("prometheus")
        .current(VariableOption(selected=True, text="Prometheus", value="prometheus"))
    )
    return (
        dashboard.Dashboard(title)
        .uid(uid)
        .description(description)
        .tags(["wirestream"])
        .refresh("30s")
        .time("now-6h", "now")
        .timezone("utc")
        .editable()
        .with_variable(variable)
    )


def _panel(builder, layout: _Layout, title: str, description: str, queries: list[tuple[str, str]], *, unit: str, w: int = 12, h: int = 8):
    panel = builder.title(title).description(description).datasource(DATASOURCE).unit(unit).grid_pos(layout.pos(w, h))
    for i, (expr, legend) in enumerate(queries):
        panel = panel.with_target(_query(expr, legend, chr(ord("A") + i)))
    return panel


def _ts(layout, title, description, queries, *, unit, w=12, h=8):
    return _panel(timeseries.Panel(), layout, title, description, queries, unit=unit, w=w, h=h)


def _stat(layout, title, description, expr, *, unit, w=4, h=4):
    return _panel(stat.Panel(), layout, title, description, [(expr, "")], unit=unit, w=w, h=h)


def _bars(layout, title, description, expr, legend, *, unit, w=12, h=10):
    return _panel(bargauge.Panel(), layout, title, description, [(expr, legend)], unit=unit, w=w, h=h)


def overview() -> dashboard.Dashboard:
    L = _Layout()
    d = _dashboard(
        "wirestream-overview",
        "wirestream / Overview",
        "Is the pipeline flowing, how far behind is it, how fast, and what is dropped.",
    )
    d = d.with_panel(_stat(L, "Workers up", "Workers Prometheus can scrape.", 'sum(up{job="wirestream"})', unit="none"))
    d = d.with_panel(_stat(L, "Workers ready", "Workers assigned and not rebalancing (/readyz).", "sum(wirestream_worker_ready)", unit="none"))
    d = d.with_panel(_stat(
        L, "Items in / s", "Records entering the pipeline (normalise input).",
        f'sum(rate(wirestream_stage_items_in_total{{stage="normalise"}}[{WINDOW}]))', unit="reqps"))
    d = d.with_panel(_stat(
        L, "Events out / s", "Events the tag stage emitted (to wire.enriched and routed topics).",
        f'sum(rate(wirestream_stage_items_out_total{{stage="tag"}}[{WINDOW}]))', unit="reqps"))
    d = d.with_panel(_stat(L, "Consumer lag", "Records waiting on the workers' input topics.", "sum(wirestream_consumer_lag_messages)", unit="none"))
    d = d.with_panel(_stat(
        L, "Dead letters / s", "Records sent to wire.dlq, all stages.",
        f"sum(rate(wirestream_dead_letters_total[{WINDOW}]))", unit="reqps"))
    d = d.with_panel(_ts(L, "Throughput by stage",
                         "Records each stage received (ingest: items the producers sent or dead-lettered) and items it emitted, per second.", [
        (f"sum by (stage) (rate(wirestream_stage_items_in_total[{WINDOW}]))", "{{stage}} in"),
        (f"sum by (stage) (rate(wirestream_stage_items_out_total[{WINDOW}]))", "{{stage}} out"),
    ], unit="reqps"))
    d = d.with_panel(_ts(L, "Consumer lag by topic", "Records not yet committed by the worker group, per input topic.", [
        ("sum by (topic) (wirestream_consumer_lag_messages)", "{{topic}}"),
    ], unit="none"))
    d = d.with_panel(_ts(L, "Pipeline latency p50 / p99", "From ingest (received_at) to publication on an output topic.", [
        (f"histogram_quantile(0.5, sum by (le) (rate(wirestream_pipeline_latency_seconds_bucket[{WINDOW}])))", "p50"),
        (f"histogram_quantile(0.99, sum by (le) (rate(wirestream_pipeline_latency_seconds_bucket[{WINDOW}])))", "p99"),
    ], unit="s"))
    d = d.with_panel(_ts(L, "Dead letters by stage and reason", "wire.dlq records per second; reason codes in docs/dead-letters.md.", [
        (f"sum by (stage, reason) (rate(wirestream_dead_letters_total[{WINDOW}]))", "{{stage}}: {{reason}}"),
    ], unit="reqps"))
    d = d.with_panel(_ts(L, "Dedup decisions", "Dedup outcomes per second, and the share of duplicates.", [
        (f"sum by (status) (rate(wirestream_dedup_decisions_total[{WINDOW}]))", "{{status}}"),
    ], unit="reqps"))
    d = d.with_panel(_ts(L, "Duplicate share", "Exact and near duplicates as a share of all dedup decisions.", [
        (f'sum(rate(wirestream_dedup_decisions_total{{status=~"duplicate|near_duplicate"}}[{WINDOW}])) '
         f"/ sum(rate(wirestream_dedup_decisions_total[{WINDOW}]))", "duplicates"),
    ], unit="percentunit"))
    d = d.with_panel(_ts(L, "Rebalances", "Consumer group rebalances seen by each worker in the last 15 minutes.", [
        ("sum by (instance) (increase(wirestream_rebalances_total[15m]))", "{{instance}}"),
    ], unit="none", w=24))
    return d


def stages() -> dashboard.Dashboard:
    L = _Layout()
    d = _dashboard("wirestream-stages", "wirestream / Stages", "Each stage's input, output, cost and failures; the workers' Kafka clients.")
    d = d.with_panel(_ts(L, "Records in by stage and source", "Per second, by the source kind (before the first ':' of the source name).", [
        (f"sum by (stage, source) (rate(wirestream_stage_items_in_total[{WINDOW}]))", "{{stage}} {{source}}"),
    ], unit="reqps"))
    d = d.with_panel(_ts(L, "Items out by stage and format", "Per second, by detected wire format.", [
        (f"sum by (stage, format) (rate(wirestream_stage_items_out_total[{WINDOW}]))", "{{stage}} {{format}}"),
    ], unit="reqps"))
    d = d.with_panel(_ts(L, "Stage time p50 / p99", "Time a stage's pure core spends on one item.", [
        (f"histogram_quantile(0.5, sum by (stage, le) (rate(wirestream_stage_duration_seconds_bucket[{WINDOW}])))", "{{stage}} p50"),
        (f"histogram_quantile(0.99, sum by (stage, le) (rate(wirestream_stage_duration_seconds_bucket[{WINDOW}])))", "{{stage}} p99"),
    ], unit="s"))
    d = d.with_panel(_ts(L, "Stage time mean", "Mean time per item of each stage's core.", [
        (f"sum by (stage) (rate(wirestream_stage_duration_seconds_sum[{WINDOW}])) "
         f"/ sum by (stage) (rate(wirestream_stage_duration_seconds_count[{WINDOW}]))", "{{stage}}"),
    ], unit="s"))
    d = d.with_panel(_bars(L, "Dead letters in the last hour", "By stage and reason code.",
                           "sort_desc(sum by (stage, reason) (increase(wirestream_dead_letters_total[1h])))", "{{stage}}: {{reason}}", unit="none"))
    d = d.with_panel(_ts(L, "Lag by partition", "Records waiting per input topic and partition.", [
        ("sum by (topic, partition) (wirestream_consumer_lag_messages)", "{{topic}}/{{partition}}"),
    ], unit="none", h=10))
    d = d.with_panel(_ts(L, "Assigned partitions by worker", "Input topics and table changelogs each worker holds.", [
        ("sum by (instance, topic) (wirestream_assigned_partitions)", "{{instance}} {{topic}}"),
    ], unit="none"))
    d = d.with_panel(_ts(L, "Producer", "Bytes sent per second by topic; failed sends and retried batches.", [
        (f"sum by (topic) (rate(wirestream_producer_sent_bytes_total[{WINDOW}]))", "{{topic}}"),
    ], unit="Bps"))
    d = d.with_panel(_ts(L, "Producer errors and retries", "Failed sends (after retries) and batches re-sent, per second.", [
        (f"sum(rate(wirestream_producer_send_errors_total[{WINDOW}]))", "errors"),
        (f"sum(rate(wirestream_producer_retries_total[{WINDOW}]))", "retries"),
    ], unit="reqps"))
    d = d.with_panel(_ts(L, "Commits", "Offset commits per second by worker.", [
        (f"sum by (instance) (rate(wirestream_consumer_commits_total[{WINDOW}]))", "{{instance}}"),
    ], unit="reqps"))
    d = d.with_panel(_ts(L, "Table keys", "Keys held in each Faust table, all workers.", [
        ("sum by (table) (wirestream_table_keys)", "{{table}}"),
    ], unit="none"))
    d = d.with_panel(_ts(L, "Rebalance time p99", "From a rebalance's start to the end of table recovery.", [
        ("histogram_quantile(0.99, sum by (le) (rate(wirestream_rebalance_duration_seconds_bucket[1h])))", "p99"),
    ], unit="s"))
    d = d.with_panel(_ts(L, "Worker memory", "Resident memory per worker (faust#247: watch for slow growth).", [
        ('process_resident_memory_bytes{job="wirestream"}', "{{instance}}"),
    ], unit="bytes"))
    d = d.with_panel(_panel(table.Panel(), L, "Running versions", "wirestream_build_info per worker.", [
        ("wirestream_build_info", "{{instance}} {{version}}"),
    ], unit="none", w=24, h=6))
    return d


def news() -> dashboard.Dashboard:
    L = _Layout()
    d = _dashboard("wirestream-news", "wirestream / News", "What the stream carries: regions, storylines, formats, sources and how fresh it is.")
    d = d.with_panel(_ts(L, "Items per region", "Enriched events per second tagged with each region (UN M49 and desk regions).", [
        (f'sum by (tag) (rate(wirestream_tags_total{{kind="region"}}[{WINDOW}]))', "{{tag}}"),
    ], unit="reqps"))
    d = d.with_panel(_ts(L, "Items per storyline", "Enriched events per second matched by each storyline rule.", [
        (f'sum by (tag) (rate(wirestream_tags_total{{kind="storyline"}}[{WINDOW}]))', "{{tag}}"),
    ], unit="reqps"))
    d = d.with_panel(_bars(L, "Regions, last 24 h", "Events per region over the last day.",
                           'sort_desc(sum by (tag) (increase(wirestream_tags_total{kind="region"}[24h])))', "{{tag}}", unit="none"))
    d = d.with_panel(_bars(L, "Storylines, last 24 h", "Events per storyline over the last day.",
                           'sort_desc(sum by (tag) (increase(wirestream_tags_total{kind="storyline"}[24h])))', "{{tag}}", unit="none"))
    d = d.with_panel(_ts(L, "News age p50 / p90", "Age of published items (now - versioncreated) at publication.", [
        (f"histogram_quantile(0.5, sum by (le) (rate(wirestream_news_age_seconds_bucket[{WINDOW}])))", "p50"),
        (f"histogram_quantile(0.9, sum by (le) (rate(wirestream_news_age_seconds_bucket[{WINDOW}])))", "p90"),
    ], unit="s"))
    d = d.with_panel(_ts(L, "Published by topic", "Events per second by output topic (wire.enriched, wire.duplicates).", [
        (f"sum by (topic) (rate(wirestream_pipeline_latency_seconds_count[{WINDOW}]))", "{{topic}}"),
    ], unit="reqps"))
    d = d.with_panel(_ts(L, "Formats", "Items the normaliser read, per second, by wire format.", [
        (f'sum by (format) (rate(wirestream_stage_items_out_total{{stage="normalise"}}[{WINDOW}]))', "{{format}}"),
    ], unit="reqps"))
    d = d.with_panel(_ts(L, "Sources", "Records received, per second, by source kind.", [
        (f'sum by (source) (rate(wirestream_stage_items_in_total{{stage="normalise"}}[{WINDOW}]))', "{{source}}"),
    ], unit="reqps"))
    return d


DASHBOARDS: dict[str, Callable[[], dashboard.Dashboard]] = {"overview": overview, "stages": stages, "news": news}


def dashboard_json(name: str) -> str:
    return json.dumps(DASHBOARDS[name]().build(), cls=JSONEncoder, indent=2, sort_keys=True) + "\n"


# --------------------------------------------------------------------------- kubernetes


def _dump(docs: list[dict], header: str) -> str:
    body = "---\n".join(yaml.safe_dump(doc, sort_keys=False, width=120) for doc in docs)
    return f"# {header}\n# Generated by scripts/generate_deploy.py: do not edit.\n{body}"


def configmap_data() -> str:
    data_dir = ROOT / "streams" / "tagging" / "data"
    files = {name: (data_dir / name).read_text() for name in ("storylines.yaml", "desk_regions.yaml", "routes.yaml")}
    doc = {
        "apiVersion": "v1",
        "kind": "ConfigMap",
        "metadata": {"name": "wirestream-data", "labels": {"app.kubernetes.io/name": "wirestream"}},
        "data": files,
    }
    return _dump([doc], "Storyline rules, desk regions and routes (WIRE_STORYLINES, WIRE_DESK_REGIONS, WIRE_ROUTES).")


STRIMZI_CLUSTER = "wirestream-kafka"
PARTITIONS = 6  # must equal WIRE_PARTITIONS in configmap-settings.yaml
REPLICAS = 3


def kafka_topics() -> str:
    from streams.kafka_clients import kafka_message_limit
    from streams.routing import DEFAULT_ROUTES, all_topic_specs
    from streams.settings import Settings

    # The default item limit, not this shell's WIRE_* environment: the output must be reproducible.
    default_limit = Settings.model_fields["max_item_bytes"].default
    max_bytes = str(kafka_message_limit(Settings.model_construct(max_item_bytes=default_limit)))
    docs = []

    def topic(name: str, config: dict[str, str], description: str) -> dict:
        return {
            "apiVersion": "kafka.strimzi.io/v1",
            "kind": "KafkaTopic",
            "metadata": {
                "name": name.replace(".", "-").replace("_", "-").lower(),
                "labels": {"strimzi.io/cluster": STRIMZI_CLUSTER, "app.kubernetes.io/name": "wirestream"},
                "annotations": {"wirestream/description": description},
            },
            "spec": {"topicName": name, "partitions": PARTITIONS, "replicas": REPLICAS, "config": config},
        }

    for spec in all_topic_specs(DEFAULT_ROUTES):
        docs.append(topic(spec.name, {"retention.ms": str(spec.retention_ms), "max.message.bytes": max_bytes}, spec.description))
    # Faust creates the dedup table's changelog itself; declared here so the operator owns it.
    # compact only: faust#176/#651 loop on compact,delete changelogs during recovery.
    docs.append(topic("wirestream-dedup-changelog", {"cleanup.policy": "compact", "max.message.bytes": max_bytes},
                      "Changelog of the dedup table (Faust), for WIRE_APP_ID=wirestream."))
    return _dump(docs, f"Strimzi KafkaTopics for every topic the workers use (cluster {STRIMZI_CLUSTER}).")


# --------------------------------------------------------------------------- main


def generated() -> dict[Path, str]:
    files = {DASHBOARDS_DIR / f"{name}.json": dashboard_json(name) for name in DASHBOARDS}
    files[K8S_GENERATED / "configmap-data.yaml"] = configmap_data()
    files[K8S_GENERATED / "kafkatopics.yaml"] = kafka_topics()
    return files


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--check", action="store_true", help="exit 1 if a committed file differs")
    args = parser.parse_args(argv)
    stale = []
    for path, text in generated().items():
        if args.check:
            if not path.exists() or path.read_text() != text:
                stale.append(path)
            continue
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text)
        print(path.relative_to(ROOT))
    if stale:
        print("out of date (run `make dashboards`):", *(str(p.relative_to(ROOT)) for p in stale), sep="\n  ", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
