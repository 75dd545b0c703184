"""Evidence: attaching a 20 MB file against its floor (``sha256sum`` of the same file
plus ``cp`` of it: the hashing and the copy an attach must do), in interleaved pairs
with medians; and the audit bundle of one district of 10 townships (the demo's 某区,
with its documents) against a floor that writes the same events and documents into a
ZIP with the stdlib alone, plus ``verify-bundle`` of it.

    python bench/evidence.py [--mb 20] [--pairs 7] [--work DIR] [--db URL]
"""

from __future__ import annotations

import argparse
import hashlib
import importlib.util
import json
import os
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
import zipfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
if importlib.util.find_spec("workflow") is None:  # a checkout with nothing installed
    sys.path.insert(0, str(HERE.parent / "src"))

from workflow.app.bundle import make_bundle  # noqa: E402
from workflow.app.demo import SEED_DISTRICT, build_demo  # noqa: E402
from workflow.app.service import Service  # noqa: E402
from workflow.ledger.bundle import verify_bundle  # noqa: E402
from workflow.store.db import open_engine  # noqa: E402
from workflow.store.documents import folder_of  # noqa: E402

ADMIN = "bench"


def attach_pairs(work: Path, megabytes: int, pairs: int, url: str | None) -> tuple[float, float]:
    """Median seconds of one attach of a fresh ``megabytes`` MB PDF, and of
    ``sha256sum`` + ``cp`` of the same file, in interleaved pairs."""
    db = url or f"sqlite:///{work / 'attach.db'}"
    svc = Service(open_engine(db), ADMIN)
    svc.init()
    svc.add_district("基准区")
    svc.add_township("基准镇", "基准区")
    source = work / "scan.pdf"
    body = os.urandom(megabytes * 1024 * 1024)
    copy = work / "copy.pdf"
    ours: list[float] = []
    floor: list[float] = []
    for i in range(pairs):
        source.write_bytes(b"%PDF-1.4\n" + i.to_bytes(8, "big") + body)  # new content each time
        started = time.perf_counter()
        svc.attach("基准镇", "review", source)
        ours.append(time.perf_counter() - started)
        copy.unlink(missing_ok=True)
        started = time.perf_counter()
        subprocess.run(["sha256sum", str(source)], check=True, capture_output=True)
        subprocess.run(["cp", str(source), str(copy)], check=True)
        floor.append(time.perf_counter() - started)
    svc.engine.dispose()
    return statistics.median(ours), statistics.median(floor)


def floor_bundle(db: Path, out: Path) -> float:
    """The same events and documents into a ZIP, with sqlite3, json and zipfile alone."""
    started = time.perf_counter()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    towns = [
        r[0]
        for r in conn.execute(
            "SELECT t.id FROM township t JOIN district d ON d.id = t.district_id WHERE d.name = ?",
            (SEED_DISTRICT,),
        )
    ]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as z:
        for chain in ["system", *map(str, towns)]:
            lines = [
                json.dumps(
                    dict(zip(("id", "chain", "seq", "kind", "payload", "hash"), r, strict=True)),
                    ensure_ascii=False,
                    sort_keys=True,
                )
                for r in conn.execute(
                    "SELECT id, chain, seq, kind, payload, hash FROM event WHERE chain = ? ORDER BY id",
                    (chain,),
                )
            ]
            z.writestr(f"events/{chain}.jsonl", "\n".join(lines))
        marks = ",".join("?" * len(towns))
        for (sha,) in conn.execute(
            f"SELECT DISTINCT sha256 FROM attachment WHERE township_id IN ({marks})", towns
        ):
            data = (folder_of(db) / sha[:2] / sha[2:]).read_bytes()
            hashlib.sha256(data).hexdigest()
            z.writestr(zipfile.ZipInfo(f"documents/{sha}"), data)
    conn.close()
    return time.perf_counter() - started


def bundle_pairs(work: Path, pairs: int) -> tuple[float, float, float, int]:
    """Median seconds of ``audit bundle --district 某区`` and of its floor, of
    ``verify-bundle``, and the bundle's size."""
    db = work / "demo.db"
    if not db.exists():
        svc = Service(open_engine(f"sqlite:///{db}"), "admin")
        build_demo(svc)
        svc.engine.dispose()
    svc = Service(open_engine(str(db), read_only=True), "王审计")
    ours: list[float] = []
    floor: list[float] = []
    checks: list[float] = []
    size = 0
    for i in range(pairs):
        out = work / f"bundle-{i}.zip"
        out.unlink(missing_ok=True)
        started = time.perf_counter()
        make_bundle(svc, out, districts=[SEED_DISTRICT])
        ours.append(time.perf_counter() - started)
        size = out.stat().st_size
        started = time.perf_counter()
        report = verify_bundle(out)
        checks.append(time.perf_counter() - started)
        if not report.ok:
            raise SystemExit(f"verify-bundle found {len(report.problems)} problems")
        plain = work / f"floor-{i}.zip"
        plain.unlink(missing_ok=True)
        floor.append(floor_bundle(db, plain))
    svc.engine.dispose()
    return statistics.median(ours), statistics.median(floor), statistics.median(checks), size


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--mb", type=int, default=20)
    p.add_argument("--pairs", type=int, default=7)
    p.add_argument("--work", default=None)
    p.add_argument("--db", default=None, help="attach into this database instead (e.g. PostgreSQL)")
    a = p.parse_args()
    work = Path(a.work) if a.work else Path(tempfile.mkdtemp(prefix="workflow-bench-evidence-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("WORKFLOW_DATA_DIR", str(work / "data"))
    os.environ.setdefault("WORKFLOW_CONFIG_DIR", str(work / "config"))
    try:
        mine, base = attach_pairs(work, a.mb, a.pairs, a.db)
        bundle, bundle_floor, check, size = bundle_pairs(work, max(3, a.pairs // 2))
    finally:
        if not a.work:
            shutil.rmtree(work, ignore_errors=True)
    where = "PostgreSQL" if a.db else "SQLite"
    print("| figure | ours | baseline | ratio | target |")
    print("|---|---|---|---|---|")
    ok = "ok" if mine / base <= 2.0 else "MISSED"
    print(
        f"| `workflow attach` of a {a.mb} MB file ({where}) vs `sha256sum` + `cp` | {mine:.3f} s | "
        f"{base:.3f} s | {mine / base:.2f}x | <= 2.0x {ok} |"
    )
    print(
        f"| `audit bundle --district {SEED_DISTRICT}` (10 townships, {size / 1024:.0f} KB) vs a stdlib ZIP of "
        f"its events and documents | {bundle:.3f} s | {bundle_floor:.3f} s | {bundle / bundle_floor:.2f}x | - |"
    )
    print(f"| `audit verify-bundle` of that bundle | {check:.3f} s | - | - | - |")


if __name__ == "__main__":
    main()
