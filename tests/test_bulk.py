"""Bulk steps: a district's townships at one stage, each in its own transaction."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.test_service import dump
from workflow.app.service import Service
from workflow.cli.main import main


def setup_district(svc: Service) -> None:
    for name in ("西山镇", "南河乡", "北岭镇"):
        svc.add_township(name, "某区")
    for name in ("东湖镇", "南河乡"):
        svc.record(name, "draft", {"title": "工作报告", "date": "2021-04-12"})


def test_bulk_advance_moves_exactly_the_ready_ones(svc: Service) -> None:
    setup_district(svc)
    before = {n: len(svc.history(n)[1]) for n in ("东湖镇", "西山镇", "南河乡", "北岭镇")}
    outcomes = {o.township: o for o in svc.bulk_advance("某区", "draft_report", on="2021-04-13")}
    assert {n for n, o in outcomes.items() if o.outcome == "advanced"} == {"东湖镇", "南河乡"}
    assert {n for n, o in outcomes.items() if o.outcome == "blocked"} == {"西山镇", "北岭镇"}
    assert [c.id for c in outcomes["西山镇"].failing] == ["draft_recorded"]
    for name, count in before.items():
        events = svc.history(name)[1]
        moved = name in ("东湖镇", "南河乡")
        assert len(events) == count + (1 if moved else 0)
        assert svc.status(name).stage == ("lower_consultation" if moved else "draft_report")
        if moved:
            assert events[-1].kind == "advance"


def test_dry_run_writes_nothing(svc: Service) -> None:
    setup_district(svc)
    before = dump(svc)
    outcomes = {o.township: o.outcome for o in svc.bulk_advance("某区", "draft_report", dry_run=True)}
    assert outcomes == {"东湖镇": "ready", "南河乡": "ready", "西山镇": "blocked", "北岭镇": "blocked"}
    assert dump(svc) == before


def test_bulk_cli_lists_the_reasons_and_exits_3(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    setup_district(svc)
    url = svc.engine.url.render_as_string(hide_password=False)
    sign_in(url, "admin")
    code = main(
        [
            "--db",
            url,
            "--lang",
            "en",
            "advance",
            "--district",
            "某区",
            "--stage",
            "draft_report",
            "--on",
            "2021-04-13",
        ]
    )
    out = capsys.readouterr()
    assert code == 3
    assert "advanced\t东湖镇" in out.out and "blocked\t西山镇" in out.out
    assert "draft_recorded" in out.out and "4 townships at that stage: 2 advanced, 2 not" in out.out
    code = main(["--db", url, "advance", "东湖镇", "--district", "某区"])
    assert code == 2


def test_advance_many_reports_each_township(svc: Service) -> None:
    setup_district(svc)
    ids = {t.name: (t.id or 0, t.version) for t, _ in svc.townships("某区")}
    stale = (ids["南河乡"][0], ids["南河乡"][1] - 1)
    outcomes = svc.advance_many([ids["东湖镇"], ids["西山镇"], stale], on="2021-04-13")
    assert [(o.township, o.outcome) for o in outcomes] == [
        ("东湖镇", "advanced"),
        ("西山镇", "blocked"),
        ("南河乡", "conflict"),
    ]
    assert svc.status("南河乡").stage == "draft_report"
