"""The rows that the log implies, built in memory by folding events
(:func:`workflow.ledger.apply.apply`): what ``audit verify`` compares with the tables.
Each row remembers the event that last set it, so that a difference names it."""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from workflow.domain.rosters import row_count
from workflow.ledger.events import Attached


@dataclass(slots=True)
class TownshipRow:
    id: int
    name: str
    district_id: int
    stage: str
    stage_since: dt.date | None
    version: int
    head_hash: str
    updated_at: str
    updated_by: str
    event_id: int


@dataclass(slots=True)
class ViolationRow:
    id: int
    township_id: int
    status: str
    opened_note: str
    opened_by: str
    opened_on: dt.date
    resolved_note: str
    resolved_by: str
    resolved_on: dt.date | None
    event_id: int


@dataclass(frozen=True, slots=True)
class RosterDigest:
    """A roster's stored lines, in line order, as a SHA-256 and a count (the count
    alone, ``sha256`` None, where only the count is wanted)."""

    sha256: str | None
    count: int


def roster_digest(lines: Iterable[str]) -> RosterDigest:
    h = hashlib.sha256()
    n = 0
    for line in lines:
        h.update(line.encode())
        h.update(b"\n")
        n += 1
    return RosterDigest(h.hexdigest(), n)


@dataclass(slots=True)
class Projection:
    """Every projected row, keyed as the tables key them."""

    districts: dict[int, tuple[str, str | None, int]] = field(default_factory=dict)
    users: dict[str, tuple[str, int]] = field(default_factory=dict)
    assignments: dict[tuple[str, int], int] = field(default_factory=dict)
    disabled: dict[str, tuple[bool, int]] = field(default_factory=dict)
    townships: dict[int, TownshipRow] = field(default_factory=dict)
    facts: dict[tuple[int, str], tuple[dict[str, Any], int]] = field(default_factory=dict)
    digests: bool = True
    """Keep each roster's SHA-256 (the offline bundle compares them with the state it
    carries); ``audit verify`` needs only each roster's count and event, since a roster's
    rows are its event's."""
    rosters: dict[tuple[int, str], tuple[RosterDigest | None, int]] = field(default_factory=dict)
    """Each roster as a digest of its stored lines (a whole database's rows are never
    held at once; a differing roster is read again from its event)."""
    waivers: dict[tuple[int, str], tuple[str, str, int]] = field(default_factory=dict)
    violations: dict[int, ViolationRow] = field(default_factory=dict)
    attachments: dict[int, Attached] = field(default_factory=dict)
    texts: dict[str, tuple[str, int]] = field(default_factory=dict)
    """Definition text by its SHA-256 (and the event that first recorded it)."""
    district_definitions: dict[int, tuple[str, int]] = field(default_factory=dict)
    default_definition: tuple[str, int] | None = None
    steps_without_township: list[tuple[int, int]] = field(default_factory=list)
    """(township id, event id) of township events whose township was never added."""

    # ------------------------------------------------------------ the Sink

    def district(self, district_id: int, name: str, definition: str | None, event_id: int) -> None:
        self.districts[district_id] = (name, definition, event_id)

    def user(self, name: str, role: str, event_id: int) -> None:
        self.users[name] = (role, event_id)

    def assign(self, user: str, township_ids: Iterable[int], event_id: int) -> None:
        for tid in township_ids:
            self.assignments[(user, tid)] = event_id

    def unassign(self, user: str, township_ids: Iterable[int], event_id: int) -> None:
        for tid in township_ids:
            self.assignments.pop((user, tid), None)

    def user_disabled(self, user: str, disabled: bool, event_id: int) -> None:
        self.disabled[user] = (disabled, event_id)

    def township_added(
        self, township_id: int, name: str, district_id: int, stage: str, event_id: int
    ) -> None:
        known = self.townships.get(township_id)
        if known is None:
            self.townships[township_id] = TownshipRow(
                township_id, name, district_id, stage, None, 0, "", "", "", event_id
            )
        else:  # committed by an upgrade after its chain began
            known.name, known.district_id = name, district_id

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
        town = self.townships.get(township_id)
        if town is None:
            # A chain whose township the system chain never added (an older release,
            # until ``db upgrade`` commits it): kept, and named if it stays unexplained.
            self.steps_without_township.append((township_id, event_id))
            town = self.townships[township_id] = TownshipRow(
                township_id, "", 0, "", None, 0, "", "", "", event_id
            )
        town.version, town.head_hash = seq, head
        town.updated_at, town.updated_by = recorded_at, actor
        town.event_id = event_id
        if moved_to is not None:
            town.stage, town.stage_since = moved_to

    def fact(self, township_id: int, name: str, data: dict[str, Any], event_id: int) -> None:
        self.facts[(township_id, name)] = (data, event_id)

    def roster(self, township_id: int, kind: str, rows: Iterable[str] | None, event_id: int) -> None:
        if rows is None:
            digest = None
        elif self.digests:
            digest = roster_digest(rows)
        else:
            digest = RosterDigest(None, row_count(rows))
        self.rosters[(township_id, kind)] = (digest, event_id)

    def waiver(self, township_id: int, check: str, reason: str, actor: str, event_id: int) -> None:
        self.waivers[(township_id, check)] = (reason, actor, event_id)

    def violation_opened(
        self, violation_id: int, township_id: int, note: str, by: str, on: dt.date, event_id: int
    ) -> None:
        self.violations[violation_id] = ViolationRow(
            violation_id, township_id, "open", note, by, on, "", "", None, event_id
        )

    def violation_resolved(self, violation_id: int, note: str, by: str, on: dt.date, event_id: int) -> None:
        v = self.violations.get(violation_id)
        if v is None:
            return
        v.status, v.resolved_note, v.resolved_by, v.resolved_on, v.event_id = (
            "resolved",
            note,
            by,
            on,
            event_id,
        )

    def attachment(self, row: Attached) -> None:
        self.attachments[row.id] = row

    def definition(self, district_id: int | None, sha256: str, text: str, event_id: int) -> None:
        self.texts.setdefault(sha256, (text, event_id))
        if district_id is None:
            self.default_definition = (sha256, event_id)
        else:
            self.district_definitions[district_id] = (sha256, event_id)

    def district_named(self, name: str) -> int | None:
        found = [did for did, (n, _d, _e) in self.districts.items() if n == name]
        return found[0] if len(found) == 1 else None

    def township_named(self, name: str) -> int | None:
        district, _, town = name.rpartition("/")
        found = [
            t.id
            for t in self.townships.values()
            if t.name == town and (not district or self.districts.get(t.district_id, ("",))[0] == district)
        ]
        return found[0] if len(found) == 1 else None
