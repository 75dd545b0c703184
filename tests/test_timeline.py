"""Stage spans computed from the audit events: the pure builder, and the streaming
query over the demo database agreeing with each township's history."""

from __future__ import annotations

import datetime as dt
import json

from sqlmodel import col, select

from tests.conftest import FROZEN_TODAY, demo_service
from workflow.app.timelines import iter_timelines
from workflow.domain.definition import default_definition
from workflow.domain.timeline import (
    DistrictScope,
    EventRow,
    Span,
    TownshipTimeline,
    build_spans,
    overlaps,
    spans_from_events,
)
from workflow.store.db import read_session
from workflow.store.tables import District

TODAY = dt.date(2021, 6, 30)


def ev(
    seq: int,
    kind: str,
    to: str | None,
    on: str,
    actor: str = "甲",
    recorded: str = "",
    payload: dict[str, object] | None = None,
) -> EventRow:
    backdated = on < (recorded or on)[:10]
    return (
        1,
        seq,
        kind,
        to,
        actor,
        on,
        backdated,
        json.dumps(payload, separators=(",", ":")) if payload else None,
    )


def test_a_township_enters_a_stage_at_its_event_and_leaves_at_the_next() -> None:
    spans = build_spans(
        [
            ev(1, "create", "draft_report", "2021-04-11", "admin"),
            ev(2, "record", "draft_report", "2021-04-12"),
            ev(3, "advance", "lower_consultation", "2021-04-15", "乙", payload={"waived": []}),
        ],
        default_definition(),
        TODAY,
    )
    first, second = spans
    assert (first.stage, first.entered, first.left, first.days) == (
        "draft_report",
        dt.date(2021, 4, 11),
        dt.date(2021, 4, 15),
        4,
    )
    assert (first.entered_via, first.entered_by, first.left_via, first.left_by) == (
        "create",
        "admin",
        "advance",
        "乙",
    )
    assert first.events == 2 and not first.current
    assert second.current and second.left is None
    assert second.days == (TODAY - dt.date(2021, 4, 15)).days


def test_deadline_and_overdue_days_follow_the_definition() -> None:
    d = default_definition()
    spans = build_spans([ev(1, "create", "draft_report", "2021-04-01")], d, dt.date(2021, 4, 20))
    (s,) = spans
    assert s.deadline_days == d.stage("draft_report").deadline_days == 10
    assert s.deadline == dt.date(2021, 4, 11)
    assert s.overdue_days == 9


def test_a_return_gives_repeated_spans_with_visit_numbers() -> None:
    spans = build_spans(
        [
            ev(1, "create", "draft_report", "2021-04-01"),
            ev(2, "advance", "lower_consultation", "2021-04-02"),
            ev(3, "advance", "upper_review", "2021-04-03"),
            ev(4, "return", "draft_report", "2021-04-05", "审核"),
            ev(5, "advance", "lower_consultation", "2021-04-08"),
        ],
        default_definition(),
        TODAY,
    )
    assert [(s.stage, s.visit) for s in spans] == [
        ("draft_report", 1),
        ("lower_consultation", 1),
        ("upper_review", 1),
        ("draft_report", 2),
        ("lower_consultation", 2),
    ]
    assert [s.returned for s in spans] == [False, False, True, False, False]
    assert spans[2].left_by == "审核" and spans[3].entered_via == "return"


def test_waived_checks_come_from_waive_events_and_the_leaving_advance() -> None:
    spans = build_spans(
        [
            ev(1, "create", "delegate_nomination", "2021-04-01"),
            ev(2, "waive", "delegate_nomination", "2021-04-02", payload={"check": "delegate_seats"}),
            ev(
                3,
                "advance",
                "personnel_plan",
                "2021-04-03",
                payload={"checks": ["a"], "waived": ["delegate_seats", "delegate_margin"]},
            ),
        ],
        default_definition(),
        TODAY,
    )
    assert spans[0].waived == ["delegate_seats", "delegate_margin"]
    assert spans[1].waived == []


def test_backdated_marks_the_span_holding_a_backdated_event() -> None:
    spans = build_spans(
        [
            ev(1, "create", "draft_report", "2021-04-01", recorded="2021-04-01T08:00:00Z"),
            ev(2, "record", "draft_report", "2021-04-02", recorded="2021-04-09T08:00:00Z"),
            ev(3, "advance", "lower_consultation", "2021-04-10", recorded="2021-04-10T08:00:00Z"),
        ],
        default_definition(),
        TODAY,
    )
    assert [s.backdated for s in spans] == [True, False]


def test_the_final_stage_is_a_span_without_days_or_deadline() -> None:
    d = default_definition()
    spans = build_spans(
        [ev(1, "create", "congress", "2021-05-01"), ev(2, "advance", d.final, "2021-05-03")], d, TODAY
    )
    last = spans[-1]
    assert last.final and last.current and last.days is None and last.deadline is None
    assert last.overdue_days == 0


def test_overlaps_keeps_spans_touching_the_period() -> None:
    s = Span("x", 1, 1, dt.date(2021, 4, 5), "advance", "a", 1, False, None, left=dt.date(2021, 4, 9))
    assert overlaps(s, TODAY, dt.date(2021, 4, 9), None)
    assert not overlaps(s, TODAY, dt.date(2021, 4, 10), None)
    assert overlaps(s, TODAY, None, dt.date(2021, 4, 5))
    assert not overlaps(s, TODAY, None, dt.date(2021, 4, 4))


def _stream(url: str, yield_per: int = 3) -> list[TownshipTimeline]:
    svc = demo_service(url)
    with read_session(svc.engine) as session:
        districts = session.exec(select(District).order_by(col(District.name)))
        scopes = [DistrictScope(d.id or 0, d.name) for d in districts]
        return list(
            iter_timelines(session, scopes, lambda _: svc.definition, FROZEN_TODAY, yield_per=yield_per)
        )


def test_streamed_spans_equal_those_from_each_townships_history(demo_url: str) -> None:
    svc = demo_service(demo_url)
    streamed = _stream(demo_url)
    assert len(streamed) == 16
    for t in streamed:
        _town, events, problem = svc.history(str(t.township_id))
        assert problem is None
        assert t.spans == spans_from_events(events, svc.definition, FROZEN_TODAY)


def test_the_returned_demo_township_has_two_spans_of_the_repeated_stages(demo_url: str) -> None:
    (liuhe,) = [t for t in _stream(demo_url) if t.township == "柳河镇"]
    stages = [(s.stage, s.visit) for s in liuhe.spans]
    assert stages == [
        ("draft_report", 1),
        ("lower_consultation", 1),
        ("upper_review", 1),
        ("draft_report", 2),
        ("lower_consultation", 2),
        ("upper_review", 2),
    ]
    assert liuhe.spans[2].returned and liuhe.spans[2].left_by == "李审核"
    assert liuhe.spans[-1].current


def test_the_waiver_flag_is_on_the_demo_span_left_by_waiver(demo_url: str) -> None:
    (shiqiao,) = [t for t in _stream(demo_url) if t.township == "石桥镇"]
    flagged = {s.stage: s.waived for s in shiqiao.spans if s.waived}
    assert flagged == {"delegate_nomination": ["delegate_seats"]}


def test_the_overdue_demo_township_is_overdue_in_its_current_stage(demo_url: str) -> None:
    (jinsha,) = [t for t in _stream(demo_url) if t.township == "金沙镇"]
    current = jinsha.spans[-1]
    assert current.current and current.stage == "pledges"
    assert current.days is not None and current.deadline_days is not None
    assert current.overdue_days == current.days - current.deadline_days > 0


def test_the_stream_is_the_same_whatever_the_batch_size(demo_url: str) -> None:
    small = _stream(demo_url, yield_per=1)
    large = _stream(demo_url, yield_per=5000)
    assert [(t.township_id, t.spans) for t in small] == [(t.township_id, t.spans) for t in large]


def test_events_go_to_the_span_their_date_falls_in_not_the_one_current_by_order() -> None:
    # A waiver of the draft stage recorded after the township advanced but dated
    # inside the draft span, and a record dated before the township's first event.
    spans = build_spans(
        [
            ev(1, "create", "draft_report", "2021-04-11", "admin"),
            ev(2, "record", "draft_report", "2021-04-01", recorded="2021-04-12"),
            ev(3, "advance", "lower_consultation", "2021-04-15", "乙", payload={"waived": []}),
            ev(4, "waive", "lower_consultation", "2021-04-13", payload={"check": "draft_recorded"}),
            ev(5, "record", "lower_consultation", "2021-04-16"),
            ev(6, "advance", "upper_review", "2021-04-20", payload={"waived": []}),
            ev(7, "waive", "upper_review", "2021-04-25", payload={"check": "upper_check"}),
        ],
        default_definition(),
        TODAY,
    )
    draft, lower, upper = spans
    assert draft.waived == ["draft_recorded"] and draft.events == 3 and draft.backdated
    assert lower.waived == [] and lower.events == 2 and not lower.backdated
    assert upper.waived == ["upper_check"] and upper.events == 2


def test_a_same_day_record_stays_in_the_span_it_was_recorded_in() -> None:
    spans = build_spans(
        [
            ev(1, "create", "draft_report", "2021-04-11", "admin"),
            ev(2, "record", "draft_report", "2021-04-15"),
            ev(3, "advance", "lower_consultation", "2021-04-15", payload={"waived": []}),
            ev(4, "record", "lower_consultation", "2021-04-15"),
        ],
        default_definition(),
        TODAY,
    )
    assert [s.events for s in spans] == [2, 2]


def test_a_window_keeps_overlapping_spans_and_drops_townships_completed_before_it(
    demo_url: str,
) -> None:
    from tests.conftest import FROZEN_TODAY, demo_service
    from workflow.store.db import read_session

    svc = demo_service(demo_url)
    window = (dt.date(2026, 11, 25), dt.date(2026, 11, 26))
    with read_session(svc.engine) as session:
        scopes = [DistrictScope(d.id, d.name) for d in svc.districts() if d.id is not None]
        got = list(
            iter_timelines(
                session,
                scopes,
                lambda did: svc.definition_for_district(session, did),
                FROZEN_TODAY,
                date_from=window[0],
                date_to=window[1],
            )
        )
    # the seed's townships completed in May 2021 are outside the window
    assert got and all(t.district != "某区" for t in got)
    for t in got:
        for s in t.spans:
            assert s.entered <= window[1] and s.end(FROZEN_TODAY) >= window[0]
            if s.final:
                assert window[0] <= s.entered <= window[1]
