"""LocalKafka: one real Apache Kafka broker (KRaft, broker+controller in one JVM) on 127.0.0.1.

State lives in ``home``: ``server.properties``, ``data/`` (log.dirs, formatted once and reused),
``kafka.log`` (the JVM's stdout/stderr; the previous one is kept as ``kafka.log.1``),
``kafka.pid`` and ``bootstrap``. The jars are shared by all homes (see :mod:`.jars`).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import fcntl
import logging
import os
import subprocess
import time
from collections.abc import Iterator, Mapping
from importlib import resources
from pathlib import Path

from . import config, proc
from .jars import DEFAULT_KAFKA_VERSION, LocalKafkaError, ensure_jars, require_tool

log = logging.getLogger(__name__)

JAVA_OPTS = ("-Xmx512m", "-Djava.awt.headless=true", "-XX:+ExitOnOutOfMemoryError")


def default_home() -> Path:
    """``$WIRE_HOME/kafka``, or ``~/.cache/wirestream/run/kafka``."""
    base = os.environ.get("WIRE_HOME")
    root = Path(base).expanduser() if base else Path.home() / ".cache" / "wirestream" / "run"
    return root / "kafka"


class LocalKafka:
    def __init__(
        self,
        home: Path | str,
        kafka_version: str | None = None,
        *,
        overrides: Mapping[str, str] | None = None,
    ) -> None:
        self.home = Path(home).expanduser().resolve()
        self.kafka_version = kafka_version or DEFAULT_KAFKA_VERSION
        self.overrides = dict(overrides or {})
        self._proc: subprocess.Popen | None = None

    # -- files in home ---------------------------------------------------------------------
    @property
    def pidfile(self) -> Path:
        return self.home / "kafka.pid"

    @property
    def logfile(self) -> Path:
        return self.home / "kafka.log"

    @property
    def data_dir(self) -> Path:
        return self.home / "data"

    def _bootstrap_file(self) -> Path:
        return self.home / "bootstrap"

    def _read_bootstrap(self) -> str | None:
        try:
            return self._bootstrap_file().read_text().strip() or None
        except FileNotFoundError:
            return None

    def _forget(self) -> None:
        self.pidfile.unlink(missing_ok=True)
        self._bootstrap_file().unlink(missing_ok=True)

    @contextlib.contextmanager
    def _lock(self) -> Iterator[None]:
        """Serialise start/stop on one home across processes."""
        self.home.mkdir(parents=True, exist_ok=True)
        with open(self.home / ".lock", "w") as fh:
            fcntl.flock(fh, fcntl.LOCK_EX)
            yield

    # -- public API ------------------------------------------------------------------------
    @property
    def pid(self) -> int | None:
        """Pid of this home's running broker JVM, else None."""
        pid = proc.read_pid(self.pidfile)
        return pid if pid is not None and proc.is_our_broker(pid, self.home) else None

    def ensure_jars(self) -> Path:
        return ensure_jars(self.kafka_version)

    def status(self) -> str | None:
        """The bootstrap address if this home's broker runs and accepts connections, else None."""
        bootstrap = self._read_bootstrap()
        if self.pid is None or bootstrap is None:
            return None
        host, port = bootstrap.rsplit(":", 1)
        return bootstrap if proc.port_open(host, int(port)) else None

    def start(self, timeout: float = 60.0) -> str:
        """Start the broker (or find it running) and return ``127.0.0.1:PORT`` once it answers
        a metadata request. ``timeout`` bounds the wait after launch; fetching jars (first use
        of a version) and formatting storage (first start of a home) come on top."""
        with self._lock():
            pid, bootstrap = self.pid, self._read_bootstrap()
            if pid is not None and bootstrap is not None:
                self._wait_ready(bootstrap, pid, time.monotonic() + timeout)
                log.info("Kafka broker already running: pid %d at %s", pid, bootstrap)
                return bootstrap
            if pid is not None:  # ours but no bootstrap file: cannot tell its port
                self._terminate(pid, 30.0)
            self._forget()
            return self._launch(timeout)

    def stop(self, timeout: float = 30.0) -> bool:
        """SIGTERM the broker named by the pidfile, SIGKILL after ``timeout``. Idempotent.

        A pid that is not this home's ``kafka.Kafka`` JVM is never signalled. Returns True if a
        running broker was stopped."""
        if not self.home.is_dir():
            return False
        with self._lock():
            pid = proc.read_pid(self.pidfile)
            stopped = False
            if pid is not None and proc.is_our_broker(pid, self.home):
                self._terminate(pid, timeout)
                stopped = True
            elif pid is not None and proc.is_alive(pid):
                log.warning("%s names pid %d, which is not this home's broker: not signalling it",
                            self.pidfile, pid)
            self._forget()
            return stopped

    def kill(self) -> bool:
        """SIGKILL the broker, as a crash would; pidfile and bootstrap stay (stale)."""
        pid = self.pid
        if pid is None:
            return False
        proc.signal_and_wait(pid, proc.KILL, 10.0)
        self._reap()
        return True

    # -- internals -------------------------------------------------------------------------
    def _terminate(self, pid: int, timeout: float) -> None:
        t0 = time.monotonic()
        if not proc.signal_and_wait(pid, proc.TERM, timeout):
            log.warning("Kafka broker pid %d ignored SIGTERM for %.0f s: SIGKILL", pid, timeout)
            if not proc.signal_and_wait(pid, proc.KILL, 10.0):
                raise LocalKafkaError(f"Kafka broker pid {pid} survived SIGKILL")
        self._reap()
        log.info("stopped Kafka broker pid %d in %.1f s", pid, time.monotonic() - t0)

    def _reap(self) -> None:
        if self._proc is not None:
            with contextlib.suppress(subprocess.TimeoutExpired):
                self._proc.wait(timeout=1.0)
            self._proc = None

    def _write_resource(self, name: str) -> Path:
        path = self.home / name
        path.write_text((resources.files(__package__) / name).read_text())
        return path

    def _ports(self) -> tuple[int, int]:
        """Reuse the previous ports when still free (stable bootstrap across restarts)."""
        try:
            old = config.parse((self.home / "server.properties").read_text())
            ports = tuple(int(a.rsplit(":", 1)[1]) for a in old["listeners"].split(","))
            if len(ports) == 2 and all(config.port_is_free(p) for p in ports):
                return ports  # type: ignore[return-value]
        except (FileNotFoundError, KeyError, ValueError, IndexError):
            pass
        broker = config.free_port()
        controller = config.free_port()
        while controller == broker:
            controller = config.free_port()
        return broker, controller

    def _java(self, java: str, libs: Path, log4j: Path, *args: str) -> list[str]:
        return [java, *JAVA_OPTS, f"-Dlog4j2.configurationFile={log4j}",
                "-cp", f"{libs}/*", *args]

    def _format(self, java: str, libs: Path, props_file: Path) -> None:
        tools_log4j = self._write_resource("log4j2-tools.xml")
        cid = config.random_cluster_id()
        cmd = self._java(java, libs, tools_log4j, "kafka.tools.StorageTool",
                         "format", "--standalone", "-t", cid, "-c", str(props_file))
        t0 = time.monotonic()
        res = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True,
                             cwd=self.home)
        if res.returncode != 0:
            raise LocalKafkaError(
                f"formatting Kafka storage in {self.data_dir} failed (exit {res.returncode}):\n"
                f"{(res.stdout + res.stderr).strip()[-3000:]}")
        log.info("formatted Kafka storage (cluster %s) in %.1f s", cid, time.monotonic() - t0)

    def _launch(self, timeout: float) -> str:
        java = require_tool("java")
        libs = self.ensure_jars()
        broker_port, controller_port = self._ports()
        props = config.server_properties(self.data_dir, broker_port, controller_port,
                                         self.overrides)
        props_file = self.home / "server.properties"
        props_file.write_text(config.render(props))
        if not (self.data_dir / "meta.properties").exists():
            self._format(java, libs, props_file)
        broker_log4j = self._write_resource("log4j2-broker.xml")
        if self.logfile.exists():
            self.logfile.replace(self.home / "kafka.log.1")
        cmd = self._java(java, libs, broker_log4j, "kafka.Kafka", str(props_file))
        bootstrap = f"{config.HOST}:{broker_port}"
        t0 = time.monotonic()
        with open(self.logfile, "ab") as out:
            self._proc = subprocess.Popen(cmd, cwd=self.home, stdin=subprocess.DEVNULL,
                                          stdout=out, stderr=subprocess.STDOUT,
                                          start_new_session=True)
        pid = self._proc.pid
        self.pidfile.write_text(f"{pid}\n")
        self._bootstrap_file().write_text(bootstrap + "\n")
        try:
            self._wait_ready(bootstrap, pid, t0 + timeout)
        except BaseException:
            if proc.is_alive(pid):
                proc.signal_and_wait(pid, proc.KILL, 10.0)
            self._reap()
            self._forget()
            raise
        log.info("started Kafka %s broker pid %d at %s in %.1f s",
                 self.kafka_version, pid, bootstrap, time.monotonic() - t0)
        return bootstrap

    def _died(self, pid: int) -> bool:
        if self._proc is not None and self._proc.pid == pid:
            return self._proc.poll() is not None
        return not proc.is_alive(pid)

    def _log_tail(self, lines: int = 40) -> str:
        """The first ERROR line of kafka.log (usually the cause), then its last lines."""
        try:
            all_lines = self.logfile.read_text(errors="replace").splitlines()
        except FileNotFoundError:
            return "(no kafka.log)"
        first_error = next((ln for ln in all_lines if " ERROR " in ln or " FATAL " in ln), None)
        head = f"first error: {first_error}\n...\n" if first_error else ""
        return head + "\n".join(all_lines[-lines:])

    def _wait_ready(self, bootstrap: str, pid: int, deadline: float) -> None:
        host, port = bootstrap.rsplit(":", 1)
        while True:
            if self._died(pid):
                raise LocalKafkaError(
                    f"Kafka broker pid {pid} exited during start; tail of {self.logfile}:\n"
                    f"{self._log_tail()}")
            left = deadline - time.monotonic()
            if left <= 0:
                raise LocalKafkaError(
                    f"Kafka broker pid {pid} did not answer a metadata request at {bootstrap} "
                    f"in time; tail of {self.logfile}:\n{self._log_tail()}")
            if proc.port_open(host, int(port)) and _run(_answers_metadata(bootstrap, min(left, 2.0))):
                return
            time.sleep(0.1)


async def _answers_metadata(bootstrap: str, timeout: float) -> bool:
    """True once the broker lists itself in a metadata response."""
    from aiokafka.client import AIOKafkaClient
    from aiokafka.errors import KafkaError

    client = AIOKafkaClient(bootstrap_servers=bootstrap,
                            request_timeout_ms=max(int(timeout * 1000), 500))
    try:
        async with asyncio.timeout(timeout):
            await client.bootstrap()
            metadata = await client.fetch_all_metadata()
            return bool(metadata.brokers())
    except (KafkaError, OSError, TimeoutError):
        return False
    finally:
        await client.close()


def _run(coro):
    """asyncio.run, also from a thread that already runs an event loop (e.g. an async test)."""
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()
