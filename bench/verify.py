"""`audit verify` (chains and replay of every projection row) against its floor: a plain
loop, with the plain driver alone (the stdlib's sqlite3 for a SQLite file, psycopg with
a server-side cursor for a PostgreSQL URL), that reads the same events, builds the same
canonical bytes and SHA-256 of each, and reads and hashes the same projection rows.
Interleaved pairs (ours, floor, ours, floor, ...), medians.

    python bench/verify.py [--townships 4000] [--work DIR] [--pairs 5]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import statistics
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
if importlib.util.find_spec("workflow") is None:  # a checkout with nothing installed
    sys.path.insert(0, str(HERE.parent / "src"))
sys.path.insert(0, str(HERE))

from backends import GENERATION, Db, Plain, sa_url  # noqa: E402
from generate import ADMIN, generate  # noqa: E402

from workflow.app.service import Service  # noqa: E402
from workflow.store.db import open_engine  # noqa: E402

PROJECTION_QUERIES = (
    "SELECT id, name, definition_path FROM district",
    'SELECT name, role FROM "user"',
    'SELECT u.name, ut.township_id FROM usertownship ut JOIN "user" u ON u.id = ut.user_id',
    "SELECT id, name, district_id, stage, stage_since, version, head_hash, updated_at, updated_by FROM township",
    "SELECT township_id, name, data FROM fact",
    "SELECT township_id, kind, rows, event_id, lines FROM roster",
    "SELECT township_id, check_id, reason, actor, event_id FROM waiver",
    "SELECT * FROM violation",
    "SELECT * FROM gatestate",
)


def ours(db: Db) -> float:
    """One whole `audit verify` through the service (chains, replay, compare)."""
    svc = Service(open_engine(sa_url(db), read_only=True), ADMIN)
    started = time.perf_counter()
    report = svc.verify()
    elapsed = time.perf_counter() - started
    svc.engine.dispose()
    if not report.ok:
        raise SystemExit(
            f"verify found {len(report.problems)} broken chains, {len(report.differences)} differences"
        )
    return elapsed


def floor(db: Db) -> float:
    """The plain loop: canonical bytes + SHA-256 of every event, SHA-256 of every row."""
    started = time.perf_counter()
    conn = Plain(db, read_only=True)
    cur = conn.stream(
        "SELECT chain, seq, township_id, kind, from_stage, to_stage, actor, recorded_at, effective_date, "
        "note, payload, prev_hash, hash FROM event ORDER BY id"
    )
    bad = 0
    for chain, seq, tid, kind, frm, to, actor, at, day, note, payload, prev, digest in cur:
        body = {
            "chain": chain,
            "seq": seq,
            "township_id": tid,
            "kind": kind,
            "from": frm,
            "to": to,
            "actor": actor,
            "recorded_at": at,
            "effective_date": str(day),  # a str from sqlite3, a date from psycopg
            "note": note,
            "payload": json.loads(payload or "{}"),
            "prev_hash": prev,
        }
        canonical = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()
        bad += hashlib.sha256(canonical).hexdigest() != digest
    rows = 0
    for query in PROJECTION_QUERIES:
        for row in conn.stream(query):
            hashlib.sha256("\x1f".join(map(str, row)).encode()).digest()
            rows += 1
    conn.close()
    if bad:
        raise SystemExit(f"the floor found {bad} events whose hash differs")
    return time.perf_counter() - started


def measure(db: Db, pairs: int) -> tuple[float, float]:
    """Median seconds of ours and of the floor on ``db``, in interleaved pairs."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(pairs):
        a.append(ours(db))
        b.append(floor(db))
    return statistics.median(a), statistics.median(b)


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--townships", type=int, default=4000)
    p.add_argument("--work", default=None)
    p.add_argument("--pairs", type=int, default=5)
    a = p.parse_args()
    work = Path(a.work or Path(tempfile.gettempdir()) / "workflow-bench")
    work.mkdir(parents=True, exist_ok=True)
    path = work / f"verify-{a.townships}.{GENERATION}.db"
    if not path.exists():
        print(json.dumps(generate(f"sqlite:///{path}", a.townships, quiet=True)), file=sys.stderr)
    mine, base = measure(path, a.pairs)
    print(
        f"| `audit verify` (replay), {a.townships} townships | {mine:.3f} s | {base:.3f} s | {mine / base:.2f}x | <= 3.0x |"
    )


if __name__ == "__main__":
    main()
