"""Faults reach people as clear messages with their own exit code (7: the database is
unavailable; 2: bad input), never as an internal error, a traceback or a password, and
change nothing. SQLite cases on files the tests damage, lock or put on full or
read-only storage; PostgreSQL cases on a cluster of the test's own (tests/pg_cluster.py)."""

from __future__ import annotations

import contextlib
import datetime as dt
import shutil
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from tests.conftest import TODAY, make_service, sign_in
from tests.pg_cluster import Cluster
from tests.pg_cluster import private_pg as private_pg  # a fixture
from workflow.app.service import BulkInterrupted, Service
from workflow.cli.main import main
from workflow.errors import Conflict, Unavailable
from workflow.store import migrate
from workflow.store.db import open_engine
from workflow.store.errors import mask, translate

SECRET = "s3cret-pw"


def cli(capsys: pytest.CaptureFixture[str], *args: str, lang: str = "en") -> tuple[int, str]:
    """Run the CLI in this process; its exit code and everything it printed."""
    code = main(["--lang", lang, *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def no_leak(output: str) -> None:
    assert "Traceback" not in output
    assert "internal error" not in output and "内部错误" not in output
    assert SECRET not in output


def dump(path: Path) -> list[str]:
    """Every row of every table (read as an immutable file: no lock, nothing written)."""
    conn = sqlite3.connect(f"file:{path}?mode=ro&immutable=1", uri=True)
    try:
        return list(conn.iterdump())
    finally:
        conn.close()


def make_db(path: Path) -> Path:
    svc = make_service(f"sqlite:///{path}")
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区", since="2021-04-01")
    svc.add_township("西山镇", "某区", since="2021-04-01")
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"}, on="2021-04-12")
    svc.engine.dispose()
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    path = make_db(tmp_path / "w.db")
    sign_in(str(path), "admin")  # before any fault: the session is this machine's
    return path


@contextlib.contextmanager
def mounted(folder: Path, size: str = "64k") -> Iterator[Path]:
    """A small tmpfs at ``folder`` (skips where mounting is not allowed)."""
    folder.mkdir(parents=True, exist_ok=True)
    r = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={size}", "tmpfs", str(folder)], capture_output=True
    )
    if r.returncode != 0:
        pytest.skip("cannot mount a tmpfs here")
    try:
        yield folder
    finally:
        subprocess.run(["umount", "-l", str(folder)], capture_output=True)


def remount_read_only(folder: Path) -> None:
    subprocess.run(["mount", "-o", "remount,ro", str(folder)], check=True)


# ---------------------------------------------------------------- the mapping itself


def test_mask_hides_passwords_in_urls_and_settings() -> None:
    assert mask(f"postgresql+psycopg://app:{SECRET}@db:5432/x") == "postgresql+psycopg://app:***@db:5432/x"
    assert SECRET not in mask(f"host=db password={SECRET} user=app")
    assert mask("sqlite:////tmp/w.db") == "sqlite:////tmp/w.db"


def test_an_unknown_driver_error_is_still_exit_7_and_masked() -> None:
    err = sqlite3.OperationalError(f"something odd at postgresql://u:{SECRET}@h/x")
    mapped = translate(err, "sqlite:////tmp/w.db")
    assert isinstance(mapped, Unavailable) and mapped.exit_code == 7
    assert SECRET not in mapped.text.en and SECRET not in mapped.text.zh


# ---------------------------------------------------------------- a held write lock


BUSY_COMMANDS = [
    ("record", "东湖镇", "consultation", "forms_issued=10", "suggestions=2", "meeting_date=2021-04-14"),
    ("violation", "open", "东湖镇", "--note", "拉票举报"),
    ("township", "add", "南岭镇", "--district", "某区"),
    ("advance", "东湖镇", "--on", "2021-04-13"),
    ("import", "东湖镇", "delegates", "{roster}"),
]


@pytest.mark.parametrize("args", BUSY_COMMANDS, ids=lambda a: a[0])
def test_a_held_write_lock_is_exit_7_and_changes_nothing(
    db: Path,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
    args: tuple[str, ...],
) -> None:
    roster = tmp_path / "delegates.csv"
    roster.write_text(
        "name,gender,birth_date,category,nominated_by,review,elected\n"
        "张三,男,1980-01-02,frontline,organisation,passed,yes\n"
    )
    monkeypatch.setenv("WORKFLOW_BUSY_TIMEOUT", "0.3")
    before = dump(db)
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")  # another change holds the write lock
    try:
        filled = [a.replace("{roster}", str(roster)) for a in args]
        code, out = cli(capsys, "--db", str(db), *filled)
        assert code == 7, out
        assert "is busy" in out and "nothing was changed" in out and str(db) in out
        no_leak(out)
        code, out = cli(capsys, "--db", str(db), *filled, lang="zh")
        assert code == 7 and "正忙" in out and "未做任何更改" in out
    finally:
        holder.rollback()
        holder.close()
    assert dump(db) == before


# ---------------------------------------------------------------- damaged files


def test_a_truncated_database_is_exit_7_naming_the_file(db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    size = db.stat().st_size
    with db.open("r+b") as f:
        f.truncate(size // 2)
    for args in (("status", "东湖镇"), ("history", "东湖镇"), ("audit", "verify"), ("advance", "东湖镇")):
        code, out = cli(capsys, "--db", str(db), *args)
        assert code == 7, (args, out)
        assert "damaged" in out and str(db) in out and "workflow restore" in out
        no_leak(out)


def test_undecodable_bytes_in_the_log_are_exit_7_and_not_echoed(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    conn = sqlite3.connect(db)
    names = [r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'")]
    for name in names:
        conn.execute(f'DROP TRIGGER "{name}"')
    conn.execute(
        "UPDATE event SET prev_hash = CAST(x'ff41fe1b5b324b' AS TEXT) WHERE seq = 2 AND chain != 'system'"
    )
    conn.commit()
    conn.close()
    code, out = cli(capsys, "--db", str(db), "history", "东湖镇")
    assert code == 7 and "damaged" in out
    assert "\x1b" not in out and "\ufffd" not in out and "decode" not in out
    no_leak(out)


def test_a_file_that_is_not_sqlite_is_exit_7(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    notes = tmp_path / "notes.db"
    notes.write_text("这不是数据库\n" * 100)
    before = notes.read_bytes()
    code, out = cli(capsys, "--db", str(notes), "status", "东湖镇")
    assert code == 7 and "is not a workflow database" in out and str(notes) in out
    no_leak(out)
    code, out = cli(capsys, "--db", str(notes), "status", "东湖镇", lang="zh")
    assert code == 7 and "不是 workflow 数据库" in out
    assert notes.read_bytes() == before


# ---------------------------------------------------------------- full and read-only storage


def test_backup_to_a_full_disk_leaves_nothing_and_a_retry_works(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with mounted(tmp_path / "small", "16k") as small:
        code, out = cli(capsys, "--db", str(db), "backup", str(small / "b.db"))
        assert code == 7 and "full" in out and str(small / "b.db") in out
        no_leak(out)
        assert list(small.iterdir()) == []
    code, out = cli(capsys, "--db", str(db), "backup", str(tmp_path / "b.db"))
    assert code == 0, out
    assert dump(tmp_path / "b.db") == dump(db)


def test_backup_to_read_only_storage_names_the_folder(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with mounted(tmp_path / "ro") as ro:
        remount_read_only(ro)
        code, out = cli(capsys, "--db", str(db), "backup", str(ro / "b.db"))
        assert code == 2 and "cannot write to the folder" in out and str(ro) in out
        no_leak(out)


def test_export_to_a_full_disk_is_exit_7_naming_the_file(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = cli(capsys, "--db", str(db), "export", "timeline", "--format", "csv", "-o", "/dev/full")
    assert code == 7 and "/dev/full" in out and "disk is full" in out
    no_leak(out)


def test_an_export_into_a_full_folder_leaves_no_partial_file(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with mounted(tmp_path / "small", "4k") as small:
        code, out = cli(capsys, "--db", str(db), "export", "history", "东湖镇", "-o", str(small / "h.json"))
        if code == 0:  # the history fitted: fill the rest of the disk and try again
            (small / "h.json").unlink()
            (small / "filler").write_bytes(b"x" * 4096)
            code, out = cli(
                capsys, "--db", str(db), "export", "history", "东湖镇", "-o", str(small / "h.json")
            )
        assert code == 7 and "disk is full" in out
        no_leak(out)
        assert [p.name for p in small.iterdir()] in ([], ["filler"])


def test_db_upgrade_on_a_read_only_file_is_exit_7(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    migrate.downgrade(open_engine(str(db)), "0002")
    with mounted(tmp_path / "ro", "1m") as ro:
        shutil.copy(db, ro / "w.db")
        remount_read_only(ro)
        before = dump(ro / "w.db")
        code, out = cli(capsys, "--db", str(ro / "w.db"), "db", "upgrade")
        assert code == 7 and "read-only" in out
        no_leak(out)
        assert dump(ro / "w.db") == before


def test_an_auditor_reads_a_copy_on_read_only_media(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    with mounted(tmp_path / "cd", "1m") as cd:
        shutil.copy(db, cd / "w.db")
        remount_read_only(cd)
        copy = str(cd / "w.db")
        code, out = cli(capsys, "--db", copy, "--read-only", "status", "东湖镇")
        assert code == 0 and "东湖镇" in out
        code, out = cli(capsys, "--db", copy, "--read-only", "audit", "verify")
        assert code == 0, out
        code, out = cli(capsys, "--db", copy, "--read-only", "history", "东湖镇")
        assert code == 0, out
        code, out = cli(capsys, "--db", copy, "--read-only", "advance", "东湖镇", "--on", "2021-04-13")
        assert code == 7 and "read-only" in out
        no_leak(out)
        assert sorted(p.name for p in cd.iterdir()) == ["w.db"]


# ---------------------------------------------------------------- old schemas


def test_init_never_migrates_and_exports_refuse_an_old_schema(
    db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    engine = open_engine(str(db))
    migrate.downgrade(engine, "0002")
    before = dump(db)
    code, out = cli(capsys, "--db", str(db), "init")
    assert code == 2 and "db upgrade" in out
    code, out = cli(capsys, "--db", str(db), "export", "timeline", "--format", "csv", "-o", "-")
    assert code == 2 and "db upgrade" in out
    assert migrate.current(engine) == "0002"
    assert dump(db) == before
    engine.dispose()


# ---------------------------------------------------------------- restore


def event_count(path: Path) -> int:
    conn = sqlite3.connect(path)
    try:
        return int(conn.execute("SELECT count(*) FROM event").fetchone()[0])
    finally:
        conn.close()


def test_restore_an_older_backup_over_a_stale_write_ahead_log(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "b.db"
    assert cli(capsys, "--db", str(db), "backup", str(backup))[0] == 0
    kept = event_count(backup)
    # Later changes, whose write-ahead log is then left behind beside the file.
    conn = sqlite3.connect(db)
    conn.execute("PRAGMA wal_autocheckpoint = 0")
    conn.execute("SELECT 1").fetchall()
    svc = make_service(f"sqlite:///{db}")
    svc.advance("东湖镇", on="2021-04-13")
    shutil.copy(f"{db}-wal", tmp_path / "stale-wal")
    svc.engine.dispose()
    conn.close()
    shutil.copy(tmp_path / "stale-wal", f"{db}-wal")
    assert event_count(db) > kept

    code, out = cli(capsys, "--db", str(db), "restore", str(backup))
    assert code == 0, out
    assert not Path(f"{db}-wal").exists() or Path(f"{db}-wal").stat().st_size == 0
    assert event_count(db) == kept
    code, out = cli(capsys, "--db", str(db), "audit", "verify")
    assert code == 0, out


def test_restore_puts_a_backup_in_place_of_a_damaged_database(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "b.db"
    assert cli(capsys, "--db", str(db), "backup", str(backup))[0] == 0
    with db.open("r+b") as f:
        f.truncate(db.stat().st_size // 2)
    assert cli(capsys, "--db", str(db), "status", "东湖镇")[0] == 7
    code, out = cli(capsys, "--db", str(db), "restore", str(backup))
    assert code == 0, out
    code, out = cli(capsys, "--db", str(db), "audit", "verify")
    assert code == 0, out


def test_restore_refuses_a_damaged_backup_and_changes_nothing(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "b.db"
    assert cli(capsys, "--db", str(db), "backup", str(backup))[0] == 0
    with backup.open("r+b") as f:
        f.seek(4096)
        f.write(b"\x00garbage" * 200)
    before = dump(db)
    code, out = cli(capsys, "--db", str(db), "restore", str(backup))
    assert code == 7 and "damaged" in out and str(backup) in out
    no_leak(out)
    assert dump(db) == before


def test_restore_refuses_while_another_process_has_the_database_open(
    db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    backup = tmp_path / "b.db"
    assert cli(capsys, "--db", str(db), "backup", str(backup))[0] == 0
    other = subprocess.Popen(
        [
            sys.executable,
            "-c",
            f"import sqlite3, time; c = sqlite3.connect({str(db)!r}); c.execute('select 1'); print('open', flush=True); time.sleep(30)",
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert other.stdout is not None and other.stdout.readline().strip() == "open"
        code, out = cli(capsys, "--db", str(db), "restore", str(backup))
        assert code == 7 and str(other.pid) in out
    finally:
        other.kill()
        other.wait()


def test_restore_is_for_admins(db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    svc = make_service(f"sqlite:///{db}")
    svc.add_user("王审计", "auditor")
    svc.engine.dispose()
    backup = tmp_path / "b.db"
    sign_in(str(db), "王审计")
    assert cli(capsys, "--db", str(db), "backup", str(backup))[0] == 0
    code, out = cli(capsys, "--db", str(db), "restore", str(backup))
    assert code == 4, out


# ---------------------------------------------------------------- passwords and tracebacks


def test_an_unreachable_server_is_exit_7_with_the_password_masked(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    url = f"postgresql://app:{SECRET}@127.0.0.1:9/nowhere"
    code, out = cli(capsys, "--db", url, "status", "东湖镇")
    assert code == 7 and "cannot reach the database" in out and "app:***@127.0.0.1:9" in out
    no_leak(out)
    code, out = cli(capsys, "--db", url, "status", "东湖镇", lang="zh")
    assert code == 7 and "无法连接数据库" in out
    monkeypatch.setenv("WORKFLOW_DEBUG", "1")
    code, out = cli(capsys, "--db", url, "status", "东湖镇")
    assert code == 7 and "Traceback" in out and SECRET not in out


# ---------------------------------------------------------------- PostgreSQL, a server of our own


def pg_service(cluster: Cluster, clock: Callable[[], str] | None = None) -> Service:
    if clock is None:
        return Service(open_engine(cluster.url), "admin", today=lambda: TODAY)
    return Service(open_engine(cluster.url), "admin", today=lambda: TODAY, clock=clock)


def seed_pg(cluster: Cluster, townships: int) -> list[str]:
    svc = pg_service(cluster)
    svc.init()
    svc.add_district("某区")
    names = [f"镇{i:02d}" for i in range(townships)]
    for name in names:
        svc.add_township(name, "某区", since="2021-04-01")
        svc.record(name, "draft", {"title": "工作报告", "date": "2021-04-12"}, on="2021-04-12")
    svc.engine.dispose()
    return names


def test_pg_a_stopped_server_is_exit_7_and_a_restart_is_picked_up(
    private_pg: Cluster,
    capsys: pytest.CaptureFixture[str],
) -> None:
    seed_pg(private_pg, 1)
    svc = pg_service(private_pg)
    assert svc.status("镇00").township == "镇00"
    private_pg.stop()
    with pytest.raises(Unavailable) as failed:
        svc.status("镇00")
    assert failed.value.kind == "unreachable" and SECRET not in failed.value.text.en
    code, out = cli(capsys, "--db", private_pg.url, "status", "镇00")
    assert code == 7 and "postgres:***@" in out
    no_leak(out)
    private_pg.start()
    assert svc.status("镇00").township == "镇00"  # the same long-lived service, no error first
    svc.engine.dispose()


def test_pg_a_terminated_backend_is_replaced_quietly(
    private_pg: Cluster,
    capfd: pytest.CaptureFixture[str],
) -> None:
    seed_pg(private_pg, 1)
    svc = pg_service(private_pg)
    svc.status("镇00")
    admin = create_engine(private_pg.url)
    with admin.begin() as conn:
        conn.execute(
            text(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE pid <> pg_backend_pid() AND datname = 'postgres'"
            )
        )
    admin.dispose()
    assert svc.status("镇00").township == "镇00"
    svc.advance("镇00", on="2021-04-13")
    svc.engine.dispose()
    err = capfd.readouterr().err
    assert "Exception during reset" not in err and "Traceback" not in err


def test_pg_bulk_advance_stopped_part_way_reports_each_township(private_pg: Cluster) -> None:
    names = seed_pg(private_pg, 8)
    calls = 0

    def clock() -> str:  # the server goes away during the fourth township's change
        nonlocal calls
        calls += 1
        if calls == 4:
            private_pg.stop()
        return dt.datetime.now(dt.UTC).isoformat()

    svc = pg_service(private_pg, clock)
    with pytest.raises(BulkInterrupted) as stopped:
        svc.bulk_advance("某区", "draft_report", on="2021-04-13")
    e = stopped.value
    assert e.exit_code == 7
    assert [o.outcome for o in e.outcomes] == ["advanced"] * 3 + ["unavailable"] + ["not_tried"] * 4
    assert [o.township for o in e.outcomes] == names
    svc.engine.dispose()
    private_pg.start()
    check = pg_service(private_pg)
    stages = [check.status(n).stage for n in names]
    assert stages == ["lower_consultation"] * 3 + ["draft_report"] * 5
    assert check.verify().ok
    check.engine.dispose()


# ---------------------------------------------------------------- PostgreSQL, concurrent changes


def test_a_change_without_expect_version_waits_for_a_concurrent_one(db_url: str) -> None:
    """PostgreSQL locks the township row (FOR UPDATE) before reading its version, so an
    advance that did not name a version waits for a record in progress, then goes on."""
    base = make_service(db_url)
    base.init()
    base.add_district("某区")
    base.add_township("东湖镇", "某区", since="2021-04-01")
    started = threading.Event()

    def slow_clock() -> str:  # the record holds its transaction open for a while
        started.set()
        time.sleep(1.0)
        return dt.datetime.now(dt.UTC).isoformat()

    slow = Service(base.engine, "admin", today=lambda: TODAY, clock=slow_clock)
    errors: list[BaseException] = []

    def record() -> None:
        try:
            slow.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"}, on="2021-04-12")
        except BaseException as e:
            errors.append(e)

    t = threading.Thread(target=record)
    t.start()
    assert started.wait(10)
    try:
        result = base.advance("东湖镇", on="2021-04-13")
    except Conflict as e:  # what READ COMMITTED without a row lock gave
        pytest.fail(f"the advance did not wait: {e}")
    finally:
        t.join()
    assert errors == []
    assert result.to_stage == "lower_consultation"
    assert base.status("东湖镇").version == 3
    base.engine.dispose()


# ---------------------------------------------------------------- the TUI when the server goes away


def visible(app: object) -> str:
    """The text on the app's screen (its SVG screenshot without the markup)."""
    import html
    import re

    from textual.app import App

    assert isinstance(app, App)
    return html.unescape(re.sub(r"<[^>]+>", "", app.export_screenshot())).replace("\xa0", " ")


def test_pg_the_dashboard_shows_one_dialog_when_the_server_goes_away_and_retry_works(
    private_pg: Cluster,
) -> None:
    import asyncio

    from workflow.app.access import Access
    from workflow.tui.app import WorkflowApp
    from workflow.tui.widgets.message import ProblemDialog

    names = seed_pg(private_pg, 3)

    async def run() -> None:
        svc = pg_service(private_pg)
        app = WorkflowApp(Access.of(svc), "en")
        async with app.run_test(size=(120, 36)) as pilot:
            for _ in range(6):
                await app.workers.wait_for_complete()
                await pilot.pause()
            assert names[0] in visible(app)
            private_pg.stop()
            for _ in range(3):  # refresh, again and again: one dialog, never a pile of them
                await pilot.press("f5")
                await pilot.pause(0.3)
                await app.workers.wait_for_complete()
                await pilot.pause()
            dialogs = [s for s in app.screen_stack if isinstance(s, ProblemDialog)]
            assert len(dialogs) == 1
            shown = visible(app)
            assert "Database unavailable" in shown and "Retry" in shown, shown[-3000:]
            assert SECRET not in shown and "Traceback" not in shown
            private_pg.start()
            await pilot.press("r")
            for _ in range(6):
                await app.workers.wait_for_complete()
                await pilot.pause()
            assert not any(isinstance(s, ProblemDialog) for s in app.screen_stack)
            assert names[2] in visible(app)
        svc.engine.dispose()

    asyncio.run(run())
