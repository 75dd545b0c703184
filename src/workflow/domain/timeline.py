"""Stage spans: how long each township spent in each stage, computed from its audit
events. A township enters a stage at the effective date of the create / advance /
return / revert event that leads to it and leaves it at the next such event.

:func:`build_spans` is a pure function over one township's events;
``workflow.app.timelines`` streams the event table into it township by township."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, Protocol

from workflow.domain.definition import Definition

SPAN_KINDS = frozenset({"create", "advance", "return", "revert"})
RETURN_KINDS = frozenset({"return", "revert"})
YIELD_PER = 2000

EventRow = tuple[Any, int, str, "str | None", "str | None", str, Any, "str | None"]
"""One event as the span builder reads it: (township id, seq, kind, to_stage, actor,
effective date as ISO text, backdated, payload). The streaming query leaves actor and
payload out (None) where spans do not need them: actor is read from create, advance,
return and revert events, payload from advance and waive events."""
NO_WAIVER = '"waived":[]'  # how an advance payload without waivers is stored


@dataclass(slots=True)
class Span:
    """One visit of one township to one stage."""

    stage: str
    order: int
    visit: int
    entered: dt.date
    entered_via: str
    entered_by: str
    entered_seq: int
    final: bool
    deadline_days: int | None
    left: dt.date | None = None
    left_via: str | None = None
    left_by: str | None = None
    left_seq: int | None = None
    waived: list[str] = field(default_factory=list)
    backdated: bool = False
    events: int = 1
    days: int | None = None
    deadline: dt.date | None = None
    overdue_days: int = 0

    @property
    def current(self) -> bool:
        return self.left is None

    @property
    def returned(self) -> bool:
        """The township was sent back from this stage (a return or a revert)."""
        return self.left_via in RETURN_KINDS

    def end(self, today: dt.date) -> dt.date:
        """The last day the span covers: the day it was left, else today."""
        return self.left if self.left is not None else max(today, self.entered)

    def as_dict(self) -> dict[str, Any]:
        """The span in the documented JSON shape (schema 1)."""
        return {
            "stage": self.stage,
            "order": self.order,
            "visit": self.visit,
            "entered": self.entered.isoformat(),
            "left": self.left.isoformat() if self.left else None,
            "days": self.days,
            "current": self.current,
            "final": self.final,
            "deadline_days": self.deadline_days,
            "deadline": self.deadline.isoformat() if self.deadline else None,
            "overdue_days": self.overdue_days,
            "entered_via": self.entered_via,
            "entered_by": self.entered_by,
            "entered_seq": self.entered_seq,
            "left_via": self.left_via,
            "left_by": self.left_by,
            "left_seq": self.left_seq,
            "returned": self.returned,
            "waived": self.waived,
            "backdated": self.backdated,
            "events": self.events,
        }


@dataclass(frozen=True, slots=True)
class TownshipTimeline:
    """One township's spans, oldest first."""

    township_id: int
    township: str
    district: str
    district_id: int
    stage: str
    definition: Definition
    spans: list[Span]


def is_backdated(effective: dt.date, recorded_at: str) -> bool:
    """An event whose effective date is earlier than the day it was recorded (UTC)."""
    return effective.isoformat() < recorded_at[:10]


@cache
def _stage_facts(d: Definition) -> dict[str, tuple[int, int | None]]:
    """Each stage's number and deadline in days."""
    return {s.id: (s.order, s.deadline_days) for s in d.stages}


def _finish(span: Span, today: dt.date) -> None:
    if span.final:
        return
    end = span.left if span.left is not None else today
    span.days = (end - span.entered).days
    if span.deadline_days is not None:
        span.deadline = span.entered + dt.timedelta(days=span.deadline_days)
        span.overdue_days = max(0, (end - span.deadline).days)


def _add_waived(span: Span, checks: Iterable[object]) -> None:
    for c in checks:
        name = str(c)
        if name not in span.waived:
            span.waived.append(name)


def build_spans(events: Iterable[EventRow], d: Definition, today: dt.date) -> list[Span]:
    """The spans of one township from its events in order (see :data:`EventRow`).

    Waived checks of a span are those waived while the township was in it and those
    its leaving advance passed by waiver; backdated means the entering event or an
    event in the span has an effective date before the day it was recorded."""
    spans: list[Span] = []
    visits: dict[str, int] = {}
    cur: Span | None = None
    count = 0  # events in the current span, and whether any of them is backdated
    late = False
    final = d.final
    fromiso = dt.date.fromisoformat
    facts = _stage_facts(d)
    for _key, seq, kind, to_stage, actor, effective, backdated, payload in events:
        if kind not in SPAN_KINDS or to_stage is None:
            # Most events (records, imports) only count; keep that path short.
            count += 1
            if backdated:
                late = True
            if kind == "waive" and payload and cur is not None:
                check = json.loads(payload).get("check")
                if check:
                    _add_waived(cur, (check,))
            continue
        day = fromiso(effective)
        if cur is not None:
            cur.events = count
            cur.backdated = late
            cur.left = day
            cur.left_via = kind
            cur.left_by = actor
            cur.left_seq = seq
            if kind == "advance" and payload and NO_WAIVER not in payload:
                _add_waived(cur, json.loads(payload).get("waived") or ())
            _finish(cur, today)
            spans.append(cur)
        visit = visits[to_stage] = visits.get(to_stage, 0) + 1
        order, deadline_days = facts.get(to_stage, (0, None))
        # positional, in field order (a span per stage visit: this runs for every one)
        cur = Span(to_stage, order, visit, day, kind, actor or "", seq, to_stage == final, deadline_days)
        count = 1
        late = bool(backdated)
    if cur is not None:
        cur.events = count
        cur.backdated = late
        _finish(cur, today)
        spans.append(cur)
    return spans


class EventLike(Protocol):
    """The fields of an audit event that spans read."""

    township_id: int | None
    seq: int
    kind: str
    to_stage: str | None
    actor: str
    effective_date: dt.date
    recorded_at: str
    payload: str


def spans_from_events(events: Iterable[EventLike], d: Definition, today: dt.date) -> list[Span]:
    """:func:`build_spans` over Event rows (as ``Service.history`` returns them)."""
    return build_spans(
        (
            (
                e.township_id,
                e.seq,
                e.kind,
                e.to_stage,
                e.actor,
                e.effective_date.isoformat(),
                is_backdated(e.effective_date, e.recorded_at),
                e.payload,
            )
            for e in events
        ),
        d,
        today,
    )


def overlaps(span: Span, today: dt.date, date_from: dt.date | None, date_to: dt.date | None) -> bool:
    """The span touches the period [date_from, date_to] (either end open)."""
    if date_to is not None and span.entered > date_to:
        return False
    return not (date_from is not None and span.end(today) < date_from)


@dataclass(frozen=True, slots=True)
class DistrictScope:
    """One district to stream and, when given, the only townships of it wanted."""

    district_id: int
    name: str
    township_ids: Sequence[int] | None = None
