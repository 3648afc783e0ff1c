"""A real Prometheus server for tests: a plain process on 127.0.0.1, stopped by its pid.

Prometheus comes from Debian's package, installed by `make setup` (the Makefile's `prometheus`
target); a test that needs it fails with that hint when it is missing.
"""

from __future__ import annotations

import contextlib
import json
import re
import shutil
import signal
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml

from tests.support import free_port

ROOT = Path(__file__).resolve().parents[2]
RULES = ROOT / "deploy" / "prometheus" / "rules" / "wirestream.yml"
DASHBOARDS = ROOT / "deploy" / "grafana" / "dashboards"


def binary(name: str) -> str:
    path = shutil.which(name)
    if not path:
        pytest.fail(f"{name} is not installed: run `make setup` (installs Debian's prometheus package)")
    return path


@dataclass
class Prometheus:
    url: str
    proc: subprocess.Popen
    log: Path

    def api(self, path: str, **params: str) -> dict:
        query = urllib.parse.urlencode(params)
        try:
            with urllib.request.urlopen(f"{self.url}/api/v1/{path}?{query}", timeout=10) as resp:
                return json.load(resp)
        except urllib.error.HTTPError as exc:  # 400/422: the query itself is wrong
            return json.load(exc)

    def query(self, expr: str) -> dict:
        return self.api("query", query=expr)

    def log_tail(self, lines: int = 30) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])


@contextlib.contextmanager
def prometheus_server(workdir: Path, targets: list[str], *, scrape_interval: str = "1s") -> Iterator[Prometheus]:
    """Prometheus scraping ``targets`` as job ``wirestream``, with the project's alert rules."""
    config = {
        "global": {"scrape_interval": scrape_interval, "evaluation_interval": scrape_interval},
        "rule_files": [str(RULES)],
        "scrape_configs": [{"job_name": "wirestream", "static_configs": [{"targets": targets}]}],
    }
    config_path = workdir / "prometheus.yml"
    config_path.write_text(yaml.safe_dump(config))
    port = free_port()
    log = workdir / "prometheus.log"
    with log.open("wb") as fh:
        proc = subprocess.Popen(
            [
                binary("prometheus"),
                f"--config.file={config_path}",
                f"--storage.tsdb.path={workdir / 'tsdb'}",
                f"--web.listen-address=127.0.0.1:{port}",
                "--web.enable-lifecycle",
            ],
            stdout=fh, stderr=subprocess.STDOUT, start_new_session=True,
        )
    server = Prometheus(f"http://127.0.0.1:{port}", proc, log)
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise AssertionError(f"prometheus exited ({proc.returncode}):\n{server.log_tail()}")
            with contextlib.suppress(OSError):
                with urllib.request.urlopen(f"{server.url}/-/ready", timeout=2) as resp:
                    if resp.status == 200:
                        break
            if time.monotonic() > deadline:
                raise AssertionError(f"prometheus not ready after 30 s:\n{server.log_tail()}")
            time.sleep(0.2)
        yield server
    finally:
        if proc.poll() is None:
            proc.send_signal(signal.SIGTERM)
            try:
                proc.wait(15)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


# --------------------------------------------------------------------------- what to prove


def dashboard_queries() -> list[tuple[str, str, str]]:
    """(dashboard file, panel title, expr) of every panel query of every dashboard."""
    found = []
    for path in sorted(DASHBOARDS.glob("*.json")):
        doc = json.loads(path.read_text())
        panels = list(doc.get("panels", []))
        for panel in list(panels):
            panels.extend(panel.get("panels", []))  # panels inside collapsed rows
        for panel in panels:
            for target in panel.get("targets", []):
                found.append((path.name, panel["title"], target["expr"]))
    return found


def alert_rules() -> list[tuple[str, str]]:
    doc = yaml.safe_load(RULES.read_text())
    return [(rule["alert"], rule["expr"]) for group in doc["groups"] for rule in group["rules"] if "alert" in rule]


# Series the project exports (and Prometheus' own `up`): label names never look like these.
_SELECTOR = re.compile(r"\b((?:wirestream|process)_[a-z0-9_]+|up)\b(\{[^}]*\})?")


def selectors(expr: str) -> list[str]:
    """The series selectors an expression reads (metric names with their matchers)."""
    return sorted({name + (matchers or "") for name, matchers in _SELECTOR.findall(expr)})
