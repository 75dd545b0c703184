"""bench/backends.py and the floors that take either backend: the plain driver on a
SQLite file and on PostgreSQL, the bench's own databases (generated once, copied,
dropped; on a shared server only under their own names), and floors that check what
they read (every event's hash rebuilt from the canonical bytes)."""

from __future__ import annotations

import json
import os
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.conftest import PG_URL

BENCH = Path(__file__).resolve().parent.parent / "bench"
sys.path.insert(0, str(BENCH))

import backends  # noqa: E402
import floors  # noqa: E402
import reads  # noqa: E402
import run  # noqa: E402
import tui_pty  # noqa: E402
import verify  # noqa: E402
from roster import run_json  # noqa: E402


def test_the_plain_driver_on_a_sqlite_file(tmp_path: Path) -> None:
    db = tmp_path / "t.db"
    with backends.Plain(db) as con:
        con.execute("CREATE TABLE township (id INTEGER PRIMARY KEY, name TEXT)")
        con.execute("INSERT INTO township VALUES (?, ?), (?, ?)", (1, "青山1镇", 2, "白水2镇"))
        assert con.one("SELECT name FROM township WHERE id = ?", (2,)) == ("白水2镇",)
        assert list(con.stream("SELECT id FROM township ORDER BY id")) == [(1,), (2,)]
        with pytest.raises(LookupError, match="no row"):
            con.one("SELECT name FROM township WHERE id = ?", (3,))
    with backends.Plain(db, read_only=True) as ro, pytest.raises(sqlite3.OperationalError):
        ro.execute("DELETE FROM township")


def test_urls_for_each_side() -> None:
    url = "postgresql://postgres@127.0.0.1:5432/workflow_bench_10"
    assert backends.is_pg(url) and not backends.is_pg(Path("/x/towns.db"))
    assert backends.sa_url(url) == "postgresql+psycopg://postgres@127.0.0.1:5432/workflow_bench_10"
    assert backends.libpq_url(backends.sa_url(url)) == url
    assert backends.sa_url(Path("/x/towns.db")) == "sqlite:////x/towns.db"
    assert backends.shown("postgresql://u:secret@h/d") == "postgresql://u:***@h/d"


def test_sqlite_files_are_built_once_and_scratch_copies_removed(tmp_path: Path) -> None:
    files = backends.SQLiteFiles(tmp_path)
    db = files.database(10)
    assert db.name == f"towns-10.{backends.GENERATION}.db"
    built = db.stat().st_mtime_ns
    assert backends.SQLiteFiles(tmp_path).database(10) == db and db.stat().st_mtime_ns == built
    copy, district, stage, town, held = run.bulk_district(files, 10, size=3)
    with backends.Plain(copy, read_only=True) as con:
        assert (
            con.one(
                "SELECT count(*) FROM township t JOIN district d ON d.id = t.district_id "
                "WHERE d.name = ? AND t.stage = ?",
                (district, stage),
            )[0]
            == held
        )
        assert 1 <= held <= 3 and con.one("SELECT stage FROM township WHERE id = ?", (int(town),)) == (stage,)
    assert verify.floor(copy) > 0  # every event's hash rebuilt and compared
    files.close()
    assert not Path(copy).exists() and db.exists()


@pytest.fixture
def server() -> Iterator[backends.PostgresServer]:
    """The bench's databases on the test server, under a prefix of this test run's own;
    every database of that prefix dropped afterwards."""
    if not PG_URL:
        pytest.skip("WORKFLOW_TEST_PG_URL is not set")
    import psycopg

    prefix = f"{backends.PREFIX}test{os.getpid()}_"
    yield backends.PostgresServer(PG_URL, prefix=prefix)
    with psycopg.connect(PG_URL, autocommit=True) as conn:
        names = [
            r[0]
            for r in conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{prefix}%",))
        ]
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def databases(server: backends.PostgresServer) -> set[str]:
    import psycopg

    with psycopg.connect(PG_URL, autocommit=True) as conn:
        rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s", (f"{server.prefix}%",))
        return {r[0] for r in rows}


def test_only_the_bench_s_own_databases_are_touched() -> None:
    with pytest.raises(ValueError, match="workflow_bench_"):
        backends.PostgresServer("postgresql://postgres@127.0.0.1/test", prefix="mine_")
    server = backends.PostgresServer("postgresql://postgres@127.0.0.1/test")
    with pytest.raises(ValueError, match=r"only databases named workflow_bench_\*"):
        server.url("test")
    with pytest.raises(ValueError, match=r"only databases named workflow_bench_\*"):
        server.drop("postgresql://postgres@127.0.0.1/test")


def test_postgresql_databases_are_generated_once_copied_from_a_template_and_dropped(
    server: backends.PostgresServer,
) -> None:
    url = server.database(10)
    assert url.endswith(f"/{server.prefix}10") and databases(server) == {f"{server.prefix}10"}
    with backends.Plain(url) as con:
        oid = con.one("SELECT oid FROM pg_database WHERE datname = current_database()")[0]
    # a second run finds it complete (its comment names the generator's version)
    again = backends.PostgresServer(PG_URL, prefix=server.prefix).database(10)
    with backends.Plain(again) as con:
        assert con.one("SELECT oid FROM pg_database WHERE datname = current_database()")[0] == oid
    copy = server.scratch(10, "x")
    assert databases(server) == {f"{server.prefix}10", f"{server.prefix}10_scratch_x"}
    with backends.Plain(copy) as con:
        con.execute("DELETE FROM fact")
    with backends.Plain(url, read_only=True) as con:
        assert con.one("SELECT count(*) FROM township") == (10,)
        assert con.one("SELECT count(*) FROM fact")[0] > 0  # the template is untouched
    # the floors read PostgreSQL with psycopg: the canonical bytes rebuilt from a date
    # column still hash to the stored hash, and the report's pass sees every township
    assert verify.floor(url) > 0
    assert run_json(reads.REPORT_FLOOR, url)["townships"] == 10
    server.close()
    assert databases(server) == {f"{server.prefix}10"}


def test_a_signed_in_process_and_the_floors_on_postgresql(
    server: backends.PostgresServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(run, "_RUN", [tmp_path])
    url = server.database(10)
    town = run.first_township(url)
    env = run.signed_in_env(url)
    assert env["WORKFLOW_DB"].startswith("postgresql+psycopg://")
    ours = subprocess.run(
        [sys.executable, "-m", "workflow", "status", town],
        env=env,
        capture_output=True,
        text=True,
        check=False,
    )
    assert ours.returncode == 0, ours.stderr
    assert town in ours.stdout
    floor = subprocess.run(
        [sys.executable, "-c", floors.STATUS, url, str(run.config_dir()), town],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    read = json.loads(floor.stdout)
    assert read["township"] == town and read["user"] == "bench"  # its session found by the token
    copy, district, stage, first, held = run.bulk_district(server, 10, size=3)
    assert 1 <= held <= 3 and str(copy).endswith("_scratch_bulk")
    dry, one = run.time_bulk_dry_run(copy, district, stage, first, 1)
    assert dry > 0 and one > 0


def test_the_bare_app_reads_postgresql_with_psycopg(server: backends.PostgresServer) -> None:
    url = server.database(10)
    # 10 townships all fit its first page: its paint, not a filter (the SQLite test has one)
    r = tui_pty.launch([sys.executable, str(BENCH / "bare_tui.py"), url], dict(os.environ), timeout=30)
    assert 0 < r.paint < 30 and r.filter is None
    assert r.hwm_kb > 10_000
