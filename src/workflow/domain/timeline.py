"""Stage spans: how long each township spent in each stage, computed from its audit
events. A township enters a stage at the effective date of the create / advance /
return / revert event that leads to it and leaves it at the next such event.

:func:`build_spans` is a pure function over one township's events;
``workflow.app.timelines`` streams the event table into it township by township."""

from __future__ import annotations

import datetime as dt
import json
from bisect import bisect_right
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
        """The last day the span covers: the day it was left, else today; the final
        stage is one day (the day the township completed)."""
        if self.left is not None:
            return self.left
        return self.entered if self.final else max(today, self.entered)

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

    Stage changes make the spans; every other event (a record, an import, a waiver)
    belongs to the span that was current when it was recorded if its effective date
    falls inside that span, else to the span its date falls in (a record dated
    before the township's first event goes to the first span). Waived checks of a
    span are those waived in it and those its leaving advance passed by waiver;
    backdated means an event of the span has an effective date before the day it was
    recorded."""
    spans: list[Span] = []
    visits: dict[str, int] = {}
    cur: Span | None = None
    final = d.final
    fromiso = dt.date.fromisoformat
    facts = _stage_facts(d)
    # The current span's other events, the earliest and latest of their dates, whether
    # any is backdated, and the payloads of its waivers: settled when the span ends.
    held: list[tuple[str, Any, str, str | None]] = []
    lo = hi = entered = ""
    late = False
    waives: list[str] = []
    others: list[tuple[int, str, Any, str, str | None]] = []  # placed by date at the end
    leaving: list[tuple[int, str]] = []  # (span, advance payload with waivers)
    for _key, seq, kind, to_stage, actor, effective, backdated, payload in events:
        if kind not in SPAN_KINDS or to_stage is None:
            # Most events (records, imports) only count; keep this path short.
            if cur is None:
                others.append((0, effective, backdated, kind, payload))
                continue
            if not held:
                lo = hi = effective
            elif effective < lo:
                lo = effective
            elif effective > hi:
                hi = effective
            held.append((effective, backdated, kind, payload))
            if backdated:
                late = True
            if kind == "waive" and payload:
                waives.append(payload)
            continue
        day = fromiso(effective)
        if cur is not None:
            if held:
                if entered <= lo and hi <= effective:  # all within the span: the usual case
                    _settle(cur, len(held), late, waives)
                else:
                    others.extend((len(spans), *h) for h in held)
                held, late, waives = [], False, []
            cur.left = day
            cur.left_via = kind
            cur.left_by = actor
            cur.left_seq = seq
            if kind == "advance" and payload and NO_WAIVER not in payload:
                leaving.append((len(spans), payload))
            _finish(cur, today)
            spans.append(cur)
        visit = visits[to_stage] = visits.get(to_stage, 0) + 1
        order, deadline_days = facts.get(to_stage, (0, None))
        # positional, in field order (a span per stage visit: this runs for every one)
        cur = Span(to_stage, order, visit, day, kind, actor or "", seq, to_stage == final, deadline_days)
        cur.backdated = bool(backdated)
        entered = effective
    if cur is not None:
        if held:
            if entered <= lo:
                _settle(cur, len(held), late, waives)
            else:
                others.extend((len(spans), *h) for h in held)
        _finish(cur, today)
        spans.append(cur)
    if spans and others:
        _assign_by_date(spans, others)
    for k, payload in leaving:
        _add_waived(spans[k], json.loads(payload).get("waived") or ())
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


def _settle(span: Span, count: int, late: bool, waives: list[str]) -> None:
    """Count ``count`` events in ``span`` (waiver payloads among them)."""
    span.events += count
    if late:
        span.backdated = True
    for payload in waives:
        check = json.loads(payload).get("check")
        if check:
            _add_waived(span, (check,))


def _assign_by_date(spans: list[Span], others: list[tuple[int, str, Any, str, str | None]]) -> None:
    """Count each non-step event in the span its effective date falls in, keeping the
    span it was recorded in when the date allows (several spans may share a day)."""
    entered = [s.entered.isoformat() for s in spans]
    left = [s.left.isoformat() if s.left is not None else "9999-12-31" for s in spans]
    last = len(spans) - 1
    for k, effective, backdated, kind, payload in others:
        k = min(k, last)
        if not entered[k] <= effective <= left[k]:
            k = max(bisect_right(entered, effective) - 1, 0)
        span = spans[k]
        span.events += 1
        if backdated:
            span.backdated = True
        if kind == "waive" and payload:
            check = json.loads(payload).get("check")
            if check:
                _add_waived(span, (check,))


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
