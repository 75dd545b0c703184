"""Bulk steps: a district's townships at one stage, each in its own transaction."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from tests.test_service import dump
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.errors import Blocked


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


def test_dry_run_equals_each_townships_own_evaluation(svc: Service) -> None:
    """The dry run reads a district in bulk (the stored gate states that hold, the
    records of the others in one query each, results shared between townships whose
    gates read the same); its outcome is what each township's own evaluation (status)
    and its own advance say: ready, or blocked with every failing check and the same
    text, whatever the stored state (one that holds, one stored at an older version,
    one past its day, none at all)."""
    from sqlalchemy import text

    names = ["就绪镇", "空白乡", "违纪镇", "豁免乡", "零表乡", "旧态镇", "伪态乡", "过期镇", "无态乡"]
    for name in names:
        svc.add_township(name, "某区")
        svc.record(name, "draft", {"title": "工作报告", "date": "2021-04-12"})
        svc.advance(name, on="2021-04-13")
    done = {"forms_issued": "10", "suggestions": "1", "meeting_date": "2021-04-14"}
    none_issued = {"forms_issued": "0", "suggestions": "1", "meeting_date": "2021-04-14"}
    for name in ("就绪镇", "旧态镇", "无态乡"):
        svc.record(name, "consultation", done)
    for name in ("豁免乡", "零表乡"):  # the same records: their gates read the same
        svc.record(name, "consultation", none_issued)
    svc.waive_check("豁免乡", "opinion_forms_issued", "表格已补发")
    svc.open_violation("违纪镇", "违规拉票")
    ids = {t.name: t.id for t, _ in svc.townships("某区")}
    with svc.engine.begin() as conn:  # stored states that no longer hold
        for name in ("旧态镇", "伪态乡"):  # stored at an older version, saying ready
            conn.execute(
                text("UPDATE gatestate SET version = version - 1, failing = 0 WHERE township_id = :t"),
                {"t": ids[name]},
            )
        conn.execute(  # past the day it held until, saying ready
            text("UPDATE gatestate SET failing = 0, valid_until = :d WHERE township_id = :t"),
            {"d": "2021-01-01", "t": ids["过期镇"]},
        )
        conn.execute(text("DELETE FROM gatestate WHERE township_id = :t"), {"t": ids["无态乡"]})
    dry = {o.township: o for o in svc.bulk_advance("某区", "lower_consultation", dry_run=True)}
    assert set(dry) == set(names)
    for name in names:
        failing = [c for c in svc.status(name).checks if not c.ok]
        assert dry[name].failing == failing, name
        try:
            svc.advance(name, on="2021-04-15")
        except Blocked as e:
            assert (dry[name].outcome, dry[name].reason) == ("blocked", e.text), name
            assert [c for c in e.checks if not c.ok] == failing
        else:
            assert (dry[name].outcome, dry[name].reason, failing) == ("ready", None, []), name
    outcome = {n: (o.outcome, len(o.failing)) for n, o in dry.items()}
    assert outcome == {
        "就绪镇": ("ready", 0),
        "空白乡": ("blocked", 2),
        "违纪镇": ("blocked", 3),
        "豁免乡": ("ready", 0),
        "零表乡": ("blocked", 1),
        "旧态镇": ("ready", 0),
        "伪态乡": ("blocked", 2),
        "过期镇": ("blocked", 2),
        "无态乡": ("ready", 0),
    }
