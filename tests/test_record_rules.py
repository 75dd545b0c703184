"""Records that cannot be true are refused by the service (so by the CLI and the TUI
alike), with the numbers in both languages, and nothing is written."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from tests.conftest import make_service, sign_in
from tests.test_service import dump
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.domain.definition import default_definition
from workflow.domain.record_rules import Evidence, advance_problems, roster_evidence, value_problems
from workflow.errors import BadInput

CONGRESS = {
    "date": "2021-06-01",
    "should_attend": "100",
    "present": "120",
    "ballots_issued": "100",
    "ballots_returned": "100",
    "committee_seats": "7",
    "discipline_seats": "5",
}


def refused(svc: Service, call: object) -> BadInput:
    """Run ``call``; it must be refused as bad input and change nothing."""
    before = dump(svc)
    with pytest.raises(BadInput) as e:
        call()  # type: ignore[operator]
    assert dump(svc) == before
    return e.value


def test_a_period_ending_before_it_starts_is_refused(svc: Service) -> None:
    e = refused(
        svc,
        lambda: svc.record(
            "东湖镇", "publicity", {"start": "2021-05-10", "end": "2021-05-03", "objections_open": "0"}
        ),
    )
    assert "2021-05-03" in e.text.zh and "2021-05-10" in e.text.zh and "早于" in e.text.zh
    assert "End 2021-05-03 is before Start 2021-05-10" in e.text.en
    assert "cannot end before it starts" in e.text.en


def test_a_period_of_one_day_is_accepted(svc: Service) -> None:
    svc.record("东湖镇", "publicity", {"start": "2021-05-10", "end": "2021-05-10", "objections_open": "0"})
    assert svc.status("东湖镇").facts["publicity"]["end"] == dt.date(2021, 5, 10)


def test_more_present_than_expected_is_refused(svc: Service) -> None:
    e = refused(svc, lambda: svc.record("东湖镇", "congress", CONGRESS))
    assert "实到代表120多于应到代表100" in e.text.zh
    assert "Delegates present 120 is more than Delegates who should attend 100" in e.text.en


def test_more_ballots_returned_than_issued_is_refused(svc: Service) -> None:
    values = CONGRESS | {"present": "95", "ballots_issued": "95", "ballots_returned": "96"}
    e = refused(svc, lambda: svc.record("东湖镇", "congress", values))
    assert "收回选票96多于发出选票95" in e.text.zh
    assert "Ballots returned 96 is more than Ballots issued 95" in e.text.en


def test_an_advance_dated_before_the_fact_it_rests_on_is_refused(svc: Service) -> None:
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"})
    e = refused(svc, lambda: svc.advance("东湖镇", on="2021-04-10"))
    assert "推进日期2021-04-10早于「工作报告初稿」的日期2021-04-12" in e.text.zh
    assert "advance date 2021-04-10 is before the Date of Draft work report (2021-04-12)" in e.text.en
    r = svc.advance("东湖镇", on="2021-04-12")  # the same day is fine
    assert r.to_stage == "lower_consultation"


def test_a_record_before_the_township_started_is_refused(svc: Service) -> None:
    svc.add_township("西山镇", "某区", since="2021-05-01")
    e = refused(svc, lambda: svc.record("西山镇", "draft", {"title": "报告", "date": "2021-04-20"}))
    assert "日期2021-04-20早于该乡镇换届开始的日期2021-05-01" in e.text.zh
    assert "Date 2021-04-20 is before the township started on 2021-05-01" in e.text.en
    e = refused(
        svc, lambda: svc.record("西山镇", "draft", {"title": "报告", "date": "2021-05-02"}, on="2021-04-25")
    )
    assert "生效日期2021-04-25早于「西山镇」开始换届工作的日期2021-05-01" in e.text.zh
    assert "effective date 2021-04-25 is before '西山镇' began its work on 2021-05-01" in e.text.en
    svc.record("西山镇", "draft", {"title": "报告", "date": "2021-05-02"}, on="2021-05-02")


def test_the_cli_refuses_an_impossible_record_with_exit_2(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "w.db"
    svc = make_service(f"sqlite:///{db}")
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区")
    svc.engine.dispose()
    sign_in(str(db), "admin")
    bad = ["record", "东湖镇", "publicity", "start=2021-05-10", "end=2021-05-03", "objections_open=0"]
    assert main(["--db", str(db), "--lang", "en", *bad]) == 2
    err = capsys.readouterr().err
    assert "End 2021-05-03 is before Start 2021-05-10" in err
    assert main(["--db", str(db), "--lang", "zh", *bad]) == 2
    assert "结束日期2021-05-03早于开始日期2021-05-10" in capsys.readouterr().err


def test_value_rules_are_pure_and_name_each_problem() -> None:
    d = default_definition()
    parsed = {"start": dt.date(2021, 5, 10), "end": dt.date(2021, 5, 9), "objections_open": 0}
    [problem] = value_problems(d.facts["publicity"], parsed)
    assert "2021-05-09" in problem.en and "2021-05-10" in problem.en
    assert value_problems(d.facts["publicity"], parsed | {"end": dt.date(2021, 5, 11)}) == []


def test_a_roster_dates_the_advance_by_its_latest_row() -> None:
    rows: list[dict[str, object]] = [
        {"date": dt.date(2021, 11, 20)},
        {"date": dt.date(2021, 11, 22)},
        {"date": None},
    ]
    evidence = roster_evidence(default_definition().facts["draft"].label(), rows)
    assert [e.day for e in evidence] == [dt.date(2021, 11, 22)]
    [problem] = advance_problems(dt.date(2021, 11, 15), evidence)
    assert "2021-11-15" in problem.zh and "2021-11-22" in problem.zh
    assert "advance date 2021-11-15 is before" in problem.en and "(2021-11-22)" in problem.en
    assert advance_problems(dt.date(2021, 11, 22), [Evidence(problem, dt.date(2021, 11, 22))]) == []
