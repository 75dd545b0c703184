"""``workflow user ...``: each subcommand does its change with an event on the system
chain, and is refused (exit 4, nothing written) for anyone but an admin; ``passwd``
is each person's own."""

from __future__ import annotations

import io
import json
import sys

import pytest
from sqlalchemy import text

from tests.conftest import sign_in
from tests.test_auth import COORD_PW, PW, cli, people, system_events, url_of
from tests.test_service import dump
from workflow.app import auth
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.errors import NotPermitted

NON_ADMINS = {"协调甲": "coordinator", "审核乙": "reviewer", "审计丙": "auditor"}

# (arguments, the system event it leaves)
CHANGES = [
    (["user", "add", "新人", "--role", "auditor"], "user_add"),
    (["user", "set-role", "审计丙", "reviewer"], "user_role"),
    (["user", "assign", "协调甲", "--township", "西山镇"], "user_assign"),
    (["user", "unassign", "协调甲", "--township", "东湖镇"], "user_unassign"),
    (["user", "disable", "审计丙"], "user_disable"),
    (["user", "reset", "审核乙"], "user_reset"),
]


@pytest.fixture
def team(db_url: str) -> Service:
    admin = people(db_url)
    admin.add_user("审核乙", "reviewer")
    admin.add_user("审计丙", "auditor")
    return admin


def test_list_shows_role_townships_disabled_and_last_sign_in(
    team: Service, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(team)
    code, _, _ = cli(
        url, "login", "管理员", "--password-stdin", stdin=PW + "\n", monkeypatch=monkeypatch, capsys=capsys
    )
    assert code == 0
    code, out, _ = cli(url, "user", "list", "--json", monkeypatch=monkeypatch, capsys=capsys)
    rows = {r["name"]: r for r in json.loads(out)}
    assert code == 0 and set(rows) == {"管理员", "协调甲", "审核乙", "审计丙"}
    assert rows["协调甲"]["role"] == "coordinator" and rows["协调甲"]["townships"] == ["东湖镇"]
    assert rows["管理员"]["last_signin"] and rows["协调甲"]["last_signin"] is None
    assert rows["审核乙"]["disabled"] is False and rows["审核乙"]["password_set"] is False
    assert "hash" not in out
    code, out, _ = cli(url, "user", "list", monkeypatch=monkeypatch, capsys=capsys)
    assert "协调甲\tcoordinator\t东湖镇\t-\tnever signed in" in out


@pytest.mark.parametrize(("args", "kind"), CHANGES)
def test_each_change_by_an_admin_leaves_an_event(
    team: Service,
    args: list[str],
    kind: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    url = url_of(team)
    sign_in(url, "管理员")
    before = len(system_events(team))
    code, out, err = cli(url, *args, monkeypatch=monkeypatch, capsys=capsys)
    assert code == 0, err
    after = system_events(team)
    assert next(k for k, _, _ in after[before:]) == kind
    assert all(a == "管理员" for _, a, _ in after[before:])
    with team.engine.connect() as conn:
        users = {n: (r, d) for n, r, d in conn.execute(text('SELECT name, role, disabled FROM "user"'))}
        links = set(
            conn.execute(
                text(
                    'SELECT u.name, t.name FROM usertownship ut JOIN "user" u ON u.id = ut.user_id '
                    "JOIN township t ON t.id = ut.township_id"
                )
            )
        )
    if kind == "user_add":
        assert users["新人"][0] == "auditor" and "shown only now" in out
    elif kind == "user_role":
        assert users["审计丙"][0] == "reviewer"
    elif kind == "user_assign":
        assert ("协调甲", "西山镇") in links
    elif kind == "user_unassign":
        assert ("协调甲", "东湖镇") not in links
    elif kind == "user_disable":
        assert users["审计丙"][1]
        assert cli(url, "user", "enable", "审计丙", monkeypatch=monkeypatch, capsys=capsys)[0] == 0
        assert system_events(team)[-1][0] == "user_enable"
    else:
        code_text = out.split("shown only now): ")[1].split()[0]
        signed = auth.sign_in(team.engine, "审核乙", code_text, new_password="审核-password-1")
        assert signed.password_set and signed.role == "reviewer"


@pytest.mark.parametrize("user", sorted(NON_ADMINS))
def test_non_admins_are_refused_every_user_change(
    team: Service, user: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(team)
    sign_in(url, user)
    for args in [a for a, _ in CHANGES] + [["user", "enable", "审计丙"], ["user", "list"]]:
        before = dump(team)
        code, _, err = cli(url, *args, monkeypatch=monkeypatch, capsys=capsys)
        assert code == 4 and f"{user} ({NON_ADMINS[user]}) may not" in err, (args, err)
        assert dump(team) == before, args


def test_passwd_changes_ones_own_password_after_the_old_one(
    team: Service, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(team)
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
    before = dump(team)
    code, _, err = cli(
        url,
        "user",
        "passwd",
        "--password-stdin",
        stdin="wrong-old\nnew-password-22\n",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 4 and "old password is wrong" in err
    assert dump(team) == before
    code, out, err = cli(
        url,
        "user",
        "passwd",
        "--password-stdin",
        stdin=f"{COORD_PW}\nnew-password-22\n",
        monkeypatch=monkeypatch,
        capsys=capsys,
    )
    assert code == 0 and "password changed" in out, err
    assert system_events(team)[-1][:2] == ("password_change", "协调甲")
    with pytest.raises(NotPermitted):
        auth.sign_in(team.engine, "协调甲", COORD_PW)
    assert auth.sign_in(team.engine, "协调甲", "new-password-22").user == "协调甲"


def test_the_last_enabled_admin_cannot_be_disabled_or_demoted(
    team: Service, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(team)
    sign_in(url, "管理员")
    for args in (["user", "disable", "管理员"], ["user", "set-role", "管理员", "auditor"]):
        code, _, err = cli(url, *args, monkeypatch=monkeypatch, capsys=capsys)
        assert code == 2 and "only enabled admin" in err


def test_init_asks_the_password_twice(
    tmp_path: object, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    answers = iter(["first-password-1", "other-password-2"])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    db = f"sqlite:///{tmp_path}/w.db"
    monkeypatch.setattr(sys, "stdin", io.StringIO(""))
    assert main(["--db", db, "--lang", "en", "init", "--admin", "管理员"]) == 2
    assert "the two passwords differ" in capsys.readouterr().err
    answers = iter(["same-password-1", "same-password-1"])
    assert main(["--db", db, "--lang", "en", "init", "--admin", "管理员"]) == 0
    assert "admin: 管理员" in capsys.readouterr().out


def test_a_disabled_user_is_refused_at_once_by_a_service_already_running(team: Service) -> None:
    from workflow.app.users import set_disabled

    coordinator = Service(team.engine, "协调甲", today=team.today)
    assert coordinator.status("东湖镇").township == "东湖镇"
    set_disabled(team, "协调甲", True)
    with pytest.raises(NotPermitted) as e:
        coordinator.record("东湖镇", "draft", {"title": "报告", "date": "2021-04-12"})
    assert "协调甲" in e.value.text.en
    fresh = Service(team.engine, "协调甲", today=team.today)
    with pytest.raises(NotPermitted) as e:
        fresh.status("东湖镇")
    assert "is disabled" in e.value.text.en
