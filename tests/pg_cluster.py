"""A PostgreSQL cluster of a test's own, on a private port and socket folder, so that a
test may stop, start and restart a server without touching the shared one. Skipped
where initdb / pg_ctl are missing. As root, the server runs as the ``postgres`` user
(PostgreSQL refuses to run as root)."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest


def _tool(name: str) -> str | None:
    found = shutil.which(name)
    if found:
        return found
    for base in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (base / name).exists():
            return str(base / name)
    return None


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Cluster:
    """One private cluster: ``url`` (with a password in it, to check masking), ``stop``,
    ``start``, ``restart``."""

    def __init__(self, folder: Path, port: int, as_postgres: bool) -> None:
        self.folder = folder
        self.data = folder / "data"
        self.port = port
        self.as_postgres = as_postgres
        self.url = f"postgresql+psycopg://postgres:s3cret-pw@127.0.0.1:{port}/postgres"

    def _run(self, *args: str) -> subprocess.CompletedProcess[str]:
        cmd = list(args)
        if self.as_postgres:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)

    def init(self) -> None:
        initdb = _tool("initdb")
        assert initdb
        r = self._run(initdb, "-D", str(self.data), "-A", "trust", "-U", "postgres", "--no-sync")
        if r.returncode != 0:
            pytest.skip(f"initdb failed: {r.stderr.strip()[:200]}")

    def start(self) -> None:
        pg_ctl = _tool("pg_ctl")
        assert pg_ctl
        opts = f"-p {self.port} -k {self.folder} -c listen_addresses=127.0.0.1 -c fsync=off"
        r = self._run(pg_ctl, "-D", str(self.data), "-o", opts, "-l", str(self.folder / "log"), "-w", "start")
        if r.returncode != 0:
            pytest.skip(f"pg_ctl start failed: {r.stderr.strip()[:200]}")

    def stop(self) -> None:
        pg_ctl = _tool("pg_ctl")
        assert pg_ctl
        self._run(pg_ctl, "-D", str(self.data), "-m", "fast", "-w", "stop")


@pytest.fixture
def private_pg() -> Iterator[Cluster]:
    """A running private cluster, removed after the test."""
    if not (_tool("initdb") and _tool("pg_ctl")):
        pytest.skip("initdb / pg_ctl are not available")
    as_postgres = os.geteuid() == 0
    if as_postgres and not shutil.which("runuser"):
        pytest.skip("running as root without runuser")
    folder = Path(tempfile.mkdtemp(prefix="wf-pg-"))
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder, _free_port(), as_postgres)
    try:
        cluster.init()
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
        shutil.rmtree(folder, ignore_errors=True)
