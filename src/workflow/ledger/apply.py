"""One ``apply`` per event kind: what each event does to the rows that gates, reports and
screens read. The live write path applies each new event to the tables in the same
transaction (``workflow.store.projection.TableSink``); ``audit verify`` applies the
whole log to an empty in-memory projection and compares (``workflow.ledger.replay``).
Both call these functions, so the two cannot disagree."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

from workflow.domain.rosters import roster_lines_of
from workflow.ledger.events import SYSTEM_CHAIN, Attached, Recorded, Sink

Applier = Callable[[Sink, Recorded], None]
APPLIERS: dict[str, Applier] = {}

STAGE_KINDS = frozenset({"create", "advance", "return", "revert"})
"""Township events that put the township in the stage ``to_stage``."""

NO_ROWS = frozenset(
    {
        "signin",
        "signin_failed",
        "lockout",
        "signout",
        "sessions_revoked",
        "user_reset",
        "password_change",
        "password_set",
        "audit_key",
    }
)
"""System events that change no row that a gate, report or screen reads (sign-in and
credentials: their hashes and counters are never in an event, so never replayed)."""


class UnknownKind(Exception):
    """An event of a kind this program does not know how to apply."""

    def __init__(self, ev: Recorded) -> None:
        super().__init__(f"event #{ev.id} of chain {ev.chain} has the unknown kind {ev.kind!r}")
        self.event = ev


def applies(*kinds: str) -> Callable[[Applier], Applier]:
    def register(fn: Applier) -> Applier:
        for kind in kinds:
            APPLIERS[kind] = fn
        return fn

    return register


def apply(sink: Sink, ev: Recorded) -> None:
    """Fold one event into ``sink``. Every event of a township's chain advances its
    version and head (and, for a step, its stage); then its kind's own change."""
    if ev.chain != SYSTEM_CHAIN:
        assert ev.township_id is not None
        moved: tuple[str, dt.date | None] | None = None
        if ev.kind in STAGE_KINDS and ev.to_stage:
            since: dt.date | None = ev.effective_date
            if ev.kind == "create" and "since" in ev.payload:  # older releases: see upgrade_commit
                since = _date(ev.payload["since"])
            moved = (ev.to_stage, since)
        elif ev.kind == "upgrade_commit":
            moved = (str(ev.payload["stage"]), _date(ev.payload["stage_since"]))
        sink.township_step(ev.township_id, ev.seq, ev.hash, ev.actor, ev.recorded_at, moved, ev.id)
    fn = APPLIERS.get(ev.kind)
    if fn is None:
        if ev.kind in NO_ROWS or ev.kind in STAGE_KINDS:
            return
        raise UnknownKind(ev)
    fn(sink, ev)


def _date(value: Any) -> dt.date | None:
    return None if value in (None, "") else dt.date.fromisoformat(str(value))


# ---------------------------------------------------------------- the system chain


@applies("init")
def _init(sink: Sink, ev: Recorded) -> None:
    sink.user(str(ev.payload["admin"]), "admin", ev.id)


@applies("user_add", "user_commit")
def _user_add(sink: Sink, ev: Recorded) -> None:
    name = str(ev.payload["user"])
    sink.user(name, str(ev.payload["role"]), ev.id)
    ids = ev.payload.get("township_ids")
    if ids is None:  # written by an older release: townships by name
        ids = [sink.township_named(str(t)) for t in ev.payload.get("townships", [])]
    sink.assign(name, [int(i) for i in ids if i is not None], ev.id)


@applies("user_role")
def _user_role(sink: Sink, ev: Recorded) -> None:
    sink.user(str(ev.payload["user"]), str(ev.payload["to"]), ev.id)


@applies("user_assign", "user_unassign")
def _user_assign(sink: Sink, ev: Recorded) -> None:
    name = str(ev.payload["user"])
    ids = ev.payload.get("township_ids")
    if ids is None:
        ids = [sink.township_named(str(t)) for t in ev.payload.get("townships", [])]
    towns = [int(i) for i in ids if i is not None]
    if ev.kind == "user_assign":
        sink.assign(name, towns, ev.id)
    else:
        sink.unassign(name, towns, ev.id)


@applies("user_disable", "user_enable")
def _user_disable(sink: Sink, ev: Recorded) -> None:
    sink.user_disabled(str(ev.payload["user"]), ev.kind == "user_disable", ev.id)


@applies("district_add", "district_commit")
def _district_add(sink: Sink, ev: Recorded) -> None:
    if "district_id" not in ev.payload:  # an older release's event: the id is not known
        return
    definition = ev.payload.get("definition")
    did = int(ev.payload["district_id"])
    sink.district(did, str(ev.payload["district"]), None if definition is None else str(definition), ev.id)
    if "definition_sha256" in ev.payload:
        _definition(sink, did, ev)


def _definition(sink: Sink, district_id: int | None, ev: Recorded) -> None:
    sink.definition(
        district_id, str(ev.payload["definition_sha256"]), str(ev.payload["definition_text"]), ev.id
    )


@applies("district_definition")
def _district_definition(sink: Sink, ev: Recorded) -> None:
    did = ev.payload.get("district_id")
    if did is None:
        did = sink.district_named(str(ev.payload["district"]))
    if did is not None:
        _definition(sink, int(did), ev)


@applies("default_definition")
def _default_definition(sink: Sink, ev: Recorded) -> None:
    _definition(sink, None, ev)


@applies("township_add")
def _township_add(sink: Sink, ev: Recorded) -> None:
    p = ev.payload
    sink.township_added(int(p["township_id"]), str(p["name"]), int(p["district_id"]), str(p["stage"]), ev.id)


# ---------------------------------------------------------------- a township's chain


@applies("record")
def _record(sink: Sink, ev: Recorded) -> None:
    assert ev.township_id is not None
    sink.fact(ev.township_id, str(ev.payload["fact"]), dict(ev.payload["values"]), ev.id)


@applies("import", "roster_commit")
def _roster(sink: Sink, ev: Recorded) -> None:
    assert ev.township_id is not None
    kind = str(ev.payload["kind"])
    sink.roster(ev.township_id, kind, roster_lines_of(ev.payload, kind), ev.id)


@applies("waive")
def _waive(sink: Sink, ev: Recorded) -> None:
    assert ev.township_id is not None
    sink.waiver(ev.township_id, str(ev.payload["check"]), str(ev.payload["reason"]), ev.actor, ev.id)


@applies("violation_open")
def _violation_open(sink: Sink, ev: Recorded) -> None:
    assert ev.township_id is not None
    sink.violation_opened(
        int(ev.payload["violation"]), ev.township_id, ev.note, ev.actor, ev.effective_date, ev.id
    )


@applies("violation_resolve")
def _violation_resolve(sink: Sink, ev: Recorded) -> None:
    sink.violation_resolved(int(ev.payload["violation"]), ev.note, ev.actor, ev.effective_date, ev.id)


@applies("attach")
def _attach(sink: Sink, ev: Recorded) -> None:
    """A document attached to a fact: its SHA-256 names the file in the documents store."""
    assert ev.township_id is not None
    p = ev.payload
    supersedes = p.get("supersedes")
    sink.attachment(
        Attached(
            id=int(p["attachment"]),
            township_id=ev.township_id,
            fact=str(p["fact"]),
            sha256=str(p["sha256"]),
            size=int(p["size"]),
            media_type=str(p["media_type"]),
            name=str(p["name"]),
            note=ev.note,
            actor=ev.actor,
            recorded_at=ev.recorded_at,
            supersedes=None if supersedes is None else int(supersedes),
            event_id=ev.id,
        )
    )


@applies("upgrade_commit")
def _upgrade_commit(sink: Sink, ev: Recorded) -> None:
    """``db upgrade`` from a release whose events did not carry every row: the rows as
    they were found, committed to the log (the stage and its start are set above)."""
    assert ev.township_id is not None
    for kind in sorted(ev.payload.get("rosters", {})):
        sink.roster(ev.township_id, str(kind), roster_lines_of(ev.payload, str(kind)), ev.id)
