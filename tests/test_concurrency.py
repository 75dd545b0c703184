"""Two coordinators at once, and a process killed mid-run: nothing is lost or doubled."""

from __future__ import annotations

import multiprocessing as mp
import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path
from typing import Any

from sqlalchemy import text

from tests.conftest import make_service, sign_in
from workflow.app.service import Service

ROUNDS = 50


def _advancer(url: str, barrier: Any, tasks: Any, results: Any) -> None:
    """A separate process running the CLI's advance for each task, in step with its twin."""
    sys.stdout = open(os.devnull, "w")  # noqa: SIM115
    sys.stderr = open(os.devnull, "w")  # noqa: SIM115
    from workflow.cli.main import main

    while (task := tasks.get()) is not None:
        town, version = task
        barrier.wait()
        code = main(
            [
                "--db",
                url,
                "advance",
                town,
                "--on",
                "2021-04-13",
                "--expect-version",
                str(version),
            ]
        )
        results.put((town, code))


def test_two_processes_advance_the_same_township_exactly_one_wins(db_url: str) -> None:
    svc = make_service(db_url)
    svc.init()
    svc.add_district("某区")
    versions = {}
    for i in range(ROUNDS):
        name = f"乡镇{i:02d}"
        svc.add_township(name, "某区")
        r = svc.record(name, "draft", {"title": "工作报告", "date": "2021-04-12"})
        versions[name] = r.event.seq
    sign_in(db_url, "admin")  # the processes act through this machine's session
    ctx = mp.get_context("spawn")
    barrier = ctx.Barrier(2)
    queues = [ctx.Queue(), ctx.Queue()]
    results = ctx.Queue()
    workers = [ctx.Process(target=_advancer, args=(db_url, barrier, q, results)) for q in queues]
    for w in workers:
        w.start()
    try:
        outcomes: dict[str, list[int]] = {}
        for name, version in versions.items():
            for q in queues:
                q.put((name, version))
            for _ in range(2):
                town, code = results.get(timeout=120)
                outcomes.setdefault(town, []).append(code)
    finally:
        for q in queues:
            q.put(None)
        for w in workers:
            w.join(timeout=60)
    assert all(sorted(codes) == [0, 5] for codes in outcomes.values()), outcomes
    for name in versions:
        events = svc.history(name)[1]
        assert [e.seq for e in events] == list(range(1, len(events) + 1))
        assert [e.kind for e in events].count("advance") == 1
        assert svc.status(name).stage == "lower_consultation"
    assert svc.verify().ok
    svc.engine.dispose()


CHANGES = textwrap.dedent(
    """
    import sys
    from workflow.app.service import Service
    from workflow.store.db import open_engine

    svc = Service(open_engine(sys.argv[1]), "admin")
    towns = [f"乡镇{i:02d}" for i in range(20)]
    for i in range(1000):
        town = towns[i % 20]
        if svc.status(town).stage == "draft_report":
            svc.advance(town, note=f"step {i}")
        else:
            svc.return_(town, "draft_report", f"revert {i}")
        print(i, flush=True)
    """
)


def _count_events(svc: Service) -> int:
    with svc.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM event")).scalar_one())


def test_sigkill_mid_run_leaves_every_stage_matching_its_last_event(db_url: str, tmp_path: Path) -> None:
    svc = make_service(db_url)
    svc.init()
    svc.add_district("某区")
    for i in range(20):
        svc.add_township(f"乡镇{i:02d}", "某区")
        svc.record(f"乡镇{i:02d}", "draft", {"title": "工作报告", "date": "2021-04-12"})
    start = _count_events(svc)
    script = tmp_path / "changes.py"
    script.write_text(CHANGES, encoding="utf-8")
    proc = subprocess.Popen(
        [sys.executable, str(script), db_url], stdout=subprocess.PIPE, stderr=subprocess.PIPE
    )
    deadline = time.monotonic() + 120
    while _count_events(svc) < start + 150 and time.monotonic() < deadline and proc.poll() is None:
        time.sleep(0.05)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL, "the run finished before it could be killed"
    written = _count_events(svc) - start
    assert 150 <= written < 1000
    with svc.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT t.name, t.stage, t.version, "
                "(SELECT e.to_stage FROM event e WHERE e.chain = CAST(t.id AS VARCHAR(32)) ORDER BY e.seq DESC LIMIT 1), "
                "(SELECT count(*) FROM event e WHERE e.chain = CAST(t.id AS VARCHAR(32))) FROM township t"
            )
        ).all()
    for name, stage, version, last_to, count in rows:
        assert stage == last_to, name
        assert version == count, name
    assert svc.verify().ok
    svc.engine.dispose()
