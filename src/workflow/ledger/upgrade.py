"""Committing to the log the rows that an older release's events did not carry, so that
replay rebuilds every row (run by ``workflow db upgrade``; idempotent).

- on the system chain: ``district_commit`` for each district whose ``district_add``
  did not carry its id, ``township_add`` for each township never added there, and
  ``user_commit`` for each user when user events named townships without their ids;
- on each township's chain, one ``upgrade_commit`` with its stage, the day it began and
  every roster that an import without rows left, when any of these is missing.

What is committed is what the tables hold at the upgrade: the log vouches for them from
then on, not before (the README says so)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Callable
from pathlib import Path
from typing import Any

from workflow.domain.definition import DEFAULT_NAME, loads, shipped_bytes
from workflow.domain.rosters import roster_lines_of, stored_lines
from workflow.errors import BadInput
from workflow.i18n import tr
from workflow.ledger.apply import apply
from workflow.ledger.chain import GENESIS, dump_payload, event_hash
from workflow.ledger.events import SYSTEM_CHAIN, recorded
from workflow.store.projection import TableSink, expire_stale_gate_states
from workflow.store.sql import HASHED_FIELDS, INSERT_EVENT, Raw, date_of


def commit_existing(db: Raw, actor: str, now: Callable[[], str], today: dt.date) -> int:
    """Append the commitments this database still lacks; how many events were added."""
    payloads: dict[int, list[tuple[str, dict[str, Any]]]] = defaultdict(list)
    added_towns: set[int] = set()
    district_ids: set[int] = set()
    for chain, kind, payload in db.all(
        "SELECT chain, kind, payload FROM event WHERE kind IN "
        "('township_add', 'district_add', 'district_commit', 'create', 'import', 'upgrade_commit')",
        {},
    ):
        p = json.loads(payload or "{}")
        if kind == "township_add":
            added_towns.add(int(p["township_id"]))
        elif kind in ("district_add", "district_commit") and "district_id" in p:
            district_ids.add(int(p["district_id"]))
        elif chain != SYSTEM_CHAIN:
            payloads[int(chain)].append((str(kind), p))
    count = 0
    for did, name, definition in db.all("SELECT id, name, definition_path FROM district ORDER BY id", {}):
        if int(did) not in district_ids:
            payload = {"district": name, "district_id": int(did), "definition": definition}
            _append(db, SYSTEM_CHAIN, None, "district_commit", payload, actor, now(), today)
            count += 1
    count += _commit_definitions(db, actor, now, today)
    towns = db.all(
        "SELECT t.id, t.name, t.district_id, d.name, t.stage, t.stage_since FROM township t "
        "JOIN district d ON d.id = t.district_id ORDER BY t.id",
        {},
    )
    for tid, name, did, dname, stage, _since in towns:
        if int(tid) not in added_towns:
            payload = {
                "township_id": int(tid),
                "name": name,
                "district": dname,
                "district_id": int(did),
                "stage": stage,
            }
            _append(db, SYSTEM_CHAIN, None, "township_add", payload, actor, now(), today)
            count += 1
    bare_users = db.one(
        "SELECT count(*) FROM event WHERE chain = :c AND kind = 'user_add' AND payload NOT LIKE :ids",
        {"c": SYSTEM_CHAIN, "ids": '%"township_ids"%'},
    )
    if bare_users and int(bare_users[0]):
        assigned: dict[str, list[int]] = defaultdict(list)
        for uname, tid in db.all(
            'SELECT u.name, ut.township_id FROM usertownship ut JOIN "user" u ON u.id = ut.user_id '
            "ORDER BY u.name, ut.township_id",
            {},
        ):
            assigned[str(uname)].append(int(tid))
        for uname, role in db.all('SELECT name, role FROM "user" ORDER BY id', {}):
            payload = {"user": uname, "role": role, "township_ids": assigned.get(str(uname), [])}
            _append(db, SYSTEM_CHAIN, None, "user_commit", payload, actor, now(), today)
            count += 1
    for tid, _name, _did, _dname, stage, since in towns:
        events = payloads.get(int(tid), [])
        if any(kind == "upgrade_commit" for kind, _ in events):
            continue
        create_lacks = any(kind == "create" and "since" not in p for kind, p in events)
        imports = _bare_imports(events)
        if not create_lacks and not imports:
            continue
        rosters: dict[str, list[dict[str, Any]]] = {}
        for kind in imports:
            found = db.one(  # the rows as the tables hold them: their event did not carry them
                "SELECT r.lines, e.payload FROM roster r LEFT JOIN event e ON e.id = r.event_id "
                "WHERE r.township_id = :tid AND r.kind = :kind",
                {"tid": tid, "kind": kind},
            )
            lines = stored_lines(kind, found[0], found[1]) if found else []
            rosters[kind] = [json.loads(line) for line in lines]
        since_date = date_of(since)
        payload = {
            "stage": stage,
            "stage_since": since_date.isoformat() if since_date else None,
            "rosters": rosters,
        }
        _append(db, str(tid), int(tid), "upgrade_commit", payload, actor, now(), today, to_stage=stage)
        count += 1
    # the commitments moved townships' versions: their stored gate states are expired, in
    # this transaction (``db upgrade`` then stores every township's state again)
    expire_stale_gate_states(db)
    return count


def _commit_definitions(db: Raw, actor: str, now: Callable[[], str], today: dt.date) -> int:
    """Each district without a recorded definition gets the text it ran on (its file's,
    or the shipped one) recorded on the system chain."""
    recorded_for = {int(r[0]) for r in db.all("SELECT district_id FROM districtdefinition", {})}
    count = 0
    for did, name, path in db.all("SELECT id, name, definition_path FROM district ORDER BY id", {}):
        if int(did) in recorded_for:
            continue
        text, source = _definition_text(path)
        payload = {
            "district": name,
            "district_id": int(did),
            "definition_sha256": hashlib.sha256(text.encode("utf-8")).hexdigest(),
            "definition_text": text,
            "definition_source": source,
            "previous_sha256": None,
            "changed": [],
        }
        _append(db, SYSTEM_CHAIN, None, "district_definition", payload, actor, now(), today)
        count += 1
    return count


def _definition_text(path: str | None) -> tuple[str, str]:
    """The text a district ran on before definitions were recorded: its own file's
    (refused, naming the file, when it cannot be read or is not a valid definition),
    else the shipped definition's."""
    if not path:
        return shipped_bytes().decode("utf-8"), f"states/{DEFAULT_NAME}"
    try:
        data = Path(path).read_bytes()
    except OSError as e:
        raise BadInput(
            tr(
                "无法读取区的流程定义文件 {f}：{e}；请恢复该文件后重新运行 workflow db upgrade",
                "cannot read the district's definition file {f}: {e}; put it back and run "
                "'workflow db upgrade' again",
                f=path,
                e=e.strerror or e,
            )
        ) from e
    loads(data, path)  # a definition that does not load is refused with its file and key
    return data.decode("utf-8"), path


def _bare_imports(events: list[tuple[str, dict[str, Any]]]) -> list[str]:
    """The roster kinds whose last import did not carry its rows."""
    carried: dict[str, bool] = {}
    for kind, p in events:
        if kind == "import":
            carried[str(p["kind"])] = roster_lines_of(p, str(p["kind"])) is not None
    return sorted(k for k, ok in carried.items() if not ok)


def _append(
    db: Raw,
    chain: str,
    township_id: int | None,
    kind: str,
    payload: dict[str, Any],
    actor: str,
    recorded_at: str,
    today: dt.date,
    to_stage: str | None = None,
) -> None:
    head = db.one("SELECT seq, hash FROM event WHERE chain = :c ORDER BY seq DESC LIMIT 1", {"c": chain})
    seq, prev = (int(head[0]) + 1, str(head[1])) if head else (1, GENESIS)
    fields: dict[str, Any] = {
        "chain": chain,
        "seq": seq,
        "township_id": township_id,
        "kind": kind,
        "from_stage": to_stage,
        "to_stage": to_stage,
        "actor": actor,
        "recorded_at": recorded_at,
        "effective_date": today,
        "note": "",
        "payload": dump_payload(payload),
        "prev_hash": prev,
    }
    fields["hash"] = event_hash(**{f: fields[f] for f in HASHED_FIELDS})
    row = db.one(INSERT_EVENT, fields | {"effective_date": db.date(today)})
    assert row is not None
    apply(TableSink(db), recorded(int(row[0]), fields))
