"""Sign-in and sessions as a person meets them through the CLI: no session, no
command; identity variables choose nobody; each way a sign-in or a session fails
has its own message; lock-out; what the token file and the database hold."""

from __future__ import annotations

import datetime as dt
import io
import json
import stat
import sys
from pathlib import Path

import pytest
from sqlalchemy import inspect, text

from tests.conftest import make_service, sign_in
from tests.test_permissions import commands
from tests.test_service import dump
from workflow.app import auth
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.errors import NotPermitted
from workflow.store.db import open_engine

PW = "东湖-secret-2021"
COORD_PW = "协调-password-9"


@pytest.fixture
def admin(db_url: str) -> Service:
    return people(db_url)


def people(db_url: str) -> Service:
    """A database with admin 管理员 (password PW), coordinator 协调甲 (COORD_PW) of 东湖镇,
    reviewer 审核乙 with a set-up code only."""
    svc = make_service(db_url, "管理员")
    svc.init(password_hash=auth.hash_secret(PW))
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区")
    svc.add_township("西山镇", "某区")
    svc.add_user("协调甲", "coordinator", ["东湖镇"])
    with svc.engine.begin() as conn:
        conn.execute(
            text('UPDATE "user" SET password_hash = :h WHERE name = :n'),
            {"h": auth.hash_secret(COORD_PW), "n": "协调甲"},
        )
    return svc


def url_of(svc: Service) -> str:
    return svc.engine.url.render_as_string(hide_password=False)


def cli(
    url: str, *args: str, stdin: str = "", monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> tuple[int, str, str]:
    monkeypatch.setattr(sys, "stdin", io.StringIO(stdin))
    code = main(["--db", url, "--lang", "en", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def system_events(svc: Service) -> list[tuple[str, str, dict[str, object]]]:
    with svc.engine.connect() as conn:
        rows = conn.execute(
            text("SELECT kind, actor, payload FROM event WHERE chain = 'system' ORDER BY seq")
        )
        return [(k, a, json.loads(p)) for k, a, p in rows]


def test_every_command_without_a_session_exits_4_and_changes_nothing(
    admin: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(admin)
    extra = [
        ["user", "list"],
        ["user", "set-role", "协调甲", "reviewer"],
        ["user", "assign", "协调甲", "--township", "西山镇"],
        ["user", "unassign", "协调甲", "--township", "东湖镇"],
        ["user", "disable", "协调甲"],
        ["user", "enable", "协调甲"],
        ["user", "reset", "协调甲"],
        ["user", "passwd", "--password-stdin"],
        ["whoami"],
        ["demo"],
        ["export", "timeline", "--format", "csv", "-o", str(tmp_path / "t.csv")],
        ["export", "history", "东湖镇"],
    ]
    for args in [a for a, _ in commands(tmp_path)] + extra:
        before = dump(admin)
        code, _, err = cli(
            url, *args, stdin=f"{PW}\nnew-password-1\n", monkeypatch=monkeypatch, capsys=capsys
        )
        assert code == 4, (args, code, err)
        assert "sign in: workflow login" in err, args
        assert dump(admin) == before, args
    assert not (tmp_path / "t.csv").exists()
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["--db", url, "--lang", "zh", "status", "东湖镇"]) == 4
    assert "请登录：workflow login" in capsys.readouterr().err


def test_identity_variables_and_as_choose_nobody(
    admin: Service, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(admin)
    for name in ("WORKFLOW_USER", "USER", "LOGNAME"):
        monkeypatch.setenv(name, "管理员")
    code, _, err = cli(
        url,
        "--as",
        "管理员",
        "user",
        "add",
        "恶意管理员",
        "--role",
        "admin",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 4 and "sign in: workflow login" in err
    sign_in(url, "协调甲")
    before = dump(admin)
    code, _, err = cli(
        url,
        "--as",
        "管理员",
        "user",
        "add",
        "恶意管理员",
        "--role",
        "admin",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 4 and "协调甲 (coordinator) may not" in err
    code, _, err = cli(
        url,
        "--as",
        "管理员",
        "return",
        "东湖镇",
        "--to",
        "draft_report",
        "--reason",
        "x",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 4 and "协调甲" in err
    assert dump(admin) == before
    code, out, _ = cli(url, "--as", "管理员", "whoami", "--json", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and json.loads(out)["user"] == "协调甲" and json.loads(out)["townships"] == ["东湖镇"]


def test_login_offers_the_as_name_and_a_session_lasts_twelve_hours(
    admin: Service, private_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(admin)
    code, out, err = cli(
        url,
        "--as",
        "管理员",
        "login",
        "--password-stdin",
        stdin=PW + "\n",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0 and "signed in as 管理员 (admin)" in out, err
    with admin.engine.connect() as conn:
        created, expires = conn.execute(text('SELECT created, expires FROM "session"')).one()
    span = dt.datetime.fromisoformat(expires.replace("Z", "+00:00")) - dt.datetime.fromisoformat(
        created.replace("Z", "+00:00")
    )
    assert span == dt.timedelta(hours=12)
    files = list((private_config / "sessions").iterdir())
    assert len(files) == 1
    assert stat.S_IMODE(files[0].stat().st_mode) == 0o600
    assert stat.S_IMODE(files[0].parent.stat().st_mode) == 0o700
    with admin.engine.connect() as conn:
        dbid = conn.execute(text("SELECT value FROM meta WHERE key = 'database_id'")).scalar()
    assert files[0].name == f"{dbid}.token"
    code, _, _ = cli(url, "logout", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and list((private_config / "sessions").iterdir()) == []
    kinds = [k for k, _, _ in system_events(admin)]
    assert kinds[-2:] == ["signin", "signout"]


def test_wrong_password_expired_revoked_and_disabled_each_have_their_own_message(
    admin: Service, private_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(admin)
    code, _, err = cli(
        url,
        "login",
        "协调甲",
        "--password-stdin",
        stdin="wrong-one\n",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 4 and err.strip() == "name or password wrong"
    code, _, err = cli(
        url,
        "login",
        "无此人",
        "--password-stdin",
        stdin="wrong-one\n",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 4 and err.strip() == "name or password wrong"  # an unknown name says no more

    auth.sign_in(admin.engine, "协调甲", COORD_PW, now=auth.utcnow() - dt.timedelta(hours=13))
    code, _, err = cli(url, "status", "东湖镇", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 4 and "your session expired at" in err and "sign in: workflow login" in err

    code, _, _ = cli(
        url,
        "login",
        "协调甲",
        "--password-stdin",
        stdin=COORD_PW + "\n",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0
    token_file = next((private_config / "sessions").iterdir())
    kept = token_file.read_bytes()
    assert cli(url, "logout", monkeypatch=monkeypatch, capsys=capsys)[0] == 0
    token_file.write_bytes(kept)  # the ended session's token, put back
    code, _, err = cli(url, "status", "东湖镇", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 4 and "your session was ended" in err

    code, _, _ = cli(
        url,
        "login",
        "协调甲",
        "--password-stdin",
        stdin=COORD_PW + "\n",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0
    make_admin_session = private_config.parent / "admin-config"
    monkeypatch.setenv(auth.CONFIG_ENV, str(make_admin_session))
    sign_in(url, "管理员")
    assert cli(url, "user", "disable", "协调甲", monkeypatch=monkeypatch, capsys=capsys)[0] == 0
    monkeypatch.setenv(auth.CONFIG_ENV, str(private_config))
    code, _, err = cli(url, "status", "东湖镇", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 4 and "user '协调甲' is disabled" in err
    code, _, err = cli(
        url,
        "login",
        "协调甲",
        "--password-stdin",
        stdin=COORD_PW + "\n",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 4 and "user '协调甲' is disabled" in err
    revoked = [p for k, _, p in system_events(admin) if k == "sessions_revoked"]
    assert revoked == [{"user": "协调甲", "sessions": 1, "why": "disabled"}]


def test_the_sixth_attempt_is_refused_even_when_correct_and_the_lockout_is_on_the_system_chain(
    admin: Service, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(admin)
    for attempt in range(1, 6):
        code, _, err = cli(
            url,
            "login",
            "协调甲",
            "--password-stdin",
            stdin=f"guess-{attempt}\n",
            monkeypatch=monkeypatch,
            capsys=capsys,
        )
        assert code == 4
        assert ("locked until" in err) == (attempt == 5), (attempt, err)
    code, out, err = cli(
        url,
        "login",
        "协调甲",
        "--password-stdin",
        stdin=COORD_PW + "\n",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 4 and "too many failed sign-ins, locked until" in err and out == ""
    events = system_events(admin)
    failures = [p for k, _, p in events if k == "signin_failed" and p.get("user") == "协调甲"]
    assert [p["reason"] for p in failures] == ["password"] * 5 + ["locked"]
    lockouts = [p for k, _, p in events if k == "lockout"]
    assert len(lockouts) == 1 and lockouts[0]["user"] == "协调甲"
    assert not [k for k, _, _ in events if k == "signin"]
    assert admin.verify().ok  # the system chain holds, with every failure on it
    for _, _, payload in events:  # never a secret
        assert COORD_PW not in json.dumps(payload, ensure_ascii=False)
    with admin.engine.connect() as conn:
        assert conn.execute(text('SELECT count(*) FROM "session"')).scalar() == 0
    # after the lock-out time, the right password works again
    later = auth.utcnow() + auth.LOCK_TIME + dt.timedelta(seconds=1)
    assert auth.sign_in(admin.engine, "协调甲", COORD_PW, now=later).user == "协调甲"


def test_failures_older_than_the_window_do_not_count(admin: Service) -> None:
    start = auth.utcnow() - dt.timedelta(hours=1)
    for i in range(4):
        with pytest.raises(NotPermitted):
            auth.sign_in(admin.engine, "协调甲", "nope", now=start + dt.timedelta(minutes=i))
    for i in range(4):  # 16 minutes later: a new window
        with pytest.raises(NotPermitted) as e:
            auth.sign_in(admin.engine, "协调甲", "nope", now=start + dt.timedelta(minutes=20 + i))
        assert "locked" not in e.value.text.en
    assert auth.sign_in(admin.engine, "协调甲", COORD_PW).user == "协调甲"


def _whole_database(svc: Service) -> str:
    """Every row of every table as text."""
    parts: list[str] = []
    with svc.engine.connect() as conn:
        for table in inspect(svc.engine.sa).get_table_names():
            for row in conn.execute(text(f'SELECT * FROM "{table}"')):
                parts.append(repr(tuple(row)))
    return "\n".join(parts)


def test_the_database_holds_no_token_password_or_code(
    admin: Service, private_config: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(admin)
    sign_in(url, "管理员")
    code, out, _ = cli(
        url, "user", "add", "审核乙", "--role", "reviewer", monkeypatch=monkeypatch, capsys=capsys
    )
    setup_code = out.split("shown only now): ")[1].split()[0]
    cli(url, "logout", monkeypatch=monkeypatch, capsys=capsys)
    new_pw = "审核-new-password"
    code, out, err = cli(
        url,
        "login",
        "审核乙",
        "--password-stdin",
        stdin=f"{setup_code}\n{new_pw}\n",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0 and "password set" in out, err
    token = next((private_config / "sessions").iterdir()).read_text()
    assert len(token) >= 43  # 32 random bytes, base64url
    whole = _whole_database(admin)
    for secret in (token, new_pw, setup_code, PW, COORD_PW):
        assert secret not in whole
    assert auth.token_hash(token) in whole  # only its SHA-256
    if admin.engine.dialect.name == "sqlite":
        files = Path(admin.engine.url.database or "").parent.glob("workflow.db*")
        raw = b"".join(f.read_bytes() for f in files)
        for secret in (token, new_pw, setup_code, PW):
            assert secret.encode() not in raw
    # and the set-up code works only once
    with pytest.raises(NotPermitted):
        auth.sign_in(admin.engine, "审核乙", setup_code, new_password="another-password")


def test_a_non_demo_database_refuses_demo_sign_in(
    admin: Service, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = cli(url_of(admin), "login", "管理员", "--demo", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 4 and "not a demo database" in err


def test_a_demo_database_signs_in_without_a_password(
    demo_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(demo_url, "login", "李审核", "--demo", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and "signed in as 李审核 (reviewer)" in out, err
    events = list(
        open_engine(demo_url)
        .connect()
        .execute(text("SELECT kind, payload FROM event WHERE chain = 'system' AND seq = 1"))
    )
    assert events[0][0] == "init" and json.loads(events[0][1])["demo"] is True


def test_workflow_demo_on_a_new_database_marks_it_a_demo(
    sqlite_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from workflow.app.demo_signin import is_demo

    code, out, err = cli(sqlite_url, "demo", monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0 and "demo district created" in out, err
    assert is_demo(open_engine(sqlite_url))
    code, out, _ = cli(
        sqlite_url, "login", "admin", "--demo", "--hours", "1", monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 0 and "signed in as admin (admin)" in out
    code, out, _ = cli(sqlite_url, "whoami", "--json", monkeypatch=monkeypatch, capsys=capsys)
    assert json.loads(out)["user"] == "admin"


def test_signing_in_again_ends_the_session_this_machine_held(admin: Service) -> None:
    first = auth.sign_in(admin.engine, "协调甲", COORD_PW)
    second = auth.sign_in(admin.engine, "管理员", PW)
    assert second.replaced == first.token
    with pytest.raises(NotPermitted) as e:
        auth.check_token(admin.engine, first.token)
    assert "your session was ended" in e.value.text.en
    assert auth.current_session(admin.engine).user == "管理员"
