"""The Kafka jars for the local broker: fetched once per version with Maven, cached outside the repo.

Layout: ``<cache>/<version>/libs/*.jar`` where ``<cache>`` is ``$WIRE_KAFKA_CACHE`` or
``~/.cache/wirestream/kafka``. The cache is shared by every broker home. A fetch goes into a
temporary sibling directory that is renamed into place only when Maven succeeded, so a killed or
failed fetch never leaves a half-filled ``libs``.
"""

from __future__ import annotations

import logging
import os
import shutil
import subprocess
import tempfile
import time
from importlib import resources
from pathlib import Path

log = logging.getLogger(__name__)

DEFAULT_KAFKA_VERSION = "4.4.0"
_TMP_PREFIX = "libs.tmp-"


class LocalKafkaError(RuntimeError):
    """The local broker could not be fetched, started or stopped."""


def cache_root() -> Path:
    env = os.environ.get("WIRE_KAFKA_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "wirestream" / "kafka"


def libs_dir(version: str) -> Path:
    return cache_root() / version / "libs"


def require_tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        hint = {
            "java": "a Java 17+ runtime (e.g. apt-get install openjdk-17-jre-headless)",
            "mvn": "Apache Maven (e.g. apt-get install maven); it fetches the Kafka jars once",
        }.get(name, name)
        raise LocalKafkaError(f"`{name}` not found on PATH: the local Kafka broker needs {hint}")
    return path


def _is_complete(libs: Path, version: str) -> bool:
    return (libs / f"kafka_2.13-{version}.jar").is_file()


def _remove_stale_tmp(parent: Path) -> None:
    """Drop temporary fetch directories left by fetches whose process is gone."""
    for tmp in parent.glob(_TMP_PREFIX + "*"):
        pid = tmp.name[len(_TMP_PREFIX):].split("-", 1)[0]
        if pid.isdigit() and not Path(f"/proc/{pid}").exists():
            shutil.rmtree(tmp, ignore_errors=True)


def ensure_jars(version: str = DEFAULT_KAFKA_VERSION) -> Path:
    """Return the cached libs directory for ``version``, fetching it with Maven when missing."""
    libs = libs_dir(version)
    if _is_complete(libs, version):
        return libs
    mvn = require_tool("mvn")
    parent = libs.parent
    parent.mkdir(parents=True, exist_ok=True)
    _remove_stale_tmp(parent)
    tmp = Path(tempfile.mkdtemp(prefix=f"{_TMP_PREFIX}{os.getpid()}-", dir=parent))
    try:
        with resources.as_file(resources.files(__package__) / "pom.xml") as pom:
            cmd = [
                mvn, "-q", "-B", "-f", str(pom), "dependency:copy-dependencies",
                f"-Dkafka.version={version}", f"-DoutputDirectory={tmp}",
            ]
            log.info("fetching Kafka %s jars into %s", version, libs)
            t0 = time.monotonic()
            proc = subprocess.run(cmd, stdin=subprocess.DEVNULL, capture_output=True, text=True)
        if proc.returncode != 0 or not _is_complete(tmp, version):
            out = (proc.stdout + proc.stderr).strip()[-3000:]
            raise LocalKafkaError(
                f"fetching Kafka {version} jars with Maven failed (exit {proc.returncode}):\n{out}"
            )
        if libs.exists() and not _is_complete(libs, version):
            shutil.rmtree(libs)  # a broken cache (e.g. emptied by hand): replace it
        try:
            os.rename(tmp, libs)
        except OSError:
            if not _is_complete(libs, version):  # not a concurrent fetch that won the race
                raise
        log.info("fetched Kafka %s jars in %.1f s", version, time.monotonic() - t0)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    return libs
