"""streams.localkafka: jar cache, lifecycle of a real broker, pidfile safety."""

from __future__ import annotations

import os
import socket
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from aiokafka.admin import AIOKafkaAdminClient, NewTopic

from streams.localkafka import LocalKafka, LocalKafkaError, default_home
from streams.localkafka import config as lk_config
from streams.localkafka import jars, proc


async def _create_topic(bootstrap: str, name: str, partitions: int) -> None:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        await admin.create_topics([NewTopic(name, partitions, 1)])
    finally:
        await admin.close()


async def _topics(bootstrap: str) -> dict[str, int]:
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
    await admin.start()
    try:
        described = await admin.describe_topics(await admin.list_topics())
    finally:
        await admin.close()
    return {t["topic"]: len(t["partitions"]) for t in described if t["error_code"] == 0}


# -- real broker -----------------------------------------------------------------------------


@pytest.mark.kafka
async def test_lifecycle_restart_keeps_topics(tmp_path: Path) -> None:
    # async on purpose: start() must also work while an event loop runs (its readiness probe
    # then runs asyncio in a helper thread).
    kafka = LocalKafka(tmp_path / "home")
    try:
        bootstrap = kafka.start()
        assert bootstrap.startswith("127.0.0.1:")
        assert kafka.status() == bootstrap
        pid = kafka.pid
        assert pid is not None and (kafka.home / "kafka.pid").read_text().strip() == str(pid)
        assert (kafka.home / "bootstrap").read_text().strip() == bootstrap
        # A second start while it runs returns the same broker instead of launching another.
        assert kafka.start() == bootstrap and kafka.pid == pid
        assert LocalKafka(kafka.home).status() == bootstrap  # any handle on the home sees it

        await _create_topic(bootstrap, "wire.lifecycle", 3)

        assert kafka.stop() is True
        assert kafka.status() is None and kafka.pid is None
        assert not proc.is_alive(pid)
        assert not (kafka.home / "kafka.pid").exists()
        assert kafka.stop() is False  # idempotent

        meta = kafka.home / "data" / "meta.properties"
        cluster_id = lk_config.parse(meta.read_text())["cluster.id"]
        bootstrap2 = kafka.start()
        assert kafka.pid not in (None, pid)
        assert lk_config.parse(meta.read_text())["cluster.id"] == cluster_id  # not reformatted
        assert bootstrap2 == bootstrap  # free ports are reused: a stable address
        assert (await _topics(bootstrap2)).get("wire.lifecycle") == 3
    finally:
        kafka.stop()
    assert kafka.status() is None


@pytest.mark.kafka
def test_start_reports_broker_death_with_log_tail(tmp_path: Path) -> None:
    # A broker that cannot start: its PLAINTEXT listener's port is taken by an unrelated socket.
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        kafka = LocalKafka(tmp_path / "home")
        kafka._ports = lambda: (port, lk_config.free_port())  # type: ignore[method-assign]
        with pytest.raises(LocalKafkaError, match=r"exited during start(.|\n)*kafka\.log"):
            kafka.start(timeout=60)
    assert kafka.status() is None
    assert not (kafka.home / "kafka.pid").exists()


# -- no broker needed ------------------------------------------------------------------------


def test_status_and_stop_of_empty_home(tmp_path: Path) -> None:
    kafka = LocalKafka(tmp_path / "nothing-here")
    assert kafka.status() is None
    assert kafka.pid is None
    assert kafka.stop() is False
    assert kafka.stop() is False
    assert not kafka.home.exists()  # looking creates nothing


def test_stop_refuses_to_signal_a_foreign_pid(tmp_path: Path) -> None:
    kafka = LocalKafka(tmp_path / "home")
    kafka.home.mkdir()
    sleeper = subprocess.Popen(["sleep", "30"])
    try:
        (kafka.home / "kafka.pid").write_text(f"{sleeper.pid}\n")
        (kafka.home / "bootstrap").write_text("127.0.0.1:9\n")
        assert kafka.pid is None
        assert kafka.status() is None
        assert kafka.kill() is False
        assert kafka.stop(timeout=1) is False
        assert sleeper.poll() is None, "stop() signalled a process that is not our broker"
        assert not (kafka.home / "kafka.pid").exists()  # the stale pidfile is dropped
    finally:
        sleeper.kill()
        sleeper.wait()


def test_is_our_broker_needs_kafka_main_class_and_home(tmp_path: Path) -> None:
    home = tmp_path / "home"
    sleep = [sys.executable, "-c", "import time; time.sleep(30)"]
    # A process whose command line names the home's properties but is not kafka.Kafka ...
    p1 = subprocess.Popen([*sleep, str(home / "server.properties")])
    # ... one that is "kafka.Kafka" for another home whose path merely starts with this one ...
    p2 = subprocess.Popen([*sleep, "kafka.Kafka", str(tmp_path / "home2" / "server.properties")])
    # ... and one that looks like ours (the check goes by command line, not by executable).
    p3 = subprocess.Popen([*sleep, "kafka.Kafka", str(home / "server.properties")])
    try:
        assert not proc.is_our_broker(p1.pid, home)
        assert not proc.is_our_broker(p2.pid, home)
        assert proc.is_our_broker(p3.pid, home)
    finally:
        for p in (p1, p2, p3):
            p.kill()
            p.wait()
    assert not proc.is_alive(p1.pid)


def test_default_home(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("WIRE_HOME", str(tmp_path))
    assert default_home() == tmp_path / "kafka"
    monkeypatch.delenv("WIRE_HOME")
    assert default_home() == Path.home() / ".cache" / "wirestream" / "run" / "kafka"


def test_properties_single_node_defaults(tmp_path: Path) -> None:
    props = lk_config.server_properties(tmp_path / "data", 1111, 2222, {"num.partitions": "6"})
    assert props["listeners"] == "PLAINTEXT://127.0.0.1:1111,CONTROLLER://127.0.0.1:2222"
    assert props["controller.quorum.bootstrap.servers"] == "127.0.0.1:2222"
    assert props["auto.create.topics.enable"] == "false"
    assert props["offsets.topic.replication.factor"] == "1"
    assert props["num.partitions"] == "6"
    assert lk_config.parse(lk_config.render(props)) == props
    cid = lk_config.random_cluster_id()
    assert len(cid) == 22 and not cid.startswith("-")


# -- jar cache (a fake mvn: no network) ------------------------------------------------------


def _fake_mvn(bin_dir: Path, body: str) -> None:
    bin_dir.mkdir(exist_ok=True)
    mvn = bin_dir / "mvn"
    mvn.write_text("#!/bin/sh\n" + body)
    mvn.chmod(mvn.stat().st_mode | stat.S_IEXEC)


_ARGS = 'for a in "$@"; do case "$a" in -DoutputDirectory=*) out="${a#*=}";; ' \
        '-Dkafka.version=*) v="${a#*=}";; esac; done\n'


def test_ensure_jars_fetches_once_into_versioned_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WIRE_KAFKA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    count = tmp_path / "calls"
    _fake_mvn(tmp_path / "bin", _ARGS + f'echo x >> {count}\ntouch "$out/kafka_2.13-$v.jar" "$out/other.jar"\n')
    libs = LocalKafka(tmp_path / "h1", kafka_version="9.9.9").ensure_jars()
    assert libs == tmp_path / "cache" / "9.9.9" / "libs"
    assert sorted(p.name for p in libs.iterdir()) == ["kafka_2.13-9.9.9.jar", "other.jar"]
    assert LocalKafka(tmp_path / "h2", kafka_version="9.9.9").ensure_jars() == libs  # shared
    assert count.read_text().count("x") == 1
    assert [p.name for p in libs.parent.iterdir()] == ["libs"]  # no temp dirs left


def test_ensure_jars_failed_fetch_leaves_no_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WIRE_KAFKA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", f"{tmp_path / 'bin'}{os.pathsep}{os.environ['PATH']}")
    _fake_mvn(tmp_path / "bin", _ARGS + 'touch "$out/half.jar"\necho "network down" >&2\nexit 1\n')
    with pytest.raises(LocalKafkaError, match="network down"):
        jars.ensure_jars("9.9.9")
    parent = tmp_path / "cache" / "9.9.9"
    assert list(parent.iterdir()) == []


def test_missing_tools_give_a_clear_error(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("WIRE_KAFKA_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))
    with pytest.raises(LocalKafkaError, match="`mvn` not found"):
        jars.ensure_jars("9.9.9")
    with pytest.raises(LocalKafkaError, match="`java` not found"):
        LocalKafka(tmp_path / "home").start()


@pytest.mark.kafka
async def test_session_fixture_gives_a_working_broker(kafka_bootstrap: str) -> None:
    name = f"wire.fixture-{os.getpid()}"
    await _create_topic(kafka_bootstrap, name, 2)
    assert (await _topics(kafka_bootstrap)).get(name) == 2
