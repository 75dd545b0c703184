"""The log is the only truth: ``audit verify`` replays every event into an empty
projection with the write path's own ``apply`` and compares every row. Each tamper
below is done with plain SQL, as someone who can write to the database would, on
SQLite and on PostgreSQL; verify exits 6 and names it."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from collections.abc import Callable
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlalchemy.engine import Connection

from tests.conftest import make_service, sign_in
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.domain.rosters import stored_lines
from workflow.store.db import open_engine

ROOT = Path(__file__).resolve().parents[1]
LAST_RELEASE = "d386865"  # the last release before the log carried every row


def build(url: str) -> Service:
    svc = make_service(url)
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区", since="2021-04-01")
    svc.add_township("西山镇", "某区", since="2021-04-01")
    svc.add_user("王审计", "auditor")
    svc.add_user("陈协调", "coordinator", ["西山镇"])
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-02"}, on="2021-04-02")
    svc.advance("东湖镇", on="2021-04-03")
    svc.record(
        "东湖镇",
        "consultation",
        {"forms_issued": "160", "suggestions": "6", "meeting_date": "2021-04-05"},
        on="2021-04-05",
    )
    rows = "".join(f"代表{i},男,1980-01-0{1 + i % 9},frontline,organisation,passed,yes\n" for i in range(5))
    roster = (
        Path(svc.engine.url.database or "/tmp").parent / "delegates.csv"
        if svc.engine.dialect.name == "sqlite"
        else None
    )
    if roster is None:
        import tempfile

        roster = Path(tempfile.mkdtemp()) / "delegates.csv"
    roster.write_text(
        "name,gender,birth_date,category,nominated_by,review,elected\n" + rows, encoding="utf-8"
    )
    svc.import_roster("东湖镇", "delegates", roster)
    svc.waive_check("西山镇", "draft_recorded", "区委同意先行")
    svc.open_violation("西山镇", "拉票举报")
    return svc


def sql(conn: Connection, statement: str, **params: object) -> None:
    conn.execute(text(statement), params)


def tid(conn: Connection, name: str) -> int:
    return int(conn.execute(text("SELECT id FROM township WHERE name = :n"), {"n": name}).scalar_one())


def drop_log_triggers(conn: Connection) -> None:
    """What an attacker with the schema owner's rights does first."""
    if conn.dialect.name == "sqlite":
        for (name,) in conn.execute(text("SELECT name FROM sqlite_master WHERE type = 'trigger'")).all():
            sql(conn, f'DROP TRIGGER "{name}"')
    else:
        sql(conn, "ALTER TABLE event DISABLE TRIGGER USER")


def edit_roster(c: Connection, edit: Callable[[list[str]], list[str]]) -> None:
    """The first delegates roster's rows, changed as ``edit`` does, written into the
    roster row itself (its event, hash-chained, cannot be changed unseen)."""
    tid_, lines, payload = c.execute(
        text(
            "SELECT r.township_id, r.lines, e.payload FROM roster r JOIN event e ON e.id = r.event_id "
            "WHERE r.kind = 'delegates' ORDER BY r.township_id LIMIT 1"
        )
    ).one()
    rows = edit(stored_lines("delegates", lines, payload))
    sql(
        c,
        "UPDATE roster SET lines = :l WHERE township_id = :t AND kind = 'delegates'",
        l="\n".join(rows),
        t=tid_,
    )


def roster_field(c: Connection) -> None:
    edit_roster(c, lambda rows: [rows[0].replace('"elected": true', '"elected": false'), *rows[1:]])


def roster_extra(c: Connection) -> None:
    edit_roster(c, lambda rows: [*rows, rows[0]])


def roster_event(c: Connection) -> None:
    """The roster pointed at the township's first event instead of its import."""
    sql(
        c,
        "UPDATE roster SET event_id = (SELECT min(e.id) FROM event e WHERE e.township_id = roster.township_id) "
        "WHERE kind = 'delegates'",
    )


def roster_deleted(c: Connection) -> None:
    sql(c, "DELETE FROM roster WHERE kind = 'delegates'")


def fact_value(c: Connection) -> None:
    sql(
        c,
        """UPDATE fact SET data = replace(data, '"forms_issued": 160', '"forms_issued": 1600')
              WHERE name = 'consultation'""",
    )


def waiver_inserted(c: Connection) -> None:
    sql(
        c,
        "INSERT INTO waiver (township_id, check_id, reason, actor, event_id) VALUES (:t, 'quorum', '-', 'admin', 1)",
        t=tid(c, "东湖镇"),
    )


def violation_resolved(c: Connection) -> None:
    sql(c, "UPDATE violation SET status = 'resolved', resolved_note = '查无实据', resolved_by = 'admin'")


def user_role(c: Connection) -> None:
    sql(c, """UPDATE "user" SET role = 'admin' WHERE name = '王审计'""")


def user_assignment(c: Connection) -> None:
    sql(
        c,
        """INSERT INTO usertownship (user_id, township_id) SELECT id, :t FROM "user" WHERE name = '陈协调'""",
        t=tid(c, "东湖镇"),
    )


def stage_since(c: Connection) -> None:
    sql(c, "UPDATE township SET stage_since = '2020-01-01' WHERE name = '东湖镇'")


def district_definition(c: Connection) -> None:
    sql(c, "UPDATE district SET definition_path = '/tmp/nogates.toml'")


def definition_text(c: Connection) -> None:
    """The rules a district runs on, loosened behind the log's back."""
    sql(c, "UPDATE definitiontext SET text = replace(text, 'margin = 0.2', 'margin = 0.0')")


def township_deleted(c: Connection) -> None:
    t = tid(c, "西山镇")
    drop_log_triggers(c)
    for table in ("waiver", "violation", "usertownship", "fact", "roster", "gatestate"):
        sql(c, f"DELETE FROM {table} WHERE township_id = :t", t=t)
    sql(c, "DELETE FROM event WHERE township_id = :t", t=t)
    sql(c, "DELETE FROM township WHERE id = :t", t=t)


def tail_cut(c: Connection) -> None:
    """The last record cut off, and the township row set to match the shorter chain."""
    t = tid(c, "东湖镇")
    drop_log_triggers(c)
    last = c.execute(text("SELECT max(seq) FROM event WHERE chain = :c"), {"c": str(t)}).scalar_one()
    sql(c, "DELETE FROM event WHERE chain = :c AND seq = :s", c=str(t), s=last)
    head = c.execute(
        text("SELECT hash FROM event WHERE chain = :c AND seq = :s"), {"c": str(t), "s": last - 1}
    ).scalar_one()
    sql(c, "UPDATE township SET version = :v, head_hash = :h WHERE id = :t", v=last - 1, h=head, t=t)


TAMPERS: dict[str, tuple[Callable[[Connection], None], str, str]] = {
    # name: (the tamper, the table named, a field or word the message names)
    "roster_field": (roster_field, "table roster", "field elected"),
    "roster_extra_row": (roster_extra, "table roster", "delegates #"),
    "roster_event": (roster_event, "table roster", "field event_id"),
    "roster_deleted": (roster_deleted, "table roster", "delegates"),
    "fact_value": (fact_value, "table fact", "field forms_issued"),
    "waiver_inserted": (waiver_inserted, "table waiver", "quorum"),
    "violation_resolved": (violation_resolved, "table violation", "field status"),
    "user_role": (user_role, "table user", "field role"),
    "user_assignment": (user_assignment, "table usertownship", "陈协调"),
    "stage_since": (stage_since, "table township", "field stage_since"),
    "district_definition": (district_definition, "table district", "field definition_path"),
    "definition_text": (definition_text, "table definitiontext", "field text"),
    "township_deleted": (township_deleted, "table township", "西山镇"),
    "tail_cut": (tail_cut, "table roster", "东湖镇"),
}


@pytest.mark.parametrize("tamper", sorted(TAMPERS))
def test_verify_names_each_tamper(db_url: str, tamper: str, capsys: pytest.CaptureFixture[str]) -> None:
    svc = build(db_url)
    svc.engine.dispose()
    url = str(svc.engine.url.render_as_string(hide_password=False))
    sign_in(url, "admin")
    assert main(["--db", url, "--lang", "en", "audit", "verify"]) == 0
    capsys.readouterr()
    change, table, word = TAMPERS[tamper]
    engine = open_engine(url)
    with engine.begin() as conn:
        change(conn)
    engine.dispose()
    code = main(["--db", url, "--lang", "en", "audit", "verify"])
    out = capsys.readouterr()
    assert code == 6, out
    assert table in out.out and word in out.out, out.out
    code = main(["--db", url, "--lang", "zh", "audit", "verify", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 6 and not report["ok"] and report["differences"]
    d = report["differences"][0]
    assert {"table", "township", "row", "field", "stored", "implied", "event_id", "message"} <= set(d)
    assert "表" in d["message"]["zh"]


def test_a_consistent_log_verifies(db_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    svc = build(db_url)
    report = svc.verify()
    assert report.ok, [d.text.en for d in report.differences]
    assert report.events >= 12
    one = svc.verify("东湖镇")
    assert one.ok
    svc.engine.dispose()


def test_the_write_path_and_replay_agree_on_the_demo(demo_url: str) -> None:
    from tests.conftest import demo_service

    svc = demo_service(demo_url)
    report = svc.verify()
    assert report.ok, [d.text.en for d in report.differences[:5]]
    svc.engine.dispose()


# ---------------------------------------------------------------- a database of the last release


def _old_release(tmp_path: Path) -> Path | None:
    """The last release installed in a venv of its own (its dependencies from this
    environment), or None where git or its commit is missing."""
    if shutil.which("git") is None:
        return None
    have = subprocess.run(
        ["git", "-C", str(ROOT), "cat-file", "-e", f"{LAST_RELEASE}^{{commit}}"], capture_output=True
    )
    if have.returncode != 0:
        return None
    src = tmp_path / "release"
    src.mkdir()
    archive = subprocess.run(
        ["git", "-C", str(ROOT), "archive", LAST_RELEASE], capture_output=True, check=True
    )
    subprocess.run(["tar", "-x", "-C", str(src)], input=archive.stdout, check=True)
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    ours = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(ours, "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", str(src)], check=True, capture_output=True
    )
    # That release's CLI ran on typer and imported click: this release needs neither, and
    # newer typer no longer brings click.
    for module, requirement in (("typer", "typer>=0.12"), ("click", "click>=8")):
        probe = subprocess.run([str(py), "-c", f"import {module}"], capture_output=True)
        if probe.returncode != 0:
            got = subprocess.run([str(py), "-m", "pip", "install", "-q", requirement], capture_output=True)
            if got.returncode != 0:
                return None
    return env_dir / "bin" / "workflow"


def test_db_upgrade_commits_a_last_release_database_and_verify_passes(tmp_path: Path) -> None:
    old = _old_release(tmp_path)
    if old is None:
        pytest.skip("the last release cannot be installed here (git history, typer or click missing)")
    db = tmp_path / "old.db"
    env = {**os.environ, "WORKFLOW_DB": str(db), "WORKFLOW_LANG": "en", "WORKFLOW_USER": "admin"}
    # (WORKFLOW_USER names the last release's acting user; this release ignores it)
    env.pop("PYTHONPATH", None)
    made = subprocess.run([str(old), "demo"], env=env, capture_output=True, text=True, timeout=600)
    assert made.returncode == 0, made.stderr
    ours = [sys.executable, "-m", "workflow"]
    refused = subprocess.run([*ours, "audit", "verify"], env=env, capture_output=True, text=True)
    assert refused.returncode == 2 and "db upgrade" in refused.stderr
    up = subprocess.run([*ours, "db", "upgrade"], env=env, capture_output=True, text=True)
    assert up.returncode == 0, up.stderr
    sign_in(str(db), "admin")  # as the admin would with the set-up code db upgrade printed
    checked = subprocess.run([*ours, "audit", "verify"], env=env, capture_output=True, text=True)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    again = subprocess.run([*ours, "db", "upgrade"], env=env, capture_output=True, text=True)
    assert again.returncode == 0
    # the commitments hold from then on: a tampered roster row of the old data is named
    engine = open_engine(str(db))
    with engine.begin() as conn:
        edit_roster(conn, lambda rows: [rows[0].replace("}", ', "elected_extra": true}'), *rows[1:]])
    engine.dispose()
    tampered = subprocess.run([*ours, "audit", "verify"], env=env, capture_output=True, text=True)
    assert (
        tampered.returncode == 6
        and "table roster" in tampered.stdout
        and "field elected_extra" in tampered.stdout
    )


def test_an_import_payload_stored_in_another_json_form_still_verifies(db_url: str) -> None:
    """The hash is recomputed from the payload text as stored (as the write path hashed
    it) and, when that gives another hash (an older release's spacing, say), from the
    parsed payload written canonically: an equivalent payload verifies; a changed one is
    named; so a row's tampering is never hidden by the faster path."""
    svc = build(db_url)
    svc.engine.dispose()
    engine = open_engine(db_url)
    with engine.begin() as c:
        drop_log_triggers(c)
        ev, payload = c.execute(
            text("SELECT id, payload FROM event WHERE kind = 'import' ORDER BY id LIMIT 1")
        ).one()
        spaced = json.dumps(json.loads(payload), ensure_ascii=False, indent=1)
        assert spaced != payload
        sql(c, "UPDATE event SET payload = :p WHERE id = :i", p=spaced, i=ev)
    assert make_service(db_url).verify().ok
    with engine.begin() as c:
        changed = json.loads(payload)
        changed["rows"] += 1
        sql(c, "UPDATE event SET payload = :p WHERE id = :i", p=json.dumps(changed, ensure_ascii=False), i=ev)
    report = make_service(db_url).verify()
    assert not report.ok and report.problems
    engine.dispose()
