"""Who may record what and read what, through the CLI on each backend: the district's
decisions are recorded by reviewers and admins; coordinators read the districts of
their townships only; violation notes are for reviewers, auditors and admins."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.conftest import make_service, sign_in
from tests.test_service import dump
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.domain.definition import loads
from workflow.errors import BadInput

NOTE = "群众来信反映有拉票苗头"


@pytest.fixture
def two_districts(db_url: str) -> Service:
    svc = make_service(db_url, "管理员")
    svc.init()
    svc.add_district("某区")
    svc.add_district("演示区")
    svc.add_township("东湖镇", "某区")
    svc.add_township("西山镇", "某区")
    svc.add_township("红旗镇", "演示区")
    svc.add_user("协调甲", "coordinator", ["东湖镇"])
    svc.add_user("审核乙", "reviewer")
    svc.add_user("审计丙", "auditor")
    svc.open_violation("东湖镇", NOTE)
    svc.open_violation("红旗镇", "另一举报")
    return svc


def cli(url: str, *args: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(["--db", url, "--lang", "en", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def url_of(svc: Service) -> str:
    return svc.engine.url.render_as_string(hide_password=False)


def test_a_coordinator_reads_only_the_districts_of_their_townships(
    two_districts: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(two_districts)
    sign_in(url, "协调甲")
    code, out, _ = cli(url, "township", "list", "--json", capsys=capsys)
    assert code == 0 and {t["township"] for t in json.loads(out)} == {"东湖镇", "西山镇"}
    code, out, _ = cli(url, "district", "list", "--json", capsys=capsys)
    assert [d["name"] for d in json.loads(out)] == ["某区"]
    assert cli(url, "status", "西山镇", capsys=capsys)[0] == 0  # same district, not theirs to change
    for args in (
        ["status", "红旗镇"],
        ["history", "红旗镇"],
        ["roster", "红旗镇", "grassroots"],
        ["violation", "list", "红旗镇"],
        ["township", "list", "--district", "演示区"],
        ["report", "--district", "演示区"],
        ["report"],
        ["export", "timeline", "-f", "csv", "-o", "-", "--district", "演示区"],
        ["export", "history", "红旗镇"],
    ):
        code, out, err = cli(url, *args, capsys=capsys)
        assert code == 4 and "协调甲" in err and "红旗镇" not in out, args
    code, out, _ = cli(url, "export", "timeline", "-f", "csv", "-o", "-", capsys=capsys)
    assert code == 0 and "东湖镇" in out and "红旗镇" not in out


def test_violation_notes_are_hidden_from_coordinators_everywhere(
    two_districts: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(two_districts)
    sign_in(url, "协调甲")
    outputs = [
        cli(url, *args, capsys=capsys)
        for args in (
            ["status", "东湖镇"],
            ["status", "东湖镇", "--json"],
            ["history", "东湖镇", "--json"],
            ["violation", "list", "--json"],
            ["report", "--district", "某区", "--json"],
            ["advance", "东湖镇"],
            ["export", "history", "东湖镇", "-f", "json"],
            ["export", "timeline", "-f", "html", "-o", "-"],
        )
    ]
    for code, out, err in outputs:
        assert code in (0, 3) and NOTE not in out + err
    status = json.loads(outputs[1][1])
    assert [v["note"] for v in status["open_violations"]] == [""]  # that a report is open, no more
    assert "open violation report #1" in outputs[0][1]
    for user in ("审核乙", "审计丙", "管理员"):
        sign_in(url, user)
        code, out, _ = cli(url, "status", "东湖镇", "--json", capsys=capsys)
        assert code == 0 and [v["note"] for v in json.loads(out)["open_violations"]] == [NOTE], user


def test_the_district_decisions_are_recorded_by_reviewers_and_admins_only(
    two_districts: Service, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    url = url_of(two_districts)
    sign_in(url, "协调甲")
    before = dump(two_districts)
    for fact, values in (
        ("review", ["decision=approved", "date=2021-04-20"]),
        ("standing_vote", ["date=2021-04-20", "votes_for=9", "votes_against=0"]),
    ):
        code, _, err = cli(url, "record", "东湖镇", fact, *values, capsys=capsys)
        assert code == 4 and f"may not record {fact}: only reviewer, admin may" in err
    assert dump(two_districts) == before
    sign_in(url, "审核乙")
    code, _, err = cli(
        url, "record", "东湖镇", "review", "decision=approved", "date=2021-04-20", capsys=capsys
    )
    assert code != 4, err


def test_recorded_by_is_validated_when_the_definition_loads() -> None:
    from importlib import resources

    text = (resources.files("workflow.states") / "township_election.toml").read_text(encoding="utf-8")
    bad = text.replace('recorded_by = ["reviewer", "admin"]', 'recorded_by = ["auditor"]', 1)
    with pytest.raises(BadInput) as e:
        loads(bad.encode(), "d.toml")
    assert "facts.review.recorded_by: unknown role 'auditor'" in e.value.text.en
    d = loads(text.encode(), "d.toml")
    assert d.facts["review"].recorded_by == ("reviewer", "admin")
    assert d.facts["draft"].recorded_by == ("coordinator", "reviewer", "admin")
