"""The application service on every backend: steps, facts, permissions, atomicity."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text
from sqlmodel import Session, select

from tests.conftest import TODAY, make_service
from workflow.app.service import Service
from workflow.errors import BadInput, Blocked, Conflict, NotPermitted, Unavailable
from workflow.store import sql as hotpath
from workflow.store.tables import Event, Township


def dump(svc: Service) -> dict[str, list[Any]]:
    """Every row of every table, for before/after comparisons."""
    out: dict[str, list[Any]] = {}
    with svc.engine.connect() as conn:
        for table in (
            "district",
            "township",
            "event",
            "fact",
            "roster",
            "waiver",
            "violation",
            '"user"',
            "usertownship",
            "meta",
        ):
            out[table] = [tuple(r) for r in conn.execute(text(f"SELECT * FROM {table} ORDER BY 1"))]
        out["session"] = [  # all but its last use, which a read may refresh
            tuple(r)
            for r in conn.execute(
                text('SELECT id, token_hash, user_id, created, expires, revoked FROM "session" ORDER BY 1')
            )
        ]
    return out


def events(svc: Service, town: str = "东湖镇") -> list[Event]:
    return svc.history(town)[1]


def test_walk_refuses_out_of_order_and_names_the_missing_draft(svc: Service) -> None:
    with pytest.raises(Blocked) as e:
        svc.advance("东湖镇", to="talks")
    assert "Stage order" in e.value.text.en
    with pytest.raises(Blocked) as e:
        svc.advance("东湖镇")
    assert "Draft work report not recorded yet" in e.value.text.en
    assert [c.id for c in e.value.checks if not c.ok] == ["draft_recorded"]
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"})
    r = svc.advance("东湖镇", on="2021-04-13")
    assert (r.from_stage, r.to_stage) == ("draft_report", "lower_consultation")
    v = svc.status("东湖镇")
    assert v.stage == "lower_consultation" and v.stage_since == dt.date(2021, 4, 13)
    kinds = [(e.kind, e.from_stage, e.to_stage, e.actor) for e in events(svc)]
    assert kinds == [
        ("create", "draft_report", "draft_report", "admin"),
        ("record", "draft_report", "draft_report", "admin"),
        ("advance", "draft_report", "lower_consultation", "admin"),
    ]
    assert events(svc)[-1].effective_date == dt.date(2021, 4, 13)


def test_effective_date_in_the_future_is_bad_input_and_writes_nothing(svc: Service) -> None:
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"})
    before = dump(svc)
    with pytest.raises(BadInput) as e:
        svc.advance("东湖镇", on=TODAY + dt.timedelta(days=1))
    assert "later than today" in e.value.text.en
    assert dump(svc) == before


def test_effective_date_before_the_previous_step_is_refused(svc: Service) -> None:
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"})
    svc.advance("东湖镇", on="2021-04-13")
    svc.record(
        "东湖镇", "consultation", {"forms_issued": "10", "suggestions": "1", "meeting_date": "2021-04-14"}
    )
    with pytest.raises(BadInput) as e:
        svc.advance("东湖镇", on="2021-04-12")
    assert "before the township entered its current stage on 2021-04-13" in e.value.text.en


def test_unknown_township_is_named(svc: Service) -> None:
    with pytest.raises(BadInput) as e:
        svc.advance("西湖镇")
    assert "西湖镇" in e.value.text.en and "西湖镇" in e.value.text.zh


def test_bad_fact_values_list_every_problem(svc: Service) -> None:
    before = dump(svc)
    with pytest.raises(BadInput) as e:
        svc.record("东湖镇", "consultation", {"forms_issued": "many", "meeting_date": "2021-13-01", "x": "1"})
    msg = e.value.text.en
    assert "forms_issued=many" in msg and "whole number" in msg
    assert "meeting_date=2021-13-01" in msg and "YYYY-MM-DD" in msg
    assert "suggestions" in msg and "must not be empty" in msg
    assert "has no field 'x'" in msg
    assert dump(svc) == before


def test_fact_of_a_passed_stage_needs_a_revert(svc: Service) -> None:
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"})
    svc.advance("东湖镇", on="2021-04-13")
    with pytest.raises(Blocked) as e:
        svc.record("东湖镇", "draft", {"title": "改", "date": "2021-04-12"})
    assert "a reviewer must revert first" in e.value.text.en


def test_auditor_cannot_change_and_nothing_is_written(svc: Service) -> None:
    svc.add_user("审计员", "auditor")
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"})
    before = dump(svc)
    auditor = make_service(svc.engine.url.render_as_string(hide_password=False), "审计员")
    with pytest.raises(NotPermitted) as e:
        auditor.advance("东湖镇")
    assert "审计员" in e.value.text.zh
    assert dump(svc) == before
    assert auditor.status("东湖镇").stage == "draft_report"


def test_coordinator_only_on_their_townships(svc: Service) -> None:
    svc.add_township("西山镇", "某区")
    svc.add_user("赵组织", "coordinator", ["东湖镇"])
    coord = make_service(svc.engine.url.render_as_string(hide_password=False), "赵组织")
    coord.record("东湖镇", "draft", {"title": "报告", "date": "2021-04-12"})
    with pytest.raises(NotPermitted):
        coord.record("西山镇", "draft", {"title": "报告", "date": "2021-04-12"})
    with pytest.raises(NotPermitted):
        coord.waive_check("东湖镇", "draft_recorded", "理由")
    with pytest.raises(NotPermitted):
        coord.return_("东湖镇", "draft_report", "理由")


def test_unknown_actor_is_not_permitted(svc: Service) -> None:
    ghost = make_service(svc.engine.url.render_as_string(hide_password=False), "nobody")
    with pytest.raises(NotPermitted) as e:
        ghost.status("东湖镇")
    assert "nobody" in e.value.text.en


def _to_upper_review(svc: Service) -> None:
    svc.record("东湖镇", "draft", {"title": "报告", "date": "2021-04-12"})
    svc.advance("东湖镇", on="2021-04-13")
    svc.record(
        "东湖镇", "consultation", {"forms_issued": "160", "suggestions": "5", "meeting_date": "2021-04-15"}
    )
    svc.advance("东湖镇", on="2021-04-16")


def test_return_from_upper_review_needs_the_returned_decision(svc: Service) -> None:
    _to_upper_review(svc)
    svc.record("东湖镇", "review", {"decision": "returned", "date": "2021-04-18"})
    r = svc.return_("东湖镇", "draft_report", "报告需修改", on="2021-04-18")
    assert (r.kind, r.to_stage) == ("return", "draft_report")
    ev = events(svc)[-1]
    assert ev.kind == "return" and ev.note == "报告需修改"


def test_revert_to_any_earlier_stage_by_a_reviewer(svc: Service) -> None:
    _to_upper_review(svc)
    r = svc.return_("东湖镇", "lower_consultation", "材料不全", on="2021-04-17")
    assert (r.kind, r.to_stage) == ("revert", "lower_consultation")
    with pytest.raises(Blocked):
        svc.return_("东湖镇", "talks", "向前不行")
    with pytest.raises(BadInput):
        svc.return_("东湖镇", "draft_report", "  ")


def test_state_and_event_commit_together(svc: Service, monkeypatch: pytest.MonkeyPatch) -> None:
    """A failure after the township's UPDATE and before the event's INSERT leaves neither."""
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"})
    before = dump(svc)
    monkeypatch.setattr(hotpath, "INSERT_EVENT", "INSERT INTO no_such_table VALUES (1)")
    with pytest.raises(Unavailable) as e:  # the database failed: exit 7, nothing changed
        svc.advance("东湖镇", on="2021-04-13")
    assert "no_such_table" in e.value.text.en and "nothing was changed" in e.value.text.en
    assert dump(svc) == before
    monkeypatch.undo()
    svc.advance("东湖镇", on="2021-04-13")
    assert svc.status("东湖镇").stage == "lower_consultation"


def test_stale_version_is_a_conflict_naming_who(svc: Service) -> None:
    seen = svc.status("东湖镇").version
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"})
    before = dump(svc)
    with pytest.raises(Conflict) as e:
        svc.advance("东湖镇", expected_version=seen)
    assert "admin" in e.value.text.en and f"you saw version {seen}" in e.value.text.en
    assert dump(svc) == before


def test_waiver_and_violation_show_in_status_history_and_report(svc: Service) -> None:
    svc.waive_check("东湖镇", "draft_recorded", "区委同意先行")
    v = svc.status("东湖镇")
    waived = next(c for c in v.checks if c.id == "draft_recorded")
    assert waived.waived and not waived.passed and waived.ok and waived.waiver_reason == "区委同意先行"
    violation, _ = svc.open_violation("东湖镇", "反映有拉票行为")
    with pytest.raises(Blocked) as e:
        svc.advance("东湖镇")
    assert f"#{violation.id}" in e.value.text.en and "open violation" in e.value.text.en
    kinds = [e.kind for e in events(svc)]
    assert "waive" in kinds and "violation_open" in kinds
    rep = svc.report("某区")
    assert rep["waivers"][0]["check"] == "draft_recorded"
    assert rep["violations"]["open"] == 1
    svc.resolve_violation(violation.id or 0, "经核实不属实")
    r = svc.advance("东湖镇", on="2021-04-13")
    assert r.to_stage == "lower_consultation"
    assert svc.report("某区")["violations"]["open"] == 0


def test_every_change_leaves_a_verifiable_chain(svc: Service) -> None:
    _to_upper_review(svc)
    report = svc.verify()
    assert report.ok and report.events >= 6
    with Session(svc.engine.sa) as s:
        town = s.exec(select(Township).where(Township.name == "东湖镇")).one()
        assert town.version == len(events(svc))


def test_an_advance_reads_its_township_and_records_once(
    svc: Service, monkeypatch: pytest.MonkeyPatch
) -> None:
    """An advance by id is five statements besides its transaction's begin and end: the
    township with the user's role (locked on PostgreSQL), its records (the gate, the
    dates, the next gate), the next gate's state, the event (one statement with the
    gate state on PostgreSQL), the township's row."""
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"})
    tid = str(svc.status("东湖镇").township_id)
    svc.advance(tid, on="2021-04-13")
    svc.return_(tid, "draft_report", "再议", on="2021-04-13")
    seen: list[str] = []
    run = hotpath.Raw._execute

    def counted(self: hotpath.Raw, cur: Any, sql: str, params: Any) -> None:
        if not sql.startswith("BEGIN"):
            seen.append(sql[:60])
        run(self, cur, sql, params)

    monkeypatch.setattr(hotpath.Raw, "_execute", counted)
    svc.advance(tid, on="2021-04-13")
    assert len(seen) == (5 if svc.engine.dialect.name == "sqlite" else 4), seen
    assert svc.status(tid).stage == "lower_consultation"
