"""deploy/k8s: built-in kinds pass kubernetes-validate --strict, CRDs their official schemas,
and the values that must agree with the code do."""

from __future__ import annotations

import copy
import json
import subprocess
import sys
from pathlib import Path

import jsonschema
import pytest
import yaml

from streams import topics as T
from streams.routing import DEFAULT_ROUTES, all_topic_specs
from streams.settings import Settings

ROOT = Path(__file__).resolve().parents[2]
K8S = ROOT / "deploy" / "k8s"
CRDS = ROOT / "tests" / "fixtures" / "k8s-crds"
CRD_SCHEMAS = {
    ("keda.sh/v1alpha1", "ScaledObject"): CRDS / "keda-scaledobject-v1alpha1.schema.json",
    ("kafka.strimzi.io/v1", "KafkaTopic"): CRDS / "strimzi-kafkatopic-v1.schema.json",
}


def _manifests() -> list[Path]:
    kustomization = yaml.safe_load((K8S / "kustomization.yaml").read_text())
    return [K8S / r for r in kustomization["resources"]]


def _docs() -> list[dict]:
    return [doc for path in _manifests() for doc in yaml.safe_load_all(path.read_text()) if doc]


def _by_kind(kind: str) -> list[dict]:
    return [d for d in _docs() if d["kind"] == kind]


def test_kustomization_lists_every_manifest():
    listed = set(_manifests())
    on_disk = {p for p in K8S.rglob("*.yaml") if p.name != "kustomization.yaml"}
    assert listed == on_disk


def test_builtin_kinds_pass_strict_kubernetes_schemas():
    builtin = [p for p in _manifests() if all((d["apiVersion"], d["kind"]) not in CRD_SCHEMAS for d in yaml.safe_load_all(p.read_text()) if d)]
    assert len(builtin) >= 8
    run = subprocess.run(
        [sys.executable, "-m", "kubernetes_validate", "--strict", "--no-warn", *map(str, builtin)],
        capture_output=True, text=True, timeout=120,
    )
    assert run.returncode == 0, run.stdout + run.stderr
    assert run.stdout.count("passed") == sum(1 for p in builtin for d in yaml.safe_load_all(p.read_text()) if d)


def _strict(schema: dict) -> dict:
    """additionalProperties: false wherever the CRD lists properties and allows nothing else."""
    schema = copy.deepcopy(schema)

    def walk(node):
        if isinstance(node, dict):
            if "properties" in node and "additionalProperties" not in node and not node.get("x-kubernetes-preserve-unknown-fields"):
                node["additionalProperties"] = False
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    schema["properties"]["metadata"] = {"type": "object"}  # ObjectMeta is not in the CRD schema
    return schema


@pytest.mark.parametrize("key", sorted(CRD_SCHEMAS))
def test_custom_resources_match_their_official_crd_schema(key):
    schema = _strict(json.loads(CRD_SCHEMAS[key].read_text()))
    docs = [d for d in _docs() if (d["apiVersion"], d["kind"]) == key]
    assert docs
    for doc in docs:
        jsonschema.validate(doc, schema)
    # The strict schema does catch a misspelt field.
    broken = copy.deepcopy(docs[0])
    broken["spec"]["replicaz" if key[1] == "KafkaTopic" else "minReplicaCountt"] = 1
    with pytest.raises(jsonschema.ValidationError):
        jsonschema.validate(broken, schema)


def test_a_kafkatopic_for_every_topic_with_the_settings_partitions():
    settings = yaml.safe_load((K8S / "configmap-settings.yaml").read_text())["data"]
    topics = {d["spec"]["topicName"]: d["spec"] for d in _by_kind("KafkaTopic")}
    wanted = {spec.name: spec for spec in all_topic_specs(DEFAULT_ROUTES)}
    changelog = f"{settings['WIRE_APP_ID']}-dedup-changelog"
    assert set(topics) == set(wanted) | {changelog}
    for name, spec in topics.items():
        assert spec["partitions"] == int(settings["WIRE_PARTITIONS"]), name
        assert spec["replicas"] == int(settings["WIRE_REPLICATION_FACTOR"]), name
        if name in wanted:
            assert spec["config"]["retention.ms"] == str(wanted[name].retention_ms)
    assert topics[changelog]["config"]["cleanup.policy"] == "compact"
    assert {T.RAW, T.ENRICHED, T.DLQ} <= set(topics)


def test_settings_configmap_names_real_settings_and_no_secrets():
    data = yaml.safe_load((K8S / "configmap-settings.yaml").read_text())["data"]
    fields = Settings.model_fields
    secret_fields = {n for n, f in fields.items() if "SecretStr" in str(f.annotation)}
    for key, value in data.items():
        name = key.removeprefix("WIRE_").lower()
        assert key.startswith("WIRE_") and name in fields, key
        assert name not in secret_fields, key
    # The values parse as settings (types, durations, literals).
    parsed = Settings(**{k.removeprefix("WIRE_").lower(): v for k, v in data.items()})
    assert parsed.store == "rocksdb://" and parsed.log_format == "json"
    mounted = {"WIRE_STORYLINES", "WIRE_DESK_REGIONS", "WIRE_ROUTES"}
    cm = _by_kind("ConfigMap")
    files = next(d for d in cm if d["metadata"]["name"] == "wirestream-data")["data"]
    assert {Path(data[k]).name for k in mounted} == set(files)


def test_workers_are_a_statefulset_with_real_probes_and_a_pdb_and_lag_scaling():
    sts = _by_kind("StatefulSet")[0]
    pod = sts["spec"]["template"]["spec"]
    worker = pod["containers"][0]
    assert worker["args"][0] == "worker"
    assert worker["livenessProbe"]["httpGet"]["path"] == "/healthz"
    assert worker["readinessProbe"]["httpGet"]["path"] == "/readyz"
    assert worker["resources"]["requests"]["cpu"] and worker["resources"]["requests"]["memory"]
    mount = {m["name"]: m["mountPath"] for m in worker["volumeMounts"]}
    settings = yaml.safe_load((K8S / "configmap-settings.yaml").read_text())["data"]
    assert mount["state"] == settings["WIRE_DATA_DIR"]  # RocksDB on the per-pod volume
    assert Path(settings["WIRE_STORYLINES"]).parent == Path(mount["data"])
    grace = pod["terminationGracePeriodSeconds"]
    assert grace > Settings(shutdown_timeout=settings["WIRE_SHUTDOWN_TIMEOUT"]).shutdown_timeout.total_seconds()
    env = {e["name"]: e for e in worker["env"]}
    assert env["WIRE_INSTANCE_ID"]["valueFrom"]["fieldRef"]["fieldPath"] == "metadata.name"
    assert "value" not in env["WIRE_KAFKA_SASL_PASSWORD"]  # from the Secret only

    labels = sts["spec"]["selector"]["matchLabels"]
    pdbs = [p for p in _by_kind("PodDisruptionBudget") if p["spec"]["selector"]["matchLabels"] == labels]
    assert len(pdbs) == 1
    scaled = _by_kind("ScaledObject")[0]
    assert scaled["spec"]["scaleTargetRef"] == {"apiVersion": "apps/v1", "kind": "StatefulSet", "name": sts["metadata"]["name"]}
    assert scaled["spec"]["maxReplicaCount"] <= int(settings["WIRE_PARTITIONS"])


KAFKA_SCALER = json.loads((CRDS / "keda-kafka-scaler-metadata.json").read_text())


def _kafka_scaler_errors(metadata: dict) -> list[str]:
    """What KEDA's Kafka scaler (v2.20.2) would refuse in a trigger's metadata."""
    params = KAFKA_SCALER["parameters"]
    errors = [f"unknown parameter {key!r}" for key in metadata if key not in params]
    errors += [f"missing {key!r}" for key, spec in params.items() if spec.get("required") and key not in metadata]
    values = {key: spec.get("default") for key, spec in params.items()} | metadata
    for key, value in metadata.items():
        spec = params.get(key, {})
        if not isinstance(value, str):
            errors.append(f"{key}: {value!r} is not a string (trigger metadata is a string map)")
        elif spec.get("type") == "bool" and value.lower() not in ("true", "false", "1", "0", "t", "f"):
            errors.append(f"{key}: {value!r} is not a boolean")
        elif spec.get("type") == "int" and not value.lstrip("-").isdigit():
            errors.append(f"{key}: {value!r} is not an integer")
        elif spec.get("type") == "enum" and value not in spec["enum"]:
            errors.append(f"{key}: {value!r} not in {spec['enum']}")
    if errors:
        return errors
    flag = {k: str(values.get(k) or "false").lower() in ("true", "1", "t") for k, s in params.items() if s["type"] == "bool"}
    if int(values["lagThreshold"]) <= 0:
        errors.append("lagThreshold must be positive")
    if int(values["activationLagThreshold"]) < 0:
        errors.append("activationLagThreshold must not be negative")
    if flag["allowIdleConsumers"] and flag["limitToPartitionsWithLag"]:
        errors.append("allowIdleConsumers and limitToPartitionsWithLag cannot be set simultaneously")
    if flag["limitToPartitionsWithLag"] and flag["ensureEvenDistributionOfPartitions"]:
        errors.append("limitToPartitionsWithLag and ensureEvenDistributionOfPartitions cannot be set simultaneously")
    if not values.get("topic") and (flag["limitToPartitionsWithLag"] or flag["ensureEvenDistributionOfPartitions"]):
        errors.append("topic must be specified")
    return errors


def test_the_scaler_checks_catch_mistakes():
    good = {"bootstrapServers": "k:9092", "consumerGroup": "g", "topic": "t"}
    assert _kafka_scaler_errors(good) == []
    assert _kafka_scaler_errors({**good, "lagTreshold": "5"}) == ["unknown parameter 'lagTreshold'"]
    assert _kafka_scaler_errors({**good, "allowIdleConsumers": False}) != []  # YAML false, not "false"
    assert _kafka_scaler_errors({**good, "allowIdleConsumers": "true", "limitToPartitionsWithLag": "true"}) != []
    assert _kafka_scaler_errors({**good, "lagThreshold": "0"}) == ["lagThreshold must be positive"]


def test_keda_scales_on_the_lag_of_every_topic_the_workers_consume():
    """One Kafka trigger per consumed topic (the workers' one group), each valid for KEDA's
    scaler and capped at its partitions; dedup's one sequencing partition caps its trigger at 1."""
    settings = yaml.safe_load((K8S / "configmap-settings.yaml").read_text())["data"]
    partitions = int(settings["WIRE_PARTITIONS"])
    scaled = _by_kind("ScaledObject")[0]["spec"]
    triggers = scaled["triggers"]
    names = [t.get("name") for t in triggers]
    assert len(set(names)) == len(names)  # KEDA refuses repeated trigger names
    assert all(t["type"] == "kafka" for t in triggers)
    by_topic = {t["metadata"]["topic"]: t["metadata"] for t in triggers}
    assert len(by_topic) == len(triggers)
    assert set(by_topic) == {T.RAW, T.NORMALISED, T.DEDUPLICATED}  # what streams.faust_app consumes
    for topic, metadata in by_topic.items():
        assert _kafka_scaler_errors(metadata) == [], topic
        assert metadata["consumerGroup"] == settings["WIRE_APP_ID"]
        assert metadata["bootstrapServers"] == settings["WIRE_KAFKA_BOOTSTRAP"]
        assert metadata.get("allowIdleConsumers", "false") == "false"  # never more replicas than partitions
        assert metadata["offsetResetPolicy"] == "earliest"  # a new group's backlog is lag
    assert by_topic[T.NORMALISED].get("limitToPartitionsWithLag") == "true"
    assert "limitToPartitionsWithLag" not in by_topic[T.RAW] and "limitToPartitionsWithLag" not in by_topic[T.DEDUPLICATED]
    assert scaled["minReplicaCount"] <= scaled["maxReplicaCount"] <= partitions
