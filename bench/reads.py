"""Reads at scale, each side in a fresh process that measures itself, in interleaved
pairs (ours, floor, ours, floor, ...), medians:

- ``workflow report`` over the whole database against one streaming pass of the
  plain driver (sqlite3 for a SQLite file; psycopg for a PostgreSQL URL, with
  server-side cursors) reading the same rows (townships, facts, the report's
  rosters) and parsing each row's JSON once; and its peak memory at a large database
  against a small one.
- the dashboard's state filters (就绪 ready, 受阻 blocked): the first page of each,
  with its count, read from the stored gate states; a large database against a small
  one (linear or better is at most their size ratio; the target is far below it).

    python bench/reads.py [--big 40000] [--small 1000] [--pairs 3]
"""

from __future__ import annotations

import statistics
from pathlib import Path

from backends import Db, SQLiteFiles, sa_url
from roster import run_json

HERE = Path(__file__).resolve().parent

REPORT = """
import json, resource, sys, time
import importlib.util
sys.path.insert(0, sys.argv[2])
if importlib.util.find_spec("workflow") is None:
    sys.path.insert(0, sys.argv[3])
from generate import ADMIN
from workflow.app.service import Service
from workflow.store.db import open_engine
svc = Service(open_engine(sys.argv[1], read_only=True), ADMIN)
t = time.perf_counter()
r = svc.report(None)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "townships": r["townships"],
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

REPORT_FLOOR = """
import json, resource, sys, time
db = sys.argv[1]
if db.startswith("postgresql"):
    import psycopg
else:
    import sqlite3
t = time.perf_counter()
if db.startswith("postgresql"):
    conn = psycopg.connect(db.replace("postgresql+psycopg://", "postgresql://"))
    conn.read_only = True

    def rows(sql):
        # a server-side cursor, 2,000 rows a fetch (one read transaction for all three)
        with conn.cursor(name="floor") as cur:
            cur.itersize = 2000
            cur.execute(sql)
            yield from cur
else:
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    rows = conn.execute
n = 0
for _ in rows("SELECT id, name, district_id, stage FROM township ORDER BY id"):
    n += 1
for _, _, data in rows("SELECT township_id, name, data FROM fact ORDER BY township_id"):
    json.loads(data)
for _, _, lines, payload in rows(  # a roster's rows are the lines of the event that set it
    "SELECT r.township_id, r.kind, r.lines, e.payload FROM roster r LEFT JOIN event e ON e.id = r.event_id "
    "WHERE r.kind IN ('delegates', 'team', 'ballots', 'pledges') ORDER BY r.township_id, r.kind"
):
    carried = None if lines is not None else json.loads(payload)
    if carried is not None and "table" in carried:  # each row an array of its values
        [dict(zip(carried["columns"], row)) for row in carried["table"]]
    else:
        for line in (lines if lines is not None else carried["lines"]).split("\\n"):
            json.loads(line)
seconds = time.perf_counter() - t
print(json.dumps({"seconds": seconds, "townships": n,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

FILTER = """
import json, sys, time
import importlib.util
sys.path.insert(0, sys.argv[2])
if importlib.util.find_spec("workflow") is None:
    sys.path.insert(0, sys.argv[3])
from generate import ADMIN
from workflow.app.dashboard import Dashboard
from workflow.app.service import Service
from workflow.store.db import open_engine
board = Dashboard(Service(open_engine(sys.argv[1], read_only=True), ADMIN))
board.page("", 0, 60)  # connection and definitions warm, as in the TUI
out = {}
for word in ("就绪", "受阻"):
    t = time.perf_counter()
    page = board.page(word, 0, 60)
    out[word] = {"seconds": time.perf_counter() - t, "total": page.total, "rows": len(page.rows)}
print(json.dumps(out))
"""


def _src() -> str:
    return str(HERE.parent / "src")


def measure_report(big: Db, small: Db, pairs: int) -> dict[str, float]:
    """Median seconds of ours and of the floor on ``big`` (interleaved), and the median
    peak memory of ours on ``big`` and on ``small``."""
    ours: list[dict[str, float]] = []
    floor: list[dict[str, float]] = []
    small_rss: list[float] = []
    for _ in range(pairs):
        ours.append(run_json(REPORT, sa_url(big), str(HERE), _src()))
        floor.append(run_json(REPORT_FLOOR, str(big)))
        small_rss.append(float(run_json(REPORT, sa_url(small), str(HERE), _src())["rss_kb"]))
    assert ours[0]["townships"] == floor[0]["townships"], (ours[0], floor[0])
    return {
        "seconds": statistics.median(o["seconds"] for o in ours),
        "floor": statistics.median(f["seconds"] for f in floor),
        "rss_mb": statistics.median(o["rss_kb"] for o in ours) / 1024,
        "small_rss_mb": statistics.median(small_rss) / 1024,
    }


def measure_filter(big: Db, small: Db, pairs: int) -> dict[str, float]:
    """Median seconds of the state filters (both words added) on ``big`` and on
    ``small``, interleaved."""
    a: list[float] = []
    b: list[float] = []
    for _ in range(pairs):
        got = run_json(FILTER, sa_url(big), str(HERE), _src())
        a.append(sum(float(v["seconds"]) for v in got.values()))
        got = run_json(FILTER, sa_url(small), str(HERE), _src())
        b.append(sum(float(v["seconds"]) for v in got.values()))
    return {"big": statistics.median(a), "small": statistics.median(b)}


def main() -> None:
    import argparse
    import tempfile

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--big", type=int, default=40_000)
    p.add_argument("--small", type=int, default=1000)
    p.add_argument("--pairs", type=int, default=3)
    p.add_argument("--work", default=None)
    a = p.parse_args()
    work = Path(a.work or Path(tempfile.gettempdir()) / "workflow-bench")
    work.mkdir(parents=True, exist_ok=True)
    files = SQLiteFiles(work)
    big, small = files.database(a.big), files.database(a.small)
    r = measure_report(big, small, a.pairs)
    f = measure_filter(big, small, a.pairs)
    print(
        f"report {a.big}: {r['seconds']:.2f} s vs floor {r['floor']:.2f} s = {r['seconds'] / r['floor']:.2f}x"
    )
    print(
        f"report memory {a.big} vs {a.small}: {r['rss_mb']:.1f} MB vs {r['small_rss_mb']:.1f} MB "
        f"= {r['rss_mb'] / r['small_rss_mb']:.3f}x"
    )
    print(f"state filters {a.big} vs {a.small}: {f['big']:.3f} s vs {f['small']:.3f} s")


if __name__ == "__main__":
    main()
