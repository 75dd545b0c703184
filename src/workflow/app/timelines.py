"""Timelines read from the store: the event table streamed township by township into
:func:`workflow.domain.timeline.build_spans`, so that an export of any size keeps one
township's events in memory at a time."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterator, Sequence
from itertools import chain, groupby
from operator import itemgetter
from typing import TYPE_CHECKING, Any

from workflow.domain.definition import Definition
from workflow.domain.timeline import (
    SPAN_KINDS,
    YIELD_PER,
    DistrictScope,
    TownshipTimeline,
    build_spans,
    overlaps,
)

if TYPE_CHECKING:
    from sqlalchemy import Connection, Select
    from sqlmodel import Session


class _Streamer:
    """Runs one statement many times with different parameters, streaming its rows as
    plain tuples ``size`` at a time. On SQLite the statement is compiled once and read
    from the driver's own cursor (its cursors stream, and rows skip SQLAlchemy's
    per-row processing, a third of the time of a large export); other databases stream
    through SQLAlchemy's server-side cursor, or with ``bounded`` (a statement whose
    rows are few: one district's) read the rows in one round trip, since a
    server-side cursor costs round trips of its own on each execution."""

    def __init__(self, conn: Connection, stmt: Select[Any], size: int, bounded: bool = False) -> None:
        self.conn = conn
        self.stmt = stmt
        self.size = size
        self.bounded = bounded
        self.sqlite = conn.dialect.name == "sqlite"
        if self.sqlite:
            compiled = stmt.compile(dialect=conn.dialect, compile_kwargs={"render_postcompile": True})
            self.sql = str(compiled)
            self.order = list(compiled.positiontup or ())
            self.defaults = dict(compiled.params)

    def __call__(self, **params: Any) -> Iterator[Any]:
        if not self.sqlite:
            if self.bounded:
                return iter(self.conn.execute(self.stmt, params).all())
            result = self.conn.execute(self.stmt.execution_options(yield_per=self.size), params)
            return chain.from_iterable(result.partitions())
        values = {**self.defaults, **params}
        cursor = self.conn.connection.dbapi_connection.cursor()  # type: ignore[union-attr]
        cursor.execute(self.sql, tuple(values[k] for k in self.order))

        def batches() -> Iterator[Any]:
            try:
                while batch := cursor.fetchmany(self.size):
                    yield batch
            finally:
                cursor.close()

        return chain.from_iterable(batches())


def iter_timelines(
    session: Session,
    scopes: Sequence[DistrictScope],
    definition_for: Callable[[int], Definition],
    today: dt.date,
    *,
    date_from: dt.date | None = None,
    date_to: dt.date | None = None,
    yield_per: int = YIELD_PER,
) -> Iterator[TownshipTimeline]:
    """Each township's timeline, district by district in the order given, townships
    by id. Townships and events are two cursors ordered by township id, merged, so
    memory holds one township's events whatever the size of the database. Spans
    outside [date_from, date_to] are dropped, and townships left with none."""
    from sqlalchemy import Integer, String, bindparam, case, cast, func
    from sqlalchemy import select as sa_select
    from sqlmodel import col

    from workflow.store.tables import Event, Township

    kind = col(Event.kind)
    effective = cast(col(Event.effective_date), String)
    columns = (
        col(Event.township_id),
        col(Event.seq),
        kind,
        col(Event.to_stage),
        case((kind.in_(sorted(SPAN_KINDS)), col(Event.actor)), else_=None),
        effective,
        effective < func.substr(col(Event.recorded_at), 1, 10),
        case((kind.in_(["advance", "waive"]), col(Event.payload)), else_=None),
    )
    town = Township.__table__  # type: ignore[attr-defined]
    district = bindparam("district", value=0, type_=Integer)
    town_stmt = sa_select(town.c.id, town.c.name, town.c.stage).where(town.c.district_id == district)
    ev_stmt = sa_select(*columns).order_by(col(Event.township_id), col(Event.id))
    conn = session.connection()
    # Whole districts (the common case, and the large one): each statement built once.
    # A district's townships and events are few (tens of townships): each read whole.
    whole_towns = _Streamer(conn, town_stmt.order_by(town.c.id), yield_per, bounded=True)
    whole_events = _Streamer(
        conn,
        ev_stmt.where(col(Event.township_id).in_(sa_select(town.c.id).where(town.c.district_id == district))),
        yield_per,
        bounded=True,
    )
    for scope in scopes:
        d = definition_for(scope.district_id)
        if scope.township_ids is None:
            towns = whole_towns(district=scope.district_id)
            rows = whole_events(district=scope.district_id)
        else:
            wanted = sorted(set(scope.township_ids))
            towns = _Streamer(conn, town_stmt.where(town.c.id.in_(wanted)).order_by(town.c.id), yield_per)(
                district=scope.district_id
            )
            rows = _Streamer(conn, ev_stmt.where(col(Event.township_id).in_(wanted)), yield_per)()
        groups = groupby(rows, key=itemgetter(0))
        pending = next(groups, None)
        for tid, name, stage in towns:
            while pending is not None and (pending[0] is None or pending[0] < tid):
                pending = next(groups, None)  # events of a township not listed (none expected)
            if pending is not None and pending[0] == tid:
                spans = build_spans(pending[1], d, today)
                pending = next(groups, None)
            else:
                spans = []
            if date_from is not None or date_to is not None:
                spans = [s for s in spans if overlaps(s, today, date_from, date_to)]
                if not spans:
                    continue
            yield TownshipTimeline(tid, name, scope.name, scope.district_id, stage, d, spans)
