"""The events of the log as the projections read them, and the sink that a projection
is written to. :mod:`workflow.ledger.apply` folds events into a sink: the live write
path's sink writes the tables (``workflow.store.projection``), verification's sink is
the in-memory :class:`workflow.ledger.projection.Projection`."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

SYSTEM_CHAIN = "system"


@dataclass(frozen=True, slots=True)
class Recorded:
    """One event as stored (its payload parsed)."""

    id: int
    chain: str
    seq: int
    township_id: int | None
    kind: str
    from_stage: str | None
    to_stage: str | None
    actor: str
    recorded_at: str
    effective_date: dt.date
    note: str
    payload: dict[str, Any]
    hash: str


def recorded(event_id: int, fields: Mapping[str, Any], payload: Mapping[str, Any] | None = None) -> Recorded:
    """An event given as its stored fields (``payload`` parsed, or given already)."""
    effective = fields["effective_date"]
    return Recorded(
        id=event_id,
        chain=str(fields["chain"]),
        seq=int(fields["seq"]),
        township_id=None if fields["township_id"] is None else int(fields["township_id"]),
        kind=str(fields["kind"]),
        from_stage=fields["from_stage"],
        to_stage=fields["to_stage"],
        actor=str(fields["actor"]),
        recorded_at=str(fields["recorded_at"]),
        effective_date=effective if isinstance(effective, dt.date) else dt.date.fromisoformat(str(effective)),
        note=str(fields["note"]),
        payload=dict(payload) if payload is not None else json.loads(fields["payload"] or "{}"),
        hash=str(fields["hash"]),
    )


@dataclass(frozen=True, slots=True)
class Attached:
    """A document attached to a fact, as its ``attach`` event says (the row an
    attachment's listing, the gates and ``audit verify`` read)."""

    id: int
    township_id: int
    fact: str
    sha256: str
    size: int
    media_type: str
    name: str
    note: str
    actor: str
    recorded_at: str
    supersedes: int | None
    event_id: int


def attached_row(r: Sequence[Any]) -> Attached:
    """An ``attachment`` table row (id, township_id, fact, sha256, size, media_type,
    name, note, actor, recorded_at, supersedes, event_id) as the row type."""
    return Attached(
        int(r[0]),
        int(r[1]),
        str(r[2]),
        str(r[3]),
        int(r[4]),
        str(r[5]),
        str(r[6]),
        str(r[7]),
        str(r[8]),
        str(r[9]),
        None if r[10] is None else int(r[10]),
        int(r[11]),
    )


class Sink(Protocol):
    """Where a fold of events writes the rows that gates, reports and screens read.
    Each method sets a row to what the event says ("put": insert or replace)."""

    def district(self, district_id: int, name: str, definition: str | None, event_id: int) -> None: ...

    def user(self, name: str, role: str, event_id: int) -> None: ...

    def assign(self, user: str, township_ids: Iterable[int], event_id: int) -> None: ...

    def unassign(self, user: str, township_ids: Iterable[int], event_id: int) -> None: ...

    def user_disabled(self, user: str, disabled: bool, event_id: int) -> None: ...

    def township_added(
        self, township_id: int, name: str, district_id: int, stage: str, event_id: int
    ) -> None: ...

    def township_step(
        self,
        township_id: int,
        seq: int,
        head: str,
        actor: str,
        recorded_at: str,
        moved_to: tuple[str, dt.date | None] | None,
        event_id: int,
    ) -> None:
        """The township's version becomes ``seq`` and its chain head ``head``; with
        ``moved_to`` = (stage, since) it is in that stage since that day."""

    def fact(self, township_id: int, name: str, data: dict[str, Any], event_id: int) -> None: ...

    def roster(self, township_id: int, kind: str, rows: Iterable[str] | None, event_id: int) -> None:
        """The whole roster of that kind, each row in its stored form (a JSON object)
        (``None``: an import of an older release that did not carry its rows; its rows
        cannot be rebuilt)."""

    def waiver(self, township_id: int, check: str, reason: str, actor: str, event_id: int) -> None: ...

    def violation_opened(
        self, violation_id: int, township_id: int, note: str, by: str, on: dt.date, event_id: int
    ) -> None: ...

    def violation_resolved(
        self, violation_id: int, note: str, by: str, on: dt.date, event_id: int
    ) -> None: ...

    def attachment(self, row: Attached) -> None:
        """A document attached to a fact (never replaced: a new one supersedes)."""

    def definition(self, district_id: int | None, sha256: str, text: str, event_id: int) -> None:
        """A district runs on the definition ``text`` (whose SHA-256 is ``sha256``);
        ``None``: the database's default for districts added later."""

    def district_named(self, name: str) -> int | None:
        """The id of the district called ``name``, when there is one."""

    def township_named(self, name: str) -> int | None:
        """The id of the township called ``name`` (``district/name`` also), when one is."""
