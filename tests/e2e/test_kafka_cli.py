"""`wirestream kafka start|status|stop` manage a real local broker by pid."""

import os
import subprocess
import sys

import pytest

pytestmark = [pytest.mark.kafka, pytest.mark.timeout(180)]


def wirestream(*args, env):
    return subprocess.run([sys.executable, "-m", "streams", *args], env=env, capture_output=True, text=True, timeout=150)


def test_kafka_start_status_stop(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "WIRE_KAFKA_BOOTSTRAP"}
    env["WIRE_HOME"] = str(tmp_path)
    assert wirestream("kafka", "status", env=env).returncode == 3
    started = wirestream("kafka", "start", env=env)
    try:
        assert started.returncode == 0, started.stderr
        bootstrap = started.stdout.strip().splitlines()[-1]
        assert bootstrap.startswith("127.0.0.1:")
        status = wirestream("kafka", "status", env=env)
        assert status.returncode == 0 and status.stdout.strip() == bootstrap
        # Starting again finds the running broker instead of a second one.
        assert wirestream("kafka", "start", env=env).stdout.strip().splitlines()[-1] == bootstrap
    finally:
        stopped = wirestream("kafka", "stop", env=env)
    assert stopped.returncode == 0, stopped.stderr
    assert wirestream("kafka", "status", env=env).returncode == 3


def test_existing_cluster_setting_starts_nothing(tmp_path):
    env = dict(os.environ, WIRE_HOME=str(tmp_path), WIRE_KAFKA_BOOTSTRAP="127.0.0.1:1")
    result = wirestream("kafka", "start", env=env)
    assert result.returncode == 0
    assert result.stdout.strip().splitlines()[-1] == "127.0.0.1:1"
    assert not (tmp_path / "kafka").exists()
