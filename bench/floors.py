"""Floors for whole-process figures: a plain Python process doing the same database
work with the plain driver alone (the standard library's sqlite3 for a SQLite file,
psycopg for a PostgreSQL URL), launched the same way as ours (``python -c``), so that
interpreter start-up counts on both sides and nothing else does. Used by
bench/run.py, in interleaved pairs.

- ``STATUS``: what ``workflow status T`` reads: the database's id, the session of
  this machine's token (its file read, its SHA-256 looked up, its user), the schema
  revision, the township by name, its district and recorded definition text, its
  facts, waivers and open violations, its rosters of the current stage and their
  counts; printed as JSON.
- ``ADVANCE``: what ``workflow advance T`` changes: in one write transaction (WAL,
  synchronous FULL, as ours), the township read, its version bumped and stage moved,
  and an event inserted with its canonical bytes hashed (SHA-256) and chained to the
  head; committed. Run on a scratch copy of its own (it checks no gate, so it steps
  the same township again and again, each event the next of its chain); on PostgreSQL
  the township's row is locked with FOR UPDATE, as ours is.
"""

from __future__ import annotations

# Both scripts open the database with the plain driver and run the same SQL (written
# with ? placeholders; psycopg's are %s).
_OPEN = r"""
import sys
if sys.argv[1].startswith("postgresql"):
    import psycopg
    _pg = psycopg.connect(sys.argv[1].replace("postgresql+psycopg://", "postgresql://"), autocommit=READ_ONLY)

    class _Con:
        def execute(self, sql, params=()):
            return _pg.execute(sql.replace("?", "%s"), params)

        def rollback(self):
            _pg.execute("ROLLBACK") if READ_ONLY else _pg.rollback()

    con = _Con()
    BEGIN = "BEGIN READ ONLY" if READ_ONLY else "BEGIN"
    WRITE_BEGIN, COMMIT = None, _pg.commit
else:
    import sqlite3
    if READ_ONLY:
        con = sqlite3.connect(f"file:{sys.argv[1]}?mode=ro", uri=True)
    else:
        con = sqlite3.connect(sys.argv[1], isolation_level=None, timeout=30)
        con.execute("PRAGMA journal_mode = WAL")
        con.execute("PRAGMA synchronous = FULL")
    BEGIN = "BEGIN"
    WRITE_BEGIN, COMMIT = "BEGIN IMMEDIATE", lambda: con.execute("COMMIT")
"""

STATUS = (
    "READ_ONLY = True\n"
    + _OPEN
    + r"""
import hashlib, json
from pathlib import Path
db, config, name = sys.argv[1], Path(sys.argv[2]), sys.argv[3]
con.execute(BEGIN)
dbid = con.execute("SELECT value FROM meta WHERE key = 'database_id'").fetchone()[0]
token = (config / "sessions" / f"{dbid}.token").read_text(encoding="ascii").strip()
session = con.execute(
    'SELECT s.id, s.expires, s.revoked, s.last_used, u.name, u.disabled FROM "session" s '
    'JOIN "user" u ON u.id = s.user_id WHERE s.token_hash = ?',
    (hashlib.sha256(token.encode()).hexdigest(),),
).fetchone()
revision = con.execute("SELECT version_num FROM alembic_version").fetchone()[0]
role = con.execute('SELECT role FROM "user" WHERE name = ?', (session[4],)).fetchone()
town = con.execute(
    "SELECT id, name, district_id, stage, stage_since, version, head_hash, updated_at, updated_by "
    "FROM township WHERE name = ?", (name,)
).fetchone()
tid = town[0]
district = con.execute("SELECT name FROM district WHERE id = ?", (town[2],)).fetchone()
definition = con.execute(
    "SELECT t.text FROM districtdefinition d JOIN definitiontext t ON t.sha256 = d.sha256 WHERE d.district_id = ?",
    (town[2],),
).fetchone()
records = con.execute(
    "SELECT 'f', name, data FROM fact WHERE township_id = ? "
    "UNION ALL SELECT 'w', check_id, reason FROM waiver WHERE township_id = ? "
    "UNION ALL SELECT 'v', CAST(id AS VARCHAR(20)), opened_note FROM violation WHERE township_id = ? AND status = 'open'",
    (tid, tid, tid),
).fetchall()
facts = {k: json.loads(v) for t, k, v in records if t == "f"}
stored = con.execute(  # a roster's rows are the lines of the event that set it
    "SELECT r.kind, r.rows, r.lines, e.payload FROM roster r LEFT JOIN event e ON e.id = r.event_id "
    "WHERE r.township_id = ?", (tid,)
).fetchall()
rosters = []
for _, _, lines, payload in stored:
    carried = None if lines is not None else json.loads(payload)
    if carried is not None and "table" in carried:  # each row an array of its values
        rosters += [dict(zip(carried["columns"], row)) for row in carried["table"]]
    else:
        rosters += [json.loads(line) for line in (lines if lines is not None else carried["lines"]).split("\\n")]
counts = [(kind, rows) for kind, rows, _, _ in stored]
violations = con.execute(
    "SELECT id, opened_note, opened_by, opened_on FROM violation WHERE township_id = ? AND status = 'open'", (tid,)
).fetchall()
waivers = con.execute("SELECT check_id, reason, actor FROM waiver WHERE township_id = ? ORDER BY id", (tid,)).fetchall()
con.rollback()
print(json.dumps({"township": town[1], "district": district[0], "stage": town[3], "facts": len(facts),
                  "rosters": dict(counts), "violations": len(violations), "waivers": len(waivers),
                  "revision": revision, "user": session[4]}, ensure_ascii=False))
"""
)

ADVANCE = (
    "READ_ONLY = False\n"
    + _OPEN
    + r"""
import datetime as dt, hashlib, json
db, tid, to_stage = sys.argv[1], int(sys.argv[2]), sys.argv[3]
if WRITE_BEGIN:
    con.execute(WRITE_BEGIN)
t = con.execute(
    "SELECT id, stage, version, head_hash FROM township WHERE id = ?"
    + ("" if WRITE_BEGIN else " FOR UPDATE"), (tid,)
).fetchone()
seq = t[2] + 1
now = dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")
body = {"chain": str(tid), "seq": seq, "township_id": tid, "kind": "advance", "from": t[1], "to": to_stage,
        "actor": "bench", "recorded_at": now, "effective_date": dt.date.today().isoformat(), "note": "",
        "payload": {"checks": [], "waived": []}, "prev_hash": t[3]}
digest = hashlib.sha256(json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()).hexdigest()
con.execute(
    "UPDATE township SET version = ?, stage = ?, stage_since = ?, head_hash = ?, updated_at = ?, updated_by = ? "
    "WHERE id = ? AND version = ?",
    (seq, to_stage, body["effective_date"], digest, now, "bench", tid, t[2]),
)
con.execute(
    "INSERT INTO event (chain, seq, township_id, kind, from_stage, to_stage, actor, recorded_at, effective_date, "
    "note, payload, prev_hash, hash) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
    (str(tid), seq, tid, "advance", t[1], to_stage, "bench", now, body["effective_date"], "",
     json.dumps(body["payload"], sort_keys=True, separators=(",", ":")), t[3], digest),
)
COMMIT()
print(digest)
"""
)
