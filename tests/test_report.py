"""The demo data and the district report computed from it reproduce the seed."""

from __future__ import annotations

from sqlalchemy import text

from tests.conftest import demo_service
from workflow.app.demo import build_demo
from workflow.domain.report import render_text
from workflow.domain.rosters import stored_lines


def test_seed_district_figures(demo_url: str) -> None:
    r = demo_service(demo_url).report("某区")
    assert r["townships"] == 10 and r["townships_completed"] == 10
    assert (r["first_date"], r["last_date"]) == ("2021-04-11", "2021-05-22")
    d = r["delegates"]
    assert d["total"] == 1057 and d["min_per_township"] >= 100
    cats = d["by_category"]
    assert (cats["frontline"]["count"], cats["frontline"]["percent"]) == (591, 55.9)
    assert (cats["professional"]["count"], cats["professional"]["percent"]) == (298, 28.2)
    assert (cats["migrant"]["count"], cats["migrant"]["percent"]) == (46, 4.4)
    t = r["team"]
    assert (t["members"], t["rotated"], t["rotation_rate"]) == (97, 27, 27.8)
    assert (t["average_age"], t["average_age_change"]) == (36.6, -3.17)
    assert (t["under_35"], t["under_35_change"]) == (25, 8)
    assert r["townships_with_woman"] == 10 and r["townships_with_under_35"] == 10
    assert r["opinion_forms"] >= 1600 and r["suggestions"] >= 50
    assert r["average_vote_rate"] > 90
    assert r["violations"]["total"] == 0
    assert r["pledges_by_category"]["5"] == 1057 and r["pledges_by_category"]["1"] == 9


def test_report_is_computed_from_the_rosters(demo_url: str) -> None:
    """Remove one elected delegate's row and the figures follow."""
    svc = demo_service(demo_url)
    with svc.engine.begin() as conn:  # the rows written into the roster row itself, one fewer
        for tid, lines, payload in conn.execute(
            text(
                "SELECT r.township_id, r.lines, e.payload FROM roster r JOIN event e ON e.id = r.event_id "
                "JOIN township t ON t.id = r.township_id JOIN district d ON d.id = t.district_id "
                "WHERE r.kind = 'delegates' AND d.name = '某区' ORDER BY r.township_id"
            )
        ).all():
            rows = stored_lines("delegates", lines, payload)
            elected = [r for r in rows if '"elected": true' in r]
            if elected:
                rows.remove(elected[0])
                conn.execute(
                    text("UPDATE roster SET lines = :l WHERE township_id = :t AND kind = 'delegates'"),
                    {"l": "\n".join(rows), "t": tid},
                )
                break
    assert svc.report("某区")["delegates"]["total"] == 1056


def test_demo_district_shows_every_situation(demo_url: str) -> None:
    svc = demo_service(demo_url)
    stages = {t.name: t.stage for t, _ in svc.townships("演示区")}
    assert stages == {
        "青山镇": "lower_consultation",
        "白水乡": "delegate_nomination",
        "红旗镇": "personnel_plan",
        "石桥镇": "talks",
        "柳河镇": "upper_review",
        "金沙镇": "pledges",
    }
    blocked = svc.status("白水乡")
    margin = next(c for c in blocked.checks if c.id == "delegate_margin")
    assert not margin.ok and "margin 15%, below 20%" in margin.message.en
    assert svc.status("红旗镇").open_violations
    assert any(c.waived for c in svc.status("石桥镇").checks) is False  # waiver was on the passed stage
    waived_step = [e for e in svc.history("石桥镇")[1] if e.kind == "waive"]
    assert waived_step and '"check":"delegate_seats"' in waived_step[0].payload
    kinds = [e.kind for e in svc.history("柳河镇")[1]]
    assert kinds.count("return") == 1
    r = svc.report("演示区")
    assert r["violations"]["open"] == 1 and r["waivers"][0]["township"] == "石桥镇"
    assert svc.verify().ok


def test_demo_twice_duplicates_nothing(demo_url: str) -> None:
    svc = demo_service(demo_url)
    with svc.engine.connect() as conn:
        before = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("township", "event", "roster")
        }
    summary = build_demo(svc)
    assert summary.created == [] and summary.skipped == ["某区", "演示区"]
    with svc.engine.connect() as conn:
        after = {
            t: conn.execute(text(f"SELECT count(*) FROM {t}")).scalar()
            for t in ("township", "event", "roster")
        }
    assert before == after


def test_report_text_in_both_languages(demo_url: str) -> None:
    r = demo_service(demo_url).report("某区")
    zh = render_text(r, "zh")
    en = render_text(r, "en")
    assert "选举产生1057名" in zh and "外出务工党员：46名，占4.4%" in zh
    assert "1057 elected" in en and "migrant-worker members: 46 (4.4%)" in en


def test_streamed_report_is_the_same_on_each_backend(db_url: str, demo_url: str) -> None:
    """The report reads townships, facts and rosters as three streams merged a
    township at a time (several cursors open at once, named ones on PostgreSQL): on
    each backend it gives the figures of the demo built there, per district and for
    the whole database, equal to those of the SQLite demo."""
    from tests.conftest import FROZEN_TODAY, FakeClock
    from workflow.app.service import Service
    from workflow.store.db import open_engine

    svc = Service(open_engine(db_url), "admin", today=lambda: FROZEN_TODAY, clock=FakeClock())
    build_demo(svc)
    reference = demo_service(demo_url)
    for district in ("某区", "演示区", None):
        got, want = svc.report(district), reference.report(district)
        assert got == want, district
    whole = svc.report(None)
    assert whole["townships"] == 16
    assert (
        whole["delegates"]["total"]
        == svc.report("某区")["delegates"]["total"] + svc.report("演示区")["delegates"]["total"]
    )


def test_district_level_pledges_count_once_a_district_whatever_the_order() -> None:
    """A district-level pledge (categories 1 to 3) counts once a district, its largest
    count; the others add up over townships. Townships of two districts come
    interleaved, as a stream in id order gives them."""
    import datetime as dt

    from workflow.domain.definition import default_definition
    from workflow.domain.report import ReportBuilder, TownshipRecord

    d = default_definition()
    b = ReportBuilder(d, None, dt.date(2026, 11, 26))
    signed = {1: (12, 5), 2: (30, 7), 3: (20, 9), 4: (25, 11)}  # township: (category 1, category 5)
    for tid, (first, fifth) in signed.items():
        district = 10 + tid % 2  # 11, 10, 11, 10
        pledges = [{"category": "1", "signatories": first}, {"category": "5", "signatories": fifth}]
        b.township(TownshipRecord(tid, f"镇{tid}", district, d.final), {}, {"pledges": pledges})
    r = b.result(None, None)
    assert r["pledges_by_category"]["1"] == max(12, 20) + max(30, 25)
    assert r["pledges_by_category"]["5"] == 5 + 7 + 9 + 11
