"""The dashboard's read-only queries: paging, filters, gate state for visible rows."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy import text
from sqlmodel import Session

from tests.conftest import FROZEN_TODAY, demo_service
from workflow.app.dashboard import Dashboard, days_overdue, parse_query, stage_matches
from workflow.app.service import Service
from workflow.domain.definition import default_definition
from workflow.errors import Blocked, NotPermitted
from workflow.store import migrate
from workflow.store.tables import District, Township


def board(url: str, actor: str = "admin") -> Dashboard:
    return Dashboard(demo_service(url, actor))


def names(url: str, text: str) -> list[str]:
    return [r.name for r in board(url).page(text, 0, 100).rows]


def test_progress_counts_townships_per_stage(demo_url: str) -> None:
    summary = board(demo_url).progress()
    assert summary.overall is None and summary.more == 0
    progress = {p.district: p for p in summary.districts}
    assert progress["某区"].by_stage == {"completed": 10}
    assert progress["演示区"].total == 6
    assert progress["演示区"].by_stage["delegate_nomination"] == 1


def test_pages_follow_each_other_without_overlap(demo_url: str) -> None:
    b = board(demo_url)
    first = b.page("", 0, 10)
    assert (first.total, first.next_start) == (16, 10)
    second = b.page("", 10, 10)
    assert second.next_start is None
    ids = [r.id for r in first.rows + second.rows]
    assert len(ids) == len(set(ids)) == 16


def test_filter_by_name_stage_and_state(demo_url: str) -> None:
    assert names(demo_url, "白水") == ["白水乡"]
    assert names(demo_url, "推选") == ["白水乡"]
    assert names(demo_url, "talks") == ["石桥镇"]
    assert names(demo_url, "演示区 逾期") == ["柳河镇", "金沙镇"]
    assert names(demo_url, "违纪") == ["红旗镇"]
    assert names(demo_url, "豁免") == ["石桥镇"]
    assert len(names(demo_url, "完成")) == 10


def test_gate_filters_read_the_stored_states(demo_url: str) -> None:
    page = board(demo_url).page("受阻", 0, 3)
    assert page.total == 6  # counted by the stored column: every township in progress
    assert [r.name for r in page.rows] == ["青山镇", "白水乡", "红旗镇"]
    assert all(not page.gates[r.id].ready for r in page.rows)
    assert page.next_start is not None
    assert names(demo_url, "就绪") == []


def test_gate_states_count_failing_and_waived(demo_url: str) -> None:
    svc = demo_service(demo_url)
    ids = {n: svc.status(n).township_id for n in ("白水乡", "石桥镇", "东湖镇")}
    gates = Dashboard(svc).gate_states(list(ids.values()))
    assert gates[ids["白水乡"]].failing == 2
    assert gates[ids["东湖镇"]].final
    assert gates[ids["石桥镇"]].failing == 3


def test_open_violations_are_counted_per_row(demo_url: str) -> None:
    rows = {r.name: r for r in board(demo_url).page("", 0, 100).rows}
    assert rows["红旗镇"].open_violations == 1
    assert rows["白水乡"].open_violations == 0


def test_unknown_user_is_refused(demo_url: str) -> None:
    with pytest.raises(NotPermitted):
        board(demo_url, "nobody").page("", 0, 10)


def test_query_words_and_stage_numbers() -> None:
    q = parse_query("演示区 逾期 Ready")
    assert q.words == ("演示区",)
    assert q.states == {"overdue", "ready"}
    assert q.needs_gates
    d = default_definition()
    assert stage_matches(d, "4/8") == ["delegate_nomination"]
    assert days_overdue(d, "pledges", FROZEN_TODAY - dt.timedelta(days=12), FROZEN_TODAY) == 2
    assert days_overdue(d, "completed", FROZEN_TODAY, FROZEN_TODAY) is None


def test_a_page_of_40000_townships_reads_the_page_only(demo_url: str) -> None:
    svc = demo_service(demo_url)
    with Session(svc.engine.sa) as s:
        district = District(name="大区")
        s.add(district)
        s.flush()
        assert district.id is not None
        s.add_all(
            Township(
                name=f"镇{i:05d}", district_id=district.id, stage="draft_report", stage_since=FROZEN_TODAY
            )
            for i in range(40_000)
        )
        s.commit()
    b = Dashboard(svc)
    page = b.page("", 20_000, 60)
    progress = b.progress()
    b.gate_states([r.id for r in page.rows[:20]])
    assert (page.total, page.more) == (20_060, True)  # counted up to COUNT_CAP, not every township
    assert len(page.rows) == 60
    assert any(p.district == "大区" and p.total == 40_000 for p in progress.districts)


def test_progress_adds_up_the_districts_it_does_not_list(demo_url: str) -> None:
    summary = board(demo_url).progress(limit=1)
    assert [p.district for p in summary.districts] == ["某区"]
    assert summary.more == 1
    assert summary.overall is not None and summary.overall.total == 16
    assert summary.overall.by_stage["completed"] == 10


def test_a_district_with_its_own_definition_is_labelled_and_filtered_by_it(
    demo_url: str, tmp_path: Path
) -> None:
    """A district on its own definition file: its rows carry that definition (stage
    names, deadlines) and the overdue filter uses its deadlines, not the default's."""
    toml = (Path(__file__).parent.parent / "states" / "township_election.toml").read_text(encoding="utf-8")
    own = toml.replace('zh = "起草工作报告"', 'zh = "起草报告（试点）"', 1).replace(
        "deadline_days = 10", "deadline_days = 60", 1
    )
    path = tmp_path / "pilot.toml"
    path.write_text(own, encoding="utf-8")
    svc = demo_service(demo_url)
    svc.add_district("试点区", str(path))
    svc.add_district("对照区")
    began = FROZEN_TODAY - dt.timedelta(days=20)
    svc.add_township("试点镇", "试点区", since=began)
    svc.add_township("对照镇", "对照区", since=began)
    page = Dashboard(svc).page("", 0, 100)
    rows = {r.name: r for r in page.rows}
    pilot, control = rows["试点镇"], rows["对照镇"]
    assert page.definitions[pilot.district_id].stage("draft_report").zh == "起草报告（试点）"
    assert control.district_id not in page.definitions  # the default
    assert (
        days_overdue(page.definitions[pilot.district_id], pilot.stage, pilot.stage_since, FROZEN_TODAY) == 0
    )
    late = names(demo_url, "逾期")
    assert "对照镇" in late and "试点镇" not in late
    # a stage word names the stage of the definitions that have it, in their districts only
    assert names(demo_url, "报告（试点") == ["试点镇"]
    default_word = names(demo_url, "起草工作报告")
    assert "对照镇" in default_word and "试点镇" not in default_word
    # an unreadable definition file leaves the list working (its district on the default)
    path.unlink()
    assert names(demo_url, "对照") == ["对照镇"]
    assert "试点镇" in names(demo_url, "")


def stored_states(svc: Service) -> dict[str, tuple[int, bool, int, int, object]]:
    with svc.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.name, g.version, g.final, g.failing, g.waived, g.valid_until "
                "FROM gatestate g JOIN township t ON t.id = g.township_id"
            )
        ).all()
    return {str(r[0]): (int(r[1]), bool(r[2]), int(r[3]), int(r[4]), r[5]) for r in rows}


def test_every_change_stores_the_next_gate_in_its_transaction(demo_url: str) -> None:
    """The stored state is what evaluating the gate now gives, at the township's
    version, for every township of the demo; a record that fixes a check changes it
    in the same change."""
    svc = demo_service(demo_url)
    stored = stored_states(svc)
    for name in ("白水乡", "石桥镇", "东湖镇", "红旗镇", "柳河镇", "金沙镇", "青山镇"):
        status = svc.status(name)
        version, final, failing, waived, _ = stored[name]
        assert version == status.version
        assert final == (status.next_stage is None), name
        assert failing == sum(1 for c in status.checks if not c.ok), name
        assert waived == sum(1 for c in status.checks if c.waived and not c.passed), name
    before = stored["白水乡"]
    svc.record("白水乡", "nomination", {"seats": "150"})
    after = stored_states(svc)["白水乡"]
    assert after[0] == before[0] + 1


def as_older_release(svc: Service) -> None:
    """The database as the lists of a read-only copy at an older schema revision see
    it: labelled 0009, without the indexes of 0010, where a stored state may be missing
    or at another version. (Its roster table stays this release's: the lists read it.)"""
    with svc.engine.begin() as conn:
        conn.execute(text("DROP INDEX ix_gatestate_valid_until"))
        conn.execute(text("DROP INDEX ix_township_stage_since"))
        if svc.engine.dialect.name == "postgresql":
            conn.execute(text("DROP STATISTICS st_gatestate_state"))
        conn.execute(text("UPDATE alembic_version SET version_num = '0009'"))


def as_revision_0010(svc: Service) -> None:
    """Undo :func:`as_older_release`, then take the database back to revision 0010 for
    real (its rosters one row per roster row again), so that ``db upgrade`` runs the
    revisions that follow it."""
    with svc.engine.begin() as conn:
        conn.execute(text("CREATE INDEX ix_gatestate_valid_until ON gatestate (valid_until)"))
        conn.execute(text("CREATE INDEX ix_township_stage_since ON township (stage, stage_since)"))
        if svc.engine.dialect.name == "postgresql":
            conn.execute(text("CREATE STATISTICS st_gatestate_state (mcv) ON failing, final FROM gatestate"))
        conn.execute(text("UPDATE alembic_version SET version_num = :head"), {"head": migrate.HEAD})
    migrate.downgrade(svc.engine, "0010")


def test_a_stale_state_is_evaluated_and_a_changed_one_never_trusted(demo_url: str) -> None:
    """A stored state at another version than the township's, or none, left by an older
    release (a database at an older schema revision, read without upgrading) is not
    read: the lists evaluate that township instead; `db upgrade` expires such states,
    then stores every township's again."""
    svc = demo_service(demo_url)
    blocked = names(demo_url, "受阻")
    as_older_release(svc)
    with svc.engine.begin() as conn:  # a forged state: every township "ready", at a wrong version
        conn.execute(text("UPDATE gatestate SET failing = 0, version = version + 100"))
    assert names(demo_url, "受阻") == blocked
    assert names(demo_url, "就绪") == []
    with svc.engine.begin() as conn:  # no stored states at all
        conn.execute(text("DELETE FROM gatestate"))
    assert names(demo_url, "受阻") == blocked
    page = board(demo_url).page("受阻", 0, 100)
    assert page.total == len(blocked)
    as_revision_0010(svc)
    svc.upgrade_schema()
    assert names(demo_url, "受阻") == blocked and svc.verify().ok
    assert {v[0] for v in stored_states(svc).values()} != set()


def test_many_stale_states_are_read_chunk_by_chunk(demo_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import workflow.app.dashboard as dashboard

    blocked = names(demo_url, "受阻")
    svc = demo_service(demo_url)
    with svc.engine.begin() as conn:  # every state expired (new rules, say)
        conn.execute(text("UPDATE gatestate SET failing = 0, valid_until = '0001-01-01'"))
    monkeypatch.setattr(dashboard, "STALE_LIMIT", 2)
    page = board(demo_url).page("受阻", 0, 100)
    assert [r.name for r in page.rows] == blocked and page.total is None


def test_a_state_the_calendar_changes_goes_stale_on_that_day(db_url: str) -> None:
    """A publicity period running until today (2026-11-30) blocks; the stored state
    says so (valid until 12-01), and on 12-01 the list evaluates it again: the
    publicity check passes."""
    from tests.conftest import attach_evidence, make_service

    svc = make_service(db_url, today=dt.date(2026, 11, 30))
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区", since="2026-11-01")
    with svc.engine.begin() as conn:
        conn.execute(text("UPDATE township SET stage = 'personnel_plan'"))
    svc.record("东湖镇", "publicity", {"start": "2026-11-16", "end": "2026-11-30", "objections_open": "0"})
    svc.record("东湖镇", "standing_vote", {"votes_for": "9", "votes_against": "0", "date": "2026-11-18"})
    attach_evidence(svc, "东湖镇", "publicity")  # the notice: only the calendar keeps the check failing
    status = svc.status("东湖镇")
    failing_then = [c.id for c in status.checks if not c.ok]
    assert "publicity" in failing_then
    _, _, failing, _, until = stored_states(svc)["东湖镇"]
    assert failing == len(failing_then) and str(until)[:10] == "2026-12-01"
    later = make_service(db_url, today=dt.date(2026, 12, 1))
    still = [c.id for c in later.status("东湖镇").checks if not c.ok]
    assert "publicity" not in still
    page = Dashboard(later).page("受阻" if still else "就绪", 0, 10)
    assert [r.name for r in page.rows] == ["东湖镇"]


def test_audit_verify_names_a_forged_gate_state(demo_url: str) -> None:
    """A stored state edited to hold at the township's version (a blocked township
    shown as ready) is named by audit verify; the lists never decide a step on it
    (advance evaluates the gate itself)."""
    svc = demo_service(demo_url)
    assert svc.verify().ok
    with svc.engine.begin() as conn:
        conn.execute(
            text(
                "UPDATE gatestate SET failing = 0 WHERE township_id = "
                "(SELECT id FROM township WHERE name = '白水乡')"
            )
        )
    report = svc.verify()
    assert not report.ok
    (d,) = report.differences
    assert (d.table, d.township, d.field, d.stored, d.implied) == ("gatestate", "白水乡", "failing", "0", "2")
    assert "table gatestate (next gate's state): township '白水乡'" in d.text.en
    assert names(demo_url, "就绪") == ["白水乡"]  # the list shows it, as the forged row says
    with pytest.raises(Blocked):
        svc.advance("白水乡")


def five_townships(url: str) -> Service:
    """东区 (甲镇, 乙镇, 丙镇) and 西区 (丁乡, 戊乡), at the first stage since 2021-01-04."""
    from tests.conftest import make_service

    svc = make_service(url)
    svc.init()
    for district, towns in (("东区", ("甲镇", "乙镇", "丙镇")), ("西区", ("丁乡", "戊乡"))):
        svc.add_district(district)
        for town in towns:
            svc.add_township(town, district, since="2021-01-04")
    return svc


def listed(svc: Service, text: str, start: int = 0, limit: int = 100) -> list[str]:
    return [r.name for r in Dashboard(svc).page(text, start, limit).rows]


def test_matches_are_counted_up_to_the_cap(db_url: str, monkeypatch: pytest.MonkeyPatch) -> None:
    """Past COUNT_CAP matches the count stops ("more than"); the pages read the same
    rows in the same order whether the state filter counted few or many."""
    import workflow.app.dashboard as dashboard

    svc = five_townships(db_url)
    b = Dashboard(svc)
    everyone = ["甲镇", "乙镇", "丙镇", "丁乡", "戊乡"]
    full = b.page("受阻", 0, 100)
    assert [r.name for r in full.rows] == everyone
    assert (full.total, full.more, full.next_start) == (5, False, None)
    assert b.counts("")["overdue"] == 5
    monkeypatch.setattr(dashboard, "COUNT_CAP", 3)
    first = b.page("受阻", 0, 2)
    assert (first.total, first.more, first.next_start) == (3, True, 2)
    assert [r.name for r in first.rows + b.page("受阻", 2, 10).rows] == everyone
    assert set(first.gates) == {r.id for r in first.rows}
    plain = b.page("", 0, 2)
    assert (plain.total, plain.more, plain.next_start) == (3, True, 2)
    rest = b.page("", 2, 10)
    assert (rest.total, rest.more, rest.next_start) == (5, False, None)
    assert (b.page("东区", 0, 10).total, b.page("东区", 0, 10).more) == (3, False)
    assert b.counts("")["overdue"] == 4  # COUNT_CAP + 1: more than 3
    assert b.counts("西区")["overdue"] == 2


def test_stale_states_are_found_by_index(db_url: str) -> None:
    """At this release's schema every township has a stored gate state at its version or
    expired: an expired one (the calendar, new rules) is found by the index on
    valid_until and evaluated. A missing or outdated one (edited behind the program's
    back) is named by audit verify, and `db upgrade` expires it; a copy at an older
    revision is compared township by township."""
    from workflow.store import sql as hot
    from workflow.store.projection import expire_stale_gate_states

    svc = five_townships(db_url)
    everyone = ["甲镇", "乙镇", "丙镇", "丁乡", "戊乡"]
    assert listed(svc, "受阻") == everyone and svc.verify().ok
    sqlite = svc.engine.dialect.name == "sqlite"
    today = "2021-06-30" if sqlite else dt.date(2021, 6, 30)

    def town(name: str) -> str:
        return f"township_id = (SELECT id FROM township WHERE name = '{name}')"

    with svc.engine.begin() as conn:  # 甲镇: stored "ready", valid until today (so stale today)
        conn.execute(
            text(f"UPDATE gatestate SET failing = 0, valid_until = :d WHERE {town('甲镇')}"), {"d": today}
        )
    assert listed(svc, "受阻") == everyone and listed(svc, "就绪") == []
    assert svc.verify().ok
    with svc.engine.begin() as conn:  # 乙镇: no stored state; 丙镇: stored "ready" at another version
        conn.execute(text(f"DELETE FROM gatestate WHERE {town('乙镇')}"))
        conn.execute(text(f"UPDATE gatestate SET failing = 0, version = version + 100 WHERE {town('丙镇')}"))
    report = svc.verify()
    found = {(d.township, d.field, d.stored) for d in report.differences if d.table == "gatestate"}
    assert not report.ok and found == {("乙镇", "version", "(none)"), ("丙镇", "version", "101")}
    with hot.write(svc.engine) as db:  # what `db upgrade` (and migration 0010) do
        expire_stale_gate_states(db)
    assert svc.verify().ok
    assert listed(svc, "受阻") == everyone and listed(svc, "就绪") == []
    page = Dashboard(svc).page("受阻", 0, 2)
    assert (page.total, page.next_start) == (5, 2) and set(page.gates) == {r.id for r in page.rows}
    as_older_release(svc)  # a copy at an older revision: states missing or outdated, found all the same
    with svc.engine.begin() as conn:
        conn.execute(text(f"DELETE FROM gatestate WHERE {town('丁乡')}"))
        conn.execute(text(f"UPDATE gatestate SET failing = 0, version = version + 100 WHERE {town('戊乡')}"))
    assert listed(svc, "受阻") == everyone and listed(svc, "就绪") == []


def test_a_page_read_uncounted_leaves_the_count_to_matches(demo_url: str) -> None:
    b = board(demo_url)
    counted = b.page("镇", 0, 2)
    uncounted = b.page("镇", 0, 2, counted=False)
    assert [r.id for r in uncounted.rows] == [r.id for r in counted.rows] and uncounted.next_start == 2
    assert uncounted.total is None and counted.total == b.matches("镇") and (counted.total or 0) > 2
    whole = b.page("镇", 0, 100, counted=False)  # the end of the list: its length is the count
    assert whole.total == counted.total and whole.next_start is None
    assert b.matches("受阻") is None  # needs gate states: its pages count it
