"""The ``workflow`` command as a user runs it: exit codes, JSON, messages."""

from __future__ import annotations

import gc
import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

from tests.conftest import make_service, sign_in
from workflow.cli.main import main

ROOT = Path(__file__).parent.parent


PASSWORD = "长城-correct-horse"


def run(db: Path, *args: str, lang: str = "en", stdin: str | None = None) -> tuple[int, str, str]:
    env = {**os.environ, "WORKFLOW_DB": str(db), "WORKFLOW_LANG": lang}
    p = subprocess.run(
        [sys.executable, "-m", "workflow", *args],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        input=stdin,
    )
    return p.returncode, p.stdout, p.stderr


def init_and_sign_in(db: Path, admin: str = "管理员") -> None:
    """``workflow init`` and ``workflow login`` as a script runs them."""
    code, out, err = run(db, "init", "--admin", admin, "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and f"admin: {admin}" in out, err
    code, out, err = run(db, "login", admin, "--password-stdin", stdin=PASSWORD + "\n")
    assert code == 0 and f"signed in as {admin} (admin)" in out, err


def test_cli_walk_through(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    init_and_sign_in(db)
    assert run(db, "district", "add", "某区")[0] == 0
    assert run(db, "township", "add", "东湖镇", "--district", "某区")[0] == 0
    code, _, err = run(db, "advance", "东湖镇", "--to", "talks")
    assert code == 3 and "Stage order" in err and "6.talks" in err
    code, _, err = run(db, "advance", "东湖镇")
    assert code == 3 and "draft_recorded" in err and "not recorded" in err
    assert run(db, "record", "东湖镇", "draft", "title=工作报告", "date=2021-04-12")[0] == 0
    assert run(db, "advance", "东湖镇", "--on", "2021-04-13")[0] == 0
    code, out, _ = run(db, "history", "东湖镇", "--json")
    hist = json.loads(out)
    assert code == 0 and [h["kind"] for h in hist] == ["create", "record", "advance"]
    for h in hist:
        assert {"kind", "from", "to", "actor", "recorded_at", "effective_date", "note"} <= set(h)
    assert hist[-1]["effective_date"] == "2021-04-13" and hist[-1]["to"] == "lower_consultation"
    code, out, _ = run(db, "status", "东湖镇", "--json")
    st = json.loads(out)
    assert st["stage"] == "lower_consultation" and st["next_stage"] == "upper_review"
    assert st["township"] == "东湖镇" and st["district"] == "某区"
    assert {c["id"] for c in st["checks"]} >= {"consultation_recorded", "opinion_forms_issued"}
    assert set(st["checks"][0]) >= {"id", "passed", "actual", "required", "message"}


def init_with_service(db: Path) -> None:
    svc = make_service(f"sqlite:///{db}", "admin")
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区")
    svc.engine.dispose()
    sign_in(f"sqlite:///{db}", "admin")


def test_cli_refusals_write_nothing(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    init_with_service(db)
    assert main(["--db", str(db), "record", "东湖镇", "draft", "title=报告", "date=2021-04-12"]) == 0
    assert main(["--db", str(db), "user", "add", "审计", "--role", "auditor"]) == 0
    hist = run(db, "history", "东湖镇", "--json")[1]
    code, _, err = run(db, "advance", "东湖镇", "--on", "2999-01-01")
    assert code == 2 and "later than today" in err
    code, _, err = run(db, "advance", "西湖镇")
    assert code == 2 and "西湖镇" in err
    sign_in(f"sqlite:///{db}", "审计")
    code, _, err = run(db, "advance", "东湖镇")
    assert code == 4 and "may not" in err
    assert run(db, "history", "东湖镇", "--json")[1] == hist


def test_cli_speaks_chinese(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    init_with_service(db)
    code, _, err = run(db, "advance", "东湖镇", lang="zh")
    assert code == 3 and "尚未记录「工作报告初稿」" in err
    code, out, _ = run(db, "--lang", "zh", "status", "东湖镇")
    assert "当前阶段：1.起草工作报告" in out


def test_usage_errors_exit_2_without_traceback(tmp_path: Path) -> None:
    db = tmp_path / "w.db"
    code, _, err = run(db, "advance")
    assert code == 2 and "Traceback" not in err
    code, _, err = run(db, "--lang", "fr", "diagram")
    assert code == 2 and "--lang" in err
    code, _, err = run(db, "status", "东湖镇")
    assert code == 2 and "workflow init" in err
    for args in (
        ("advance", "东湖镇"),
        ("tui",),
        ("export", "timeline", "--format", "csv", "-o", str(tmp_path / "t.csv")),
    ):
        code, _, err = run(db, *args)
        assert code == 2 and "workflow init" in err, args
    assert list(tmp_path.iterdir()) == []  # a mistyped path creates no database file


def test_diagram_is_mermaid_from_the_definition(tmp_path: Path) -> None:
    code, out, _ = run(tmp_path / "w.db", "diagram")
    assert code == 0 and out.startswith("stateDiagram-v2")
    assert "upper_review --> draft_report" in out
    assert "delegate_nomination --> personnel_plan: delegate_seats, delegate_margin" in out


def test_cli_does_not_import_textual(tmp_path: Path) -> None:
    code = (
        "import sys; from workflow.cli.main import main; "
        "rc = main(['--db', sys.argv[1], 'login', 'x', '--password-stdin']); "
        "print('textual' in sys.modules)"
    )
    p = subprocess.run([sys.executable, "-c", code, str(tmp_path / "w.db")], capture_output=True, text=True)
    assert p.stdout.strip().endswith("False"), p.stderr


def test_status_reads_without_the_orm(tmp_path: Path) -> None:
    """``workflow status`` is plain SQL on the driver: it shows a township's
    violations and waivers without loading SQLAlchemy or sqlmodel (most of its
    start-up), nor pydantic (the definition's checker is our own)."""
    db = tmp_path / "w.db"
    init_with_service(db)
    assert main(["--db", str(db), "waive", "东湖镇", "draft_recorded", "--reason", "区委书面同意"]) == 0
    assert main(["--db", str(db), "violation", "open", "东湖镇", "--note", "拉票举报"]) == 0
    code = (
        "import sys, json; from workflow.cli.main import main; "
        "rc = main(['--db', sys.argv[1], 'status', '东湖镇', '--json']); "
        "print(json.dumps({'rc': rc, 'orm': 'sqlmodel' in sys.modules, 'pydantic': 'pydantic' in sys.modules, "
        "'sqlalchemy': 'sqlalchemy' in sys.modules}))"
    )
    p = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True)
    lines = p.stdout.strip().splitlines()
    status, seen = json.loads("\n".join(lines[:-1])), json.loads(lines[-1])
    assert seen == {"rc": 0, "orm": False, "pydantic": False, "sqlalchemy": False}, p.stderr
    assert [(w["check"], w["reason"]) for w in status["waivers"]] == [("draft_recorded", "区委书面同意")]
    assert all(w["by"] for w in status["waivers"])
    assert [v["note"] for v in status["open_violations"]] == ["拉票举报"]
    assert status["ready"] is False  # the open report blocks the step


def test_the_collector_waits_for_the_command_only_in_the_command_s_own_process(tmp_path: Path) -> None:
    """The ``workflow`` process collects no garbage while it starts, then collects again,
    the start-up's objects frozen out of the passes, before the command's work; a
    command run in another program's process (``main(argv)``) leaves its collector
    alone."""
    db = tmp_path / "w.db"
    init_with_service(db)
    code = (
        "import gc, json, sys; "
        "from workflow.cli import main as m; import workflow.cli.reads as reads; seen = {}; "
        "real = reads.status\n"
        "def status(*a, **k):\n"
        "    seen.update(during_command=gc.isenabled(), frozen=gc.get_freeze_count() > 0)\n"
        "    return real(*a, **k)\n"
        "reads.status = status; sys.argv = ['workflow', '--db', sys.argv[1], 'status', '东湖镇']\n"
        "import atexit; atexit.register(lambda: print(json.dumps(seen)))\n"
        "m.main()"
    )
    p = subprocess.run([sys.executable, "-c", code, str(db)], capture_output=True, text=True)
    assert json.loads(p.stdout.strip().splitlines()[-1]) == {"during_command": True, "frozen": True}, p.stderr
    frozen = gc.get_freeze_count()
    assert main(["--db", str(db), "status", "东湖镇"]) == 0
    assert gc.isenabled() and gc.get_freeze_count() == frozen


def test_advance_and_a_bulk_dry_run_load_no_orm(tmp_path: Path) -> None:
    """A step and a bulk dry run are plain SQL on the driver: neither loads SQLAlchemy,
    sqlmodel nor pydantic, nor the parts of the service that do not step townships
    (imports, evidence, set-up, maintenance); the advance really happens; the dry run
    lists the ready."""
    db = tmp_path / "w.db"
    init_with_service(db)
    assert main(["--db", str(db), "record", "东湖镇", "draft", "title=报告", "date=2021-04-12"]) == 0
    code = (
        "import sys, json; from workflow.cli.main import main; "
        "rc = main(['--db', sys.argv[1], *sys.argv[2:]]); "
        "print(json.dumps({'rc': rc, 'loaded': sorted(m for m in ('sqlalchemy', 'sqlmodel', 'pydantic', "
        "'workflow.app.service', 'workflow.app.evidence', 'workflow.app.rosters', 'workflow.app.setup', "
        "'workflow.app.maintenance') if m in sys.modules)}))"
    )
    for args in (
        ["advance", "--district", "某区", "--stage", "draft_report", "--dry-run"],
        ["advance", "东湖镇"],
    ):
        p = subprocess.run([sys.executable, "-c", code, str(db), *args], capture_output=True, text=True)
        seen = json.loads(p.stdout.strip().splitlines()[-1])
        assert seen == {"rc": 0, "loaded": []}, (args, p.stdout, p.stderr)
        if "--dry-run" in args:
            assert "东湖镇" in p.stdout  # listed as ready
    assert json.loads(run(db, "status", "东湖镇", "--json")[1])["stage"] == "lower_consultation"


@pytest.mark.skipif(shutil.which("git") is None, reason="needs git")
def test_plain_install_works_from_another_directory(tmp_path: Path) -> None:
    """pip install . of a copy of the repo into a fresh venv (dependencies shared from
    this interpreter), used from an empty directory."""
    src = tmp_path / "src"
    shutil.copytree(
        ROOT,
        src,
        ignore=shutil.ignore_patterns(".git", ".venv", "*.egg-info", "build", "__pycache__", ".*cache"),
    )
    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    py = env_dir / "bin" / "python"
    # The dependencies come from the environment running the tests (a venv or not), after
    # the new venv's own site-packages, where the project itself is installed.
    ours = subprocess.run(
        [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
        capture_output=True,
        text=True,
        check=True,
    ).stdout.strip()
    Path(ours, "zz_deps.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    p = subprocess.run(
        [str(py), "-m", "pip", "install", "-q", "--no-deps", str(src)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert p.returncode == 0, p.stderr
    empty = tmp_path / "empty"
    empty.mkdir()
    env = {**os.environ, "WORKFLOW_DB": str(empty / "w.db"), "WORKFLOW_LANG": "en"}
    env.pop("PYTHONPATH", None)
    exe = env_dir / "bin" / "workflow"
    for args in (
        ["init", "--admin", "管理员", "--password-stdin"],
        ["login", "管理员", "--password-stdin"],
        ["district", "add", "某区"],
        ["township", "add", "东湖镇", "--district", "某区"],
    ):
        r = subprocess.run(
            [str(exe), *args], cwd=empty, env=env, capture_output=True, text=True, input=PASSWORD + "\n"
        )
        assert r.returncode == 0, r.stderr
    r = subprocess.run([str(exe), "advance", "东湖镇"], cwd=empty, env=env, capture_output=True, text=True)
    assert r.returncode == 3 and "draft_recorded" in r.stderr
    where = subprocess.run(
        [str(py), "-c", "import workflow.states, workflow; print(workflow.__file__)"],
        cwd=empty,
        env=env,
        capture_output=True,
        text=True,
    )
    assert str(env_dir) in where.stdout


def test_tui_demo_says_where_its_database_is(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """On leaving `workflow tui --demo`, the demo database's path and the one line that
    points the command line at it, in the user's language; that line works."""
    import workflow.cli.tui as tui

    monkeypatch.setattr(tui, "start_app", lambda *a, **k: None)  # the UI itself: tested elsewhere
    monkeypatch.setattr(tui, "demo_url", lambda: f"sqlite:///{tmp_path}/demo.db")  # not the user's own
    assert main(["--lang", "zh", "tui", "--demo"]) == 0
    err = capsys.readouterr().err
    path = tui.demo_url().removeprefix("sqlite:///")
    assert f"演示数据库：{path}" in err and f"export WORKFLOW_DB={path}" in err
    assert main(["--lang", "en", "tui", "--demo"]) == 0
    assert f"to use it from the command line: export WORKFLOW_DB={path}" in capsys.readouterr().err
    monkeypatch.setenv("WORKFLOW_DB", path)
    sign_in(f"sqlite:///{path}", "admin")
    assert main(["--lang", "en", "roster", "白水乡", "delegates"]) == 0
    listed = capsys.readouterr().out
    assert listed.count("\n") > 100  # the demo township's delegate candidates, one a line
