"""``workflow serve``: loopback only unless --allow-remote (which warns that
textual-serve has no TLS), and a port in use is a clear exit-2 error."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time

import pytest

from workflow.cli.main import main
from workflow.cli.tui import is_loopback


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_loopback_addresses() -> None:
    assert all(is_loopback(h) for h in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))
    assert not any(is_loopback(h) for h in ("0.0.0.0", "::", "192.168.1.10", "example.org"))


@pytest.mark.parametrize("host", ["0.0.0.0", "::", "192.168.1.10"])
def test_a_non_loopback_host_without_allow_remote_exits_2(
    host: str, demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["--db", demo_url, "--lang", "en", "serve", "--host", host, "--port", str(free_port())]) == 2
    err = capsys.readouterr().err
    assert f"refusing to serve on {host}" in err and "--allow-remote" in err and "TLS" in err


def test_a_port_in_use_exits_2(demo_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["--db", demo_url, "--lang", "en", "serve", "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert f"cannot listen on 127.0.0.1:{port}" in err and "port in use" in err
    assert "internal error" not in err


def test_allow_remote_warns_that_there_is_no_tls(demo_url: str) -> None:
    port = free_port()
    env = {**os.environ, "WORKFLOW_LANG": "en"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "workflow",
            "--db",
            demo_url,
            "serve",
            "--host",
            "0.0.0.0",
            "--allow-remote",
            "--port",
            str(port),
        ],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    )
    try:
        deadline = time.monotonic() + 30
        up = False
        while time.monotonic() < deadline and not up:
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=1):
                    up = True
            except OSError:
                time.sleep(0.2)
        assert up
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=10)
    assert "textual-serve has no TLS" in err and "TLS (https) reverse proxy" in err
