"""docker-compose.yml: valid against the Compose specification, every mounted path exists, and
the values that must agree with the rest of the project do. (No Docker engine runs here.)"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"


def _compose() -> dict:
    return yaml.safe_load(COMPOSE.read_text())


def test_valid_against_the_compose_spec_schema():
    run = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", str(COMPOSE)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_bind_mount_and_build_file_exists():
    services = _compose()["services"]
    mounts = []
    for name, service in services.items():
        for volume in service.get("volumes", []):
            source = volume.split(":", 1)[0]
            if source.startswith((".", "/")):
                mounts.append((name, source))
        if "build" in service:
            assert (ROOT / service["build"]["context"] / service["build"]["dockerfile"]).is_file(), name
    assert len(mounts) >= 4
    for name, source in mounts:
        assert (ROOT / source).exists(), f"{name}: {source}"


def test_the_stack_is_complete_and_wired_together():
    services = _compose()["services"]
    assert {"kafka", "topics", "worker", "ingest", "prometheus", "grafana"} <= set(services)

    kafka = services["kafka"]
    assert kafka["image"].startswith("apache/kafka:")
    env = kafka["environment"]
    assert set(env["KAFKA_PROCESS_ROLES"].split(",")) == {"broker", "controller"}  # KRaft
    assert env["KAFKA_AUTO_CREATE_TOPICS_ENABLE"] == "false"
    # The broker accepts the largest item wirestream lets through.
    from streams.kafka_clients import kafka_message_limit

    assert int(env["KAFKA_MESSAGE_MAX_BYTES"]) >= kafka_message_limit(Settings.model_construct(max_item_bytes=Settings.model_fields["max_item_bytes"].default))

    worker = services["worker"]
    wire = worker["environment"]
    assert wire["WIRE_KAFKA_BOOTSTRAP"] == "kafka:9092" and env["KAFKA_ADVERTISED_LISTENERS"].endswith("kafka:9092")
    assert worker["command"] == ["worker", "--no-create-topics"]
    assert worker["depends_on"]["topics"]["condition"] == "service_completed_successfully"
    assert worker["depends_on"]["kafka"]["condition"] == "service_healthy"
    parsed = Settings(**{k.removeprefix("WIRE_").lower(): v for k, v in wire.items()})
    grace = float(worker["stop_grace_period"].rstrip("s"))
    assert grace > parsed.shutdown_timeout.total_seconds()
    assert "/healthz" in " ".join(worker["healthcheck"]["test"]) and str(parsed.metrics_port) in " ".join(worker["healthcheck"]["test"])

    assert services["ingest"]["command"][:2] == ["ingest", "http"]
    assert "WIRE_INGEST_TOKEN" in services["ingest"]["environment"]
    assert services["topics"]["restart"] == "no"

    # Prometheus scrapes the workers on the port they serve, and loads the rules.
    prom_config = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    job = next(j for j in prom_config["scrape_configs"] if j["job_name"] == "wirestream")
    assert job["dns_sd_configs"][0]["names"] == ["worker"] and job["dns_sd_configs"][0]["port"] == parsed.metrics_port
    prom_mounts = dict(v.split(":")[:2] for v in services["prometheus"]["volumes"] if v.startswith("."))
    assert prom_mounts["./deploy/prometheus/rules"] == str(Path(prom_config["rule_files"][0]).parent)

    # Grafana gets the datasource and dashboard provisioning, and the dashboards where the
    # dashboard provider looks for them.
    graf_mounts = dict(v.split(":")[:2] for v in services["grafana"]["volumes"] if v.startswith("."))
    assert graf_mounts["./deploy/grafana/provisioning"] == "/etc/grafana/provisioning"
    provider = yaml.safe_load((ROOT / "deploy/grafana/provisioning/dashboards/wirestream.yml").read_text())["providers"][0]
    assert graf_mounts["./deploy/grafana/dashboards"] == provider["options"]["path"]
    datasource = yaml.safe_load((ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text())["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090" and datasource["uid"] == "prometheus"
