"""Every command tried as each role: refusals exit 4 and write nothing."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.conftest import make_service, sign_in
from tests.test_service import dump
from workflow.cli.main import main

ROLES = {"管理员": "admin", "协调甲": "coordinator", "审核乙": "reviewer", "审计丙": "auditor"}
ALL = set(ROLES)
CHANGERS = {"管理员", "审核乙"}


def commands(tmp: Path) -> list[tuple[list[str], set[str]]]:
    """(arguments, the users allowed to run them)."""
    roster = tmp / "g.csv"
    roster.write_text("name,organisation\n支书甲,一村\n", encoding="utf-8")
    return [
        (["district", "add", "新区"], {"管理员"}),
        (["township", "add", "新镇", "--district", "某区"], {"管理员"}),
        (["user", "add", "新人", "--role", "auditor"], {"管理员"}),
        (["db", "upgrade"], {"管理员"}),
        (["record", "东湖镇", "nomination", "seats=100"], CHANGERS | {"协调甲"}),
        (["record", "西山镇", "nomination", "seats=100"], CHANGERS),
        (["advance", "东湖镇"], CHANGERS | {"协调甲"}),
        (["advance", "西山镇"], CHANGERS),
        (["import", "东湖镇", "grassroots", str(roster), "--replace"], CHANGERS | {"协调甲"}),
        (["import", "西山镇", "grassroots", str(roster), "--replace"], CHANGERS),
        (["violation", "open", "东湖镇", "--note", "举报"], CHANGERS | {"协调甲"}),
        (["violation", "resolve", "1", "--note", "已核实"], CHANGERS),
        (["return", "东湖镇", "--to", "draft_report", "--reason", "退回"], CHANGERS),
        (["waive", "东湖镇", "delegate_seats", "--reason", "批准"], CHANGERS),
        (["backup", str(tmp / "backup.db")], {"管理员", "审计丙"}),
        (["status", "东湖镇"], ALL),
        (["history", "东湖镇"], ALL),
        (["roster", "东湖镇", "grassroots"], ALL),
        (["report"], ALL - {"协调甲"}),  # a coordinator names one of their districts
        (["report", "--district", "某区"], ALL),
        (["audit", "verify"], ALL),
        (["township", "list"], ALL),
        (["district", "list"], ALL),
        (["violation", "list"], ALL),
    ]


@pytest.mark.parametrize("user", sorted(ROLES))
def test_every_command_as_each_role(
    db_url: str, tmp_path: Path, user: str, capsys: pytest.CaptureFixture[str]
) -> None:
    admin = make_service(db_url, "管理员")
    admin.init()
    admin.add_district("某区")
    admin.add_township("东湖镇", "某区")
    admin.add_township("西山镇", "某区")
    for name, role in ROLES.items():
        if role != "admin":
            admin.add_user(name, role, ["东湖镇"] if role == "coordinator" else [])
    admin.record("东湖镇", "draft", {"title": "报告", "date": "2021-04-12"})
    admin.open_violation("西山镇", "待核实")
    sign_in(db_url, user)
    for args, allowed in commands(tmp_path):
        before = dump(admin)
        code = main(["--db", db_url, "--lang", "en", *args])
        err = capsys.readouterr().err
        if user in allowed:
            assert code != 4, (args, err)
        else:
            assert code == 4, (args, code, err)
            assert user in err
            assert dump(admin) == before, args
    admin.engine.dispose()
