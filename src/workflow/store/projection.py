"""The projection tables as the log's fold writes and reads them.

:class:`TableSink` is the live write path's :class:`workflow.ledger.events.Sink`: each
new event is applied to the tables through it, in the change's own transaction. Rows
with a generated id (district, township, violation) are allocated by the service
first; their content is set here, as the event says. :func:`stored` reads the tables
back for ``audit verify`` to compare with the replayed log."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterable, Iterator, Sequence
from typing import Any

from workflow.domain.rosters import row_count
from workflow.store.sql import GATE_EXPIRED, Raw


def fact_text(data: dict[str, Any]) -> str:
    """A fact's values as the ``fact`` table stores them."""
    return json.dumps(data, ensure_ascii=False, sort_keys=True)


class StepConflict(Exception):
    """The township's version was not the one the event follows: someone changed it."""


class TableSink:
    """Writes the rows an event sets (see :mod:`workflow.ledger.apply`)."""

    def __init__(self, db: Raw) -> None:
        self.db = db

    def _put(self, update: str, insert: str, params: dict[str, Any]) -> None:
        if self.db.run(update, params) == 0:
            self.db.run(insert, params)

    def district(self, district_id: int, name: str, definition: str | None, event_id: int) -> None:
        self._put(
            "UPDATE district SET name = :name, definition_path = :definition WHERE id = :id",
            "INSERT INTO district (id, name, definition_path) VALUES (:id, :name, :definition)",
            {"id": district_id, "name": name, "definition": definition},
        )

    def user(self, name: str, role: str, event_id: int) -> None:
        self._put(
            'UPDATE "user" SET role = :role WHERE name = :name',
            'INSERT INTO "user" (name, role) VALUES (:name, :role)',
            {"name": name, "role": role},
        )

    def assign(self, user: str, township_ids: Iterable[int], event_id: int) -> None:
        self.db.many(
            "INSERT INTO usertownship (user_id, township_id) "
            'SELECT u.id, :tid FROM "user" u WHERE u.name = :user AND NOT EXISTS '
            "(SELECT 1 FROM usertownship ut WHERE ut.user_id = u.id AND ut.township_id = :tid)",
            [{"user": user, "tid": tid} for tid in township_ids],
        )

    def unassign(self, user: str, township_ids: Iterable[int], event_id: int) -> None:
        self.db.many(
            'DELETE FROM usertownship WHERE township_id = :tid AND user_id = (SELECT id FROM "user" WHERE name = :user)',
            [{"user": user, "tid": tid} for tid in township_ids],
        )

    def user_disabled(self, user: str, disabled: bool, event_id: int) -> None:
        self.db.run('UPDATE "user" SET disabled = :off WHERE name = :user', {"user": user, "off": disabled})

    def township_added(
        self, township_id: int, name: str, district_id: int, stage: str, event_id: int
    ) -> None:
        self._put(
            "UPDATE township SET name = :name, district_id = :district WHERE id = :id",
            "INSERT INTO township (id, name, district_id, stage, version, head_hash, updated_at, updated_by) "
            "VALUES (:id, :name, :district, :stage, 0, '', '', '')",
            {"id": township_id, "name": name, "district": district_id, "stage": stage},
        )

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
        params: dict[str, Any] = {
            "id": township_id,
            "seq": seq,
            "prev": seq - 1,
            "head": head,
            "now": recorded_at,
            "actor": actor,
        }
        sql = "UPDATE township SET version = :seq, head_hash = :head, updated_at = :now, updated_by = :actor"
        if moved_to is not None:
            sql += ", stage = :stage, stage_since = :since"
            params |= {"stage": moved_to[0], "since": self.db.date(moved_to[1])}
        if self.db.run(sql + " WHERE id = :id AND version = :prev", params) != 1:
            raise StepConflict(township_id)

    def fact(self, township_id: int, name: str, data: dict[str, Any], event_id: int) -> None:
        self._put(
            "UPDATE fact SET data = :data, event_id = :event WHERE township_id = :tid AND name = :name",
            "INSERT INTO fact (township_id, name, data, event_id) VALUES (:tid, :name, :data, :event)",
            {
                "tid": township_id,
                "name": name,
                "data": fact_text(data),
                "event": event_id,
            },
        )

    def roster(self, township_id: int, kind: str, rows: Iterable[str] | None, event_id: int) -> None:
        """The roster is the event's rows: the row names the event and counts them (the
        rows themselves are read from its payload, not written again)."""
        if rows is None:
            return
        n = row_count(rows)
        params = {"tid": township_id, "kind": kind}
        self.db.run("DELETE FROM roster WHERE township_id = :tid AND kind = :kind", params)
        if n:
            self.db.run(
                "INSERT INTO roster (township_id, kind, rows, event_id) VALUES (:tid, :kind, :n, :event)",
                params | {"n": n, "event": event_id},
            )

    def waiver(self, township_id: int, check: str, reason: str, actor: str, event_id: int) -> None:
        self._put(
            "UPDATE waiver SET reason = :reason, actor = :actor, event_id = :event "
            "WHERE township_id = :tid AND check_id = :check",
            "INSERT INTO waiver (township_id, check_id, reason, actor, event_id) "
            "VALUES (:tid, :check, :reason, :actor, :event)",
            {"tid": township_id, "check": check, "reason": reason, "actor": actor, "event": event_id},
        )

    def violation_opened(
        self, violation_id: int, township_id: int, note: str, by: str, on: dt.date, event_id: int
    ) -> None:
        self._put(
            "UPDATE violation SET township_id = :tid, status = 'open', opened_note = :note, opened_by = :by, "
            "opened_on = :on, resolved_note = '', resolved_by = '', resolved_on = NULL WHERE id = :id",
            "INSERT INTO violation (id, township_id, status, opened_note, opened_by, opened_on, resolved_note, "
            "resolved_by) VALUES (:id, :tid, 'open', :note, :by, :on, '', '')",
            {"id": violation_id, "tid": township_id, "note": note, "by": by, "on": self.db.date(on)},
        )

    def violation_resolved(self, violation_id: int, note: str, by: str, on: dt.date, event_id: int) -> None:
        self.db.run(
            "UPDATE violation SET status = 'resolved', resolved_note = :note, resolved_by = :by, "
            "resolved_on = :on WHERE id = :id",
            {"id": violation_id, "note": note, "by": by, "on": self.db.date(on)},
        )

    def attachment(self, row: Any) -> None:
        """``row``: a :class:`workflow.ledger.events.Attached` (the store does not import the ledger)."""
        self._put(
            "UPDATE attachment SET township_id = :tid, fact = :fact, sha256 = :sha, size = :size, "
            "media_type = :media, name = :name, note = :note, actor = :actor, recorded_at = :at, "
            "supersedes = :supersedes, event_id = :event WHERE id = :id",
            "INSERT INTO attachment (id, township_id, fact, sha256, size, media_type, name, note, actor, "
            "recorded_at, supersedes, event_id) VALUES (:id, :tid, :fact, :sha, :size, :media, :name, :note, "
            ":actor, :at, :supersedes, :event)",
            {
                "id": row.id,
                "tid": row.township_id,
                "fact": row.fact,
                "sha": row.sha256,
                "size": row.size,
                "media": row.media_type,
                "name": row.name,
                "note": row.note,
                "actor": row.actor,
                "at": row.recorded_at,
                "supersedes": row.supersedes,
                "event": row.event_id,
            },
        )

    def definition(self, district_id: int | None, sha256: str, text: str, event_id: int) -> None:
        if self.db.one("SELECT 1 FROM definitiontext WHERE sha256 = :sha", {"sha": sha256}) is None:
            self.db.run(
                "INSERT INTO definitiontext (sha256, text) VALUES (:sha, :text)",
                {"sha": sha256, "text": text},
            )
        if district_id is None:
            self._put(
                "UPDATE meta SET value = :v WHERE key = 'default_definition'",
                "INSERT INTO meta (key, value) VALUES ('default_definition', :v)",
                {"v": sha256},
            )
            return
        self._put(
            "UPDATE districtdefinition SET sha256 = :sha, event_id = :ev WHERE district_id = :id",
            "INSERT INTO districtdefinition (district_id, sha256, event_id) VALUES (:id, :sha, :ev)",
            {"id": district_id, "sha": sha256, "ev": event_id},
        )
        # new rules: the district's stored gate states no longer hold (expired: the lists find
        # them by index and evaluate them when read)
        self.db.run(
            "UPDATE gatestate SET valid_until = :expired "
            "WHERE township_id IN (SELECT id FROM township WHERE district_id = :id)",
            {"id": district_id, "expired": self.db.date(GATE_EXPIRED)},
        )

    def district_named(self, name: str) -> int | None:
        rows = self.db.all("SELECT id FROM district WHERE name = :n", {"n": name})
        return int(rows[0][0]) if len(rows) == 1 else None

    def township_named(self, name: str) -> int | None:
        district, _, town = name.rpartition("/")
        if district:
            rows = self.db.all(
                "SELECT t.id FROM township t JOIN district d ON d.id = t.district_id "
                "WHERE d.name = :d AND t.name = :t",
                {"d": district, "t": town},
            )
        else:
            rows = self.db.all("SELECT id FROM township WHERE name = :t", {"t": town})
        return int(rows[0][0]) if len(rows) == 1 else None


# ---------------------------------------------------------------- reading the tables back

EVENT_COLUMNS = (
    "id, chain, seq, township_id, kind, from_stage, to_stage, actor, recorded_at, effective_date, "
    "note, payload, prev_hash, hash"
)


def expire_stale_gate_states(db: Raw) -> None:
    """Give every township a stored gate state that holds or is expired (``GATE_EXPIRED``):
    a state stored at another version than the township's is expired, a missing one is
    added expired. This release keeps that so in every change (each stores the state it
    leaves, in its own transaction), so the lists look for stale states only by the index
    on ``valid_until``; ``db upgrade`` (and migration 0010) bring an older database to it."""
    expired = db.date(GATE_EXPIRED)
    db.run(
        "UPDATE gatestate SET valid_until = :expired WHERE version <> "
        "(SELECT t.version FROM township t WHERE t.id = gatestate.township_id) "
        "AND (valid_until IS NULL OR valid_until > :expired)",
        {"expired": expired},
    )
    db.run(
        "INSERT INTO gatestate (township_id, version, final, failing, waived, valid_until) "
        "SELECT t.id, t.version, :no, 0, 0, :expired FROM township t "
        "WHERE NOT EXISTS (SELECT 1 FROM gatestate g WHERE g.township_id = t.id)",
        {"expired": expired, "no": False},
    )


def events(db: Raw, chains: Sequence[str] | None = None) -> Iterator[Sequence[Any]]:
    """Every event (or those of the given chains) in the order they were written."""
    if chains is None:
        yield from db.stream(f"SELECT {EVENT_COLUMNS} FROM event ORDER BY id", {})
        return
    for i in range(0, len(chains), 500):
        part = list(chains[i : i + 500])
        names = ", ".join(f":c{j}" for j in range(len(part)))
        yield from db.stream(
            f"SELECT {EVENT_COLUMNS} FROM event WHERE chain IN ({names}) ORDER BY id",
            {f"c{j}": c for j, c in enumerate(part)},
        )


def stored(db: Raw, table: str, township_ids: Sequence[int] | None = None) -> Iterator[Sequence[Any]]:
    """The rows of one projection table as verification compares them."""
    sql, key = STORED[table]
    if township_ids is None or key is None:
        yield from db.stream(sql, {})
        return
    for i in range(0, len(township_ids), 500):
        part = list(township_ids[i : i + 500])
        names = ", ".join(f":t{j}" for j in range(len(part)))
        where = " AND " if " WHERE " in sql else " WHERE "
        yield from db.stream(f"{sql}{where}{key} IN ({names})", {f"t{j}": t for j, t in enumerate(part)})


STORED: dict[str, tuple[str, str | None]] = {
    "definitiontext": ("SELECT sha256, text FROM definitiontext", None),
    "districtdefinition": ("SELECT district_id, sha256, event_id FROM districtdefinition", None),
    "meta": ("SELECT key, value FROM meta WHERE key = 'default_definition'", None),
    "district": ("SELECT id, name, definition_path FROM district", None),
    "user": ('SELECT name, role, disabled FROM "user"', None),
    "usertownship": (
        'SELECT u.name, ut.township_id FROM usertownship ut JOIN "user" u ON u.id = ut.user_id',
        "ut.township_id",
    ),
    "township": (
        "SELECT id, name, district_id, stage, stage_since, version, head_hash, updated_at, updated_by "
        "FROM township",
        "id",
    ),
    "fact": ("SELECT township_id, name, data FROM fact", "township_id"),
    "roster": ("SELECT township_id, kind, rows, event_id, lines FROM roster", "township_id"),
    "waiver": ("SELECT township_id, check_id, reason, actor, event_id FROM waiver", "township_id"),
    "attachment": (
        "SELECT id, township_id, fact, sha256, size, media_type, name, note, actor, recorded_at, supersedes, "
        "event_id FROM attachment",
        "township_id",
    ),
    "violation": (
        "SELECT id, township_id, status, opened_note, opened_by, opened_on, resolved_note, resolved_by, "
        "resolved_on FROM violation",
        "township_id",
    ),
}
