"""Roster import at the limit (200,000 rows): time and peak memory against parsing
the same file with the stdlib csv module alone, and the longest time the import
holds the database's write lock. Each side runs in a fresh process and measures
itself (interpreter start-up and imports left out of the times, not out of the
memory); three pairs, interleaved, medians.

    python bench/run.py --roster [--work DIR]"""

from __future__ import annotations

import json
import statistics
import subprocess
import sys
from pathlib import Path
from typing import Any

ROWS = 200_000
HERE = Path(__file__).resolve().parent

BASELINE = """
import csv, json, resource, sys, time
t, c = time.perf_counter(), time.process_time()
with open(sys.argv[1], encoding="utf-8-sig", newline="") as f:
    rows = list(csv.reader(f))
seconds, cpu = time.perf_counter() - t, time.process_time() - c
print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": len(rows) - 1,
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""

OURS = """
import datetime as dt, json, resource, sys, time
from pathlib import Path
import importlib.util
if importlib.util.find_spec("workflow") is None:
    sys.path.insert(0, sys.argv[3])
from sqlalchemy import event
from workflow.app.service import Service
from workflow.store.db import open_engine

url, path, n = sys.argv[1], Path(sys.argv[2]), int(sys.argv[4])
svc = Service(open_engine(url), "bench", today=lambda: dt.date(2026, 11, 26))
if n == 0:
    svc.init()
town = f"基准镇{n}"  # a township of its own each round, in one database
svc.add_district(f"基准区{n}")
svc.add_township(town, f"基准区{n}", since="2026-11-01")
held = []
began = {}

# the import's write transaction is a SQLAlchemy one (write_session): its engine's events
@event.listens_for(svc.engine.sa, "begin")
def _begin(conn):
    if conn.get_execution_options().get("workflow_write"):
        began[id(conn)] = time.perf_counter()

def _end(conn):
    t0 = began.pop(id(conn), None)
    if t0 is not None:
        held.append(time.perf_counter() - t0)

event.listen(svc.engine.sa, "commit", _end)
event.listen(svc.engine.sa, "rollback", _end)
held.clear()
t, c = time.perf_counter(), time.process_time()
svc.import_roster(town, "delegates", path, on="2026-11-20")
seconds, cpu = time.perf_counter() - t, time.process_time() - c
n = len(svc.roster(town, "delegates"))
print(json.dumps({"seconds": seconds, "cpu": cpu, "rows": n, "lock_max": max(held), "writes": len(held),
                  "rss_kb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss}))
"""


def write_roster(path: Path, rows: int = ROWS) -> None:
    """A delegates roster of ``rows`` distinct people, Chinese headers and values."""
    cats = ("农村工作一线", "专业技术人才和先进模范人物", "外出务工党员", "其他")
    with path.open("w", encoding="utf-8-sig", newline="") as f:
        f.write("姓名,性别,出生日期,类别,提名方式,资格审查,当选\n")
        for i in range(rows):
            birth = f"{1960 + i % 40}-{1 + i % 12:02d}-{1 + i % 28:02d}"
            f.write(
                f"代表{i:06d},{'女' if i % 3 == 0 else '男'},{birth},{cats[i % 4]},"
                f"{'组织提名' if i % 2 else '党员提名'},通过,{'是' if i % 5 else '否'}\n"
            )


def run_json(code: str, *args: str) -> Any:
    """Run ``code`` in a fresh interpreter; its JSON line, with ``rss_kb`` set to the
    process's own peak as /usr/bin/time measures it (the process's own getrusage would
    count the memory of the process that started it, copied at fork)."""
    timed = ["/usr/bin/time", "-f", "%M"] if Path("/usr/bin/time").exists() else []
    out = subprocess.run(
        [*timed, sys.executable, "-c", code, *args], capture_output=True, text=True, check=False
    )
    if out.returncode != 0:
        raise RuntimeError(out.stderr[-3000:])
    result = json.loads(out.stdout.strip().splitlines()[-1])
    if timed and isinstance(result, dict) and "rss_kb" in result:
        result["rss_kb"] = int(out.stderr.strip().splitlines()[-1])
    return result


def measure(work: Path, db_url: str | None = None, rounds: int = 3) -> dict[str, dict[str, float]]:
    """Both sides on one generated file, ``rounds`` pairs interleaved (floor, ours,
    floor, ours, ...), each side's medians; the write lock's longest hold in any round.
    A fresh SQLite database unless ``db_url`` (an empty database) is given."""
    work.mkdir(parents=True, exist_ok=True)
    path = work / "roster-200k.csv"
    if not path.exists():
        write_roster(path)
    db = work / "roster-bench.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db}{suffix}").unlink(missing_ok=True)
    url = db_url or f"sqlite:///{db}"
    bases: list[dict[str, Any]] = []
    ours: list[dict[str, Any]] = []
    for n in range(rounds):
        bases.append(run_json(BASELINE, str(path)))
        ours.append(run_json(OURS, url, str(path), str(HERE.parent / "src"), str(n)))
        assert ours[-1]["rows"] == bases[-1]["rows"] == ROWS, (ours[-1], bases[-1])

    def medians(runs: list[dict[str, Any]]) -> dict[str, float]:
        return {k: statistics.median(float(r[k]) for r in runs) for k in runs[0]}

    return {
        "baseline": medians(bases),
        "ours": medians(ours) | {"lock_max": max(float(r["lock_max"]) for r in ours)},
    }
