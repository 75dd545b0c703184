"""Generate a realistic national-scale data set fast, with bulk inserts.

    python bench/generate.py --townships 40000 [--db URL] [--seed 7]

Districts of 8-20 townships; each township's history spread over the stages (about a
third completed), with facts, imports, some returns from upper review, waivers and open
violations; rosters of realistic size for townships past delegate nomination. Every
event is hash-chained exactly as the service writes it, so `workflow audit verify`
passes on the result. The acting admin is the user ``bench``."""

from __future__ import annotations

import argparse
import datetime as dt
import importlib.util
import json
import math
import random
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

if importlib.util.find_spec("workflow") is None:  # a checkout with nothing installed
    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "src"))

from sqlalchemy import insert, text

from workflow.app.auth import hash_secret
from workflow.app.service import Service
from workflow.domain.definition import default_definition
from workflow.domain.rosters import ROSTER_KINDS, RowTable
from workflow.ledger import chain as audit
from workflow.store.db import open_engine
from workflow.store.projection import fact_text
from workflow.store.tables import District, Fact, Township, Violation, Waiver

ADMIN = "bench"
ADMIN_PASSWORD = "bench-password"  # a generated database for measuring only
TODAY = dt.date.today()
STAGES = [s.id for s in default_definition().stages]
WORDS = [
    "青山",
    "白水",
    "红旗",
    "石桥",
    "柳河",
    "金沙",
    "东湖",
    "西山",
    "南河",
    "北岭",
    "中和",
    "青龙",
    "白马",
    "桃源",
    "石门",
    "新塘",
    "长安",
    "永和",
    "安平",
    "太平",
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平"
RECORDED_AT = TODAY.isoformat() + "T00:00:00.000000Z"


@dataclass
class Batch:
    """Rows waiting for one bulk insert."""

    townships: list[dict[str, Any]] = field(default_factory=list)
    events: list[dict[str, Any]] = field(default_factory=list)
    facts: list[dict[str, Any]] = field(default_factory=list)
    rosters: list[tuple[int, str, int, int]] = field(default_factory=list)
    """(township, kind, rows, the event carrying them): a roster is its import's lines."""
    waivers: list[dict[str, Any]] = field(default_factory=list)
    violations: list[dict[str, Any]] = field(default_factory=list)


class Ids:
    """The next event and violation ids (the generator numbers its rows itself, so
    that a waiver can name the event that granted it, as the service's do)."""

    def __init__(self, event: int, violation: int) -> None:
        self.event = event
        self.violation = violation

    def next_event(self) -> int:
        self.event += 1
        return self.event


class Chain:
    """Builds one chain's events with their hashes, as the service would."""

    def __init__(
        self, batch: Batch, ids: Ids, town_id: int | None, stage: str | None, seq: int = 0, prev: str = ""
    ) -> None:
        self.batch = batch
        self.ids = ids
        self.town_id = town_id
        self.stage = stage
        self.seq = seq
        self.prev = prev or audit.GENESIS

    def add(
        self,
        kind: str,
        to: str | None,
        day: dt.date,
        payload: dict[str, Any],
        note: str = "",
        actor: str = "",
    ) -> int:
        self.seq += 1
        fields: dict[str, Any] = {
            "id": self.ids.next_event(),
            "chain": "system" if self.town_id is None else str(self.town_id),
            "seq": self.seq,
            "township_id": self.town_id,
            "kind": kind,
            "from_stage": self.stage,
            "to_stage": to,
            "actor": actor or ADMIN,
            "recorded_at": RECORDED_AT,
            "effective_date": day,
            "note": note,
            "payload": audit.dump_payload(payload),
            "prev_hash": self.prev,
        }
        fields["hash"] = audit.event_hash(
            **{k: v for k, v in fields.items() if k != "id"}, payload_is_canonical=True
        )
        self.prev = fields["hash"]
        self.batch.events.append(fields)
        self.stage = to
        return int(fields["id"])


NAMES = [a + b + c for a in SURNAMES for b in GIVEN for c in GIVEN]
COLUMNS = {kind: tuple(c.name for c in k.columns) for kind, k in ROSTER_KINDS.items()}
BIRTHS = [f"{y}-{m:02d}-{d:02d}" for y in range(1960, 1999) for m in (1, 4, 7, 10) for d in (3, 17)]


def name(rng: random.Random) -> str:
    return NAMES[rng.randrange(len(NAMES))]


def roster_rows(kind: str, rng: random.Random, seats: int) -> list[str]:
    """Rows of one roster as the service carries them in its import event: each the
    canonical JSON array of its values in the kind's column order, built cheaply from
    pools (millions are made)."""
    base = rng.randrange(1_000_000)
    nn, nb = len(NAMES), len(BIRTHS)
    if kind == "delegates":  # name, gender, birth_date, category, nominated_by, review, elected
        n = math.ceil(seats * 1.2) + rng.randint(0, 3)
        cats = ("frontline", "frontline", "professional", "migrant", "other")
        return [
            f'["{NAMES[(base + i * 7) % nn]}","{"female" if i % 3 == 1 else "male"}",'
            f'"{BIRTHS[(base + i) % nb]}","{cats[(base + i) % 5]}",'
            f'"organisation","passed",{"true" if i < seats else "false"}]'
            for i in range(n)
        ]
    # team: name, gender, birth_date, post, body, term, years_in_post, rotated, exemption, reserve
    if kind == "team":
        return [
            f'["{NAMES[(base + i * 11) % nn]}","{"female" if i % 4 == 1 else "male"}",'
            f'"{BIRTHS[(base + i * 3) % nb]}","{"党委书记" if i == 0 else "党委委员"}",'
            f'"{"committee" if i % 10 < 7 else "discipline"}","{"new" if i < 10 else "outgoing"}",'
            f'{i % 5},false,"",false]'
            for i in range(20)
        ]
    if kind == "grassroots":  # name, organisation
        return [f'["{NAMES[(base + i * 13) % nn]}","第{i + 1}村党支部"]' for i in range(rng.randint(10, 18))]
    if kind == "talks":  # tier, interviewer, interviewee, date
        return [
            f'["{1 + i % 3}","区委书记","{NAMES[(base + i * 17) % nn]}",null]'
            for i in range(rng.randint(20, 30))
        ]
    if kind == "pledges":  # category, signatories, names, date, published_by
        return [f'["{c}",{9 + (base + c) % 100},[],null,"meeting"]' for c in range(1, 7)]
    return [  # ballots: body, candidate, yes_votes
        f'["{"committee" if i < 9 else "discipline"}","{NAMES[(base + i * 19) % nn]}",{60 + (base + i) % 60}]'
        for i in range(13)
    ]


def facts_for(stage: str, rng: random.Random, day: dt.date) -> dict[str, dict[str, Any]]:
    """The facts a township records in ``stage``, valid for the definition's fields."""
    d = day.isoformat()
    seats = rng.randint(100, 130)
    by_stage: dict[str, dict[str, dict[str, Any]]] = {
        "draft_report": {"draft": {"title": "党代会工作报告", "date": d, "version": "初稿"}},
        "lower_consultation": {
            "consultation": {
                "forms_issued": rng.randint(120, 200),
                "suggestions": rng.randint(3, 9),
                "meeting_date": d,
            }
        },
        "upper_review": {
            "upper_consultation": {"date": d, "note": None},
            "review": {"decision": "approved", "date": d},
        },
        "delegate_nomination": {"nomination": {"seats": seats}},
        "personnel_plan": {
            "publicity": {"start": d, "end": d, "objections_open": 0},
            "standing_vote": {"date": d, "votes_for": 9, "votes_against": 0},
        },
        "congress": {
            "congress": {
                "date": d,
                "should_attend": seats,
                "present": seats - 3,
                "ballots_issued": seats - 3,
                "ballots_returned": seats - 3,
                "committee_seats": 7,
                "discipline_seats": 3,
            }
        },
    }
    return by_stage.get(stage, {})


def township_history(batch: Batch, ids: Ids, tid: int, rng: random.Random) -> None:
    k = 8 if rng.random() < 0.33 else rng.randint(0, 7)
    definition = default_definition()
    span = [rng.randint(3, 7) for _ in range(9)]
    start = TODAY - dt.timedelta(days=sum(span[: k + 1]) + rng.randint(0, 5))
    town = batch.townships[-1]
    chain = Chain(batch, ids, tid, STAGES[0])
    chain.add("create", STAGES[0], start, {"district": "", "name": town["name"], "since": start.isoformat()})
    day = start
    seats = 100
    returned = k >= 3 and rng.random() < 0.03
    for i in range(k):
        stage = STAGES[i]
        for fname, data in facts_for(stage, rng, day).items():
            at = chain.add("record", stage, day, {"fact": fname, "values": data, "corrects": False})
            batch.facts.append(
                {
                    "township_id": tid,
                    "name": fname,
                    "data": fact_text(data),  # as the service stores it
                    "event_id": at,
                }
            )
            seats = int(data.get("seats", seats))
        for kind in definition.stage(stage).rosters:
            rows = roster_rows(kind, rng, seats)
            at = chain.add(  # the import carries its rows, as the service's do
                "import",
                stage,
                day,
                {
                    "kind": kind,
                    "file": f"{kind}.xlsx",
                    "sha256": "0" * 64,
                    "rows": len(rows),
                    "replaced": 0,
                    "columns": list(COLUMNS[kind]),
                    "table": RowTable(COLUMNS[kind], text="[" + ",".join(rows) + "]", count=len(rows)),
                },
            )
            batch.rosters.append((tid, kind, len(rows), at))
        if stage == "upper_review" and returned:
            chain.add("return", STAGES[0], day, {"reason": "退回修改"}, "退回修改")
            chain.add("advance", STAGES[1], day, {"checks": [], "waived": []})
            chain.add("advance", STAGES[2], day, {"checks": [], "waived": []})
        waived: list[str] = []
        if stage == "delegate_nomination" and rng.random() < 0.02:
            at = chain.add("waive", stage, day, {"check": "delegate_seats", "reason": "区委批准"}, "区委批准")
            batch.waivers.append(
                {
                    "township_id": tid,
                    "check_id": "delegate_seats",
                    "reason": "区委批准",
                    "actor": ADMIN,
                    "event_id": at,
                }
            )
            waived = ["delegate_seats"]
        day += dt.timedelta(days=span[i])
        chain.add("advance", STAGES[i + 1], day, {"checks": [], "waived": waived})
    if k < 8 and rng.random() < 0.01:
        ids.violation += 1
        chain.add("violation_open", chain.stage, day, {"violation": ids.violation}, "群众反映待核实")
        batch.violations.append(
            {
                "id": ids.violation,
                "township_id": tid,
                "status": "open",
                "opened_note": "群众反映待核实",
                "opened_by": ADMIN,
                "opened_on": day,
                "resolved_note": "",
                "resolved_by": "",
            }
        )
    batch.townships[-1].update(
        stage=chain.stage,
        stage_since=day,
        version=chain.seq,
        head_hash=chain.prev,
        updated_by=ADMIN,
        updated_at=RECORDED_AT,
    )


def districts(n: int, rng: random.Random) -> Iterator[tuple[int, int]]:
    """(district number, townships in it) adding up to n."""
    did = 0
    left = n
    while left > 0:
        did += 1
        size = min(left, rng.randint(8, 20))
        left -= size
        yield did, size


def generate(url: str | None, townships: int, seed: int = 7, quiet: bool = False) -> dict[str, float]:
    started = time.perf_counter()
    rng = random.Random(seed)
    engine = open_engine(url)
    admin = Service(engine, ADMIN)
    admin.init(password_hash=hash_secret(ADMIN_PASSWORD))
    with engine.begin() as conn:
        if conn.execute(text("SELECT count(*) FROM township")).scalar():
            raise SystemExit("the database already holds townships: generate into an empty one")
    admin.add_user("bench-auditor", "auditor")
    with engine.begin() as conn:
        top = conn.execute(text("SELECT max(id) FROM event")).scalar() or 0
        head = conn.execute(
            text("SELECT seq, hash FROM event WHERE chain = 'system' ORDER BY seq DESC LIMIT 1")
        ).one()
    ids = Ids(int(top), 0)
    tid = 0
    counts = {"townships": 0, "events": 0, "roster_rows": 0}
    batch = Batch()

    mark = "?" if engine.dialect.paramstyle == "qmark" else "%s"

    postgres = engine.dialect.name == "postgresql"

    def bulk(conn: Any, table: str, cols: list[str], rows: list[tuple[Any, ...]]) -> None:
        """Many rows at once: COPY on PostgreSQL (executemany there is a round trip a
        row), one prepared INSERT on SQLite."""
        if postgres:
            cur = conn.connection.dbapi_connection.cursor()
            with cur, cur.copy(f"COPY {table} ({', '.join(cols)}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
            return
        conn.exec_driver_sql(
            f"INSERT INTO {table} ({', '.join(cols)}) VALUES ({', '.join([mark] * len(cols))})", rows
        )

    def flush() -> None:
        nonlocal batch
        with engine.begin() as conn:
            conn.execute(insert(Township), batch.townships)
            cols = list(batch.events[0])
            bulk(conn, "event", cols, [tuple(e[c] for c in cols) for e in batch.events])
            if batch.facts:
                conn.execute(insert(Fact), _dedupe_facts(batch.facts))
            if batch.rosters:
                bulk(conn, "roster", ["township_id", "kind", "rows", "event_id"], batch.rosters)
            if batch.waivers:
                conn.execute(insert(Waiver), batch.waivers)
            if batch.violations:
                conn.execute(insert(Violation), batch.violations)
        counts["events"] += len(batch.events)
        counts["roster_rows"] += sum(r[2] for r in batch.rosters)
        batch = Batch()

    # The system chain: each district and township added, as the service records them.
    system = Chain(batch, ids, None, None, int(head[0]), str(head[1]))
    with engine.begin() as conn:
        for did, _size in districts(townships, rng):
            conn.execute(insert(District), [{"id": did, "name": f"第{did:04d}区"}])
            system.add(
                "district_add",
                None,
                TODAY,
                {"district": f"第{did:04d}区", "district_id": did, "definition": None},
            )
    for did, size in districts(townships, random.Random(seed)):
        for j in range(size):
            tid += 1
            town = {
                "id": tid,
                "name": f"{WORDS[j % len(WORDS)]}{tid}镇",
                "district_id": did,
                "stage": STAGES[0],
            }
            system.add(
                "township_add",
                None,
                TODAY,
                {
                    "township_id": tid,
                    "name": town["name"],
                    "district": f"第{did:04d}区",
                    "district_id": did,
                    "stage": STAGES[0],
                },
            )
            batch.townships.append(town)
            township_history(batch, ids, tid, rng)
        if len(batch.townships) >= 2000:
            flush()
            system.batch = batch  # the system chain goes on in the next batch
            if not quiet:
                print(f"  {tid} townships", file=sys.stderr)
    if batch.townships:
        flush()
    counts["townships"] = tid
    # every township's next gate stored, as each change (and `db upgrade`) leaves it
    admin.today = lambda: TODAY
    admin.store_gate_states()
    if engine.dialect.name == "postgresql":
        # Statistics for the planner now, as after any bulk load: until autovacuum
        # gathers them it takes the event table for small and scans it whole.
        with engine.connect() as conn:
            conn.execution_options(isolation_level="AUTOCOMMIT").exec_driver_sql("ANALYZE")
        with engine.begin() as conn:
            for table in ("township", "district"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
                    )
                )
            for table in ("event", "violation"):
                conn.execute(
                    text(
                        f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                        f"(SELECT COALESCE(max(id), 1) FROM {table}))"
                    )
                )
    engine.dispose()
    return {**counts, "seconds": round(time.perf_counter() - started, 1)}


def _dedupe_facts(facts: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A returned township records some facts twice: keep the latest."""
    latest: dict[tuple[int, str], dict[str, Any]] = {}
    for f in facts:
        latest[(f["township_id"], f["name"])] = f
    return list(latest.values())


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    p.add_argument("--townships", type=int, required=True)
    p.add_argument("--db", default=None, help="SQLAlchemy URL or SQLite path (default: WORKFLOW_DB)")
    p.add_argument("--seed", type=int, default=7)
    a = p.parse_args()
    print(json.dumps(generate(a.db, a.townships, a.seed), ensure_ascii=False))


def many_stages(n: int) -> str:
    """A valid definition of ``n`` working stages and a final one."""
    parts = ['[process]\nid = "long"\nzh = "长"\nen = "Long"\ninitial = "s0"\nfinal = "done"\n']
    for i in range(n):
        parts.append(f'[[stages]]\nid = "s{i}"\nzh = "阶段{i}"\nen = "Stage {i}"\ndeadline_days = 5\n')
    parts.append('[[stages]]\nid = "done"\nzh = "完成"\nen = "Done"\n')
    for i in range(n):
        dest = f"s{i + 1}" if i + 1 < n else "done"
        parts.append(f'[[transitions]]\nkind = "advance"\nsource = "s{i}"\ndest = "{dest}"\n')
    return "".join(parts)


if __name__ == "__main__":
    main()
