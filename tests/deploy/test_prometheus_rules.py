"""Alert rules: promtool check rules, promtool test rules (a unit test for every alert), every
alert has a runbook; the compose scrape config passes promtool check config with the rules."""

from __future__ import annotations

import subprocess
from pathlib import Path

import yaml

from tests.observability.promserver import binary

ROOT = Path(__file__).resolve().parents[2]
PROM = ROOT / "deploy" / "prometheus"
RULES = PROM / "rules" / "wirestream.yml"
UNIT_TESTS = PROM / "tests" / "wirestream.test.yml"
REQUIRED = {
    "WirestreamPipelineStalled", "WirestreamLagGrowing", "WirestreamDeadLetterRateHigh",
    "WirestreamNewsAgeHigh", "WirestreamWorkerDown", "WirestreamRebalanceStorm",
}


def _promtool(*args: str, cwd: Path = ROOT) -> subprocess.CompletedProcess:
    return subprocess.run([binary("promtool"), *args], capture_output=True, text=True, timeout=120, cwd=cwd)


def _alerts() -> list[dict]:
    return [r for g in yaml.safe_load(RULES.read_text())["groups"] for r in g["rules"] if "alert" in r]


def test_rules_pass_promtool_check():
    run = _promtool("check", "rules", str(RULES))
    assert run.returncode == 0, run.stdout + run.stderr


def test_every_alert_fires_and_stays_quiet_in_promtool_unit_tests():
    run = _promtool("test", "rules", str(UNIT_TESTS))
    assert run.returncode == 0, run.stdout + run.stderr
    tests = yaml.safe_load(UNIT_TESTS.read_text())["tests"]
    fired = {c["alertname"] for t in tests for c in t.get("alert_rule_test", []) if c["exp_alerts"]}
    quiet = {c["alertname"] for t in tests for c in t.get("alert_rule_test", []) if not c["exp_alerts"]}
    names = {a["alert"] for a in _alerts()}
    assert REQUIRED <= names
    assert fired == names and quiet == names


def test_every_alert_has_a_runbook_summary_and_severity():
    for alert in _alerts():
        assert alert["annotations"]["runbook"].strip(), alert["alert"]
        assert alert["annotations"]["summary"].strip(), alert["alert"]
        assert alert["labels"]["severity"] in {"critical", "warning"}, alert["alert"]


def test_compose_scrape_config_with_its_rules_passes_promtool(tmp_path):
    config = yaml.safe_load((PROM / "prometheus.yml").read_text())
    config["rule_files"] = [str(RULES)]  # where compose mounts them, here
    path = tmp_path / "prometheus.yml"
    path.write_text(yaml.safe_dump(config))
    run = _promtool("check", "config", str(path))
    assert run.returncode == 0, run.stdout + run.stderr
    assert "SUCCESS: 7 rules found" in run.stdout or "rules found" in run.stdout
