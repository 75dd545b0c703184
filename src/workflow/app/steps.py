"""Stage changes: advance (one or many), return and revert."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence

from workflow.app import record_evidence as evidence
from workflow.app.actors import Actor
from workflow.app.base import (
    BulkInterrupted,
    BulkOutcome,
    ServiceBase,
    StepResult,
    _require_reason,
)
from workflow.app.dates import check_step_date
from workflow.app.reads import Bulk, gate_rosters
from workflow.domain import record_rules as rules
from workflow.domain.definition import Definition
from workflow.domain.engine import Plan, engine_for
from workflow.domain.gates import CheckResult
from workflow.errors import BadInput, Blocked, Conflict, NotPermitted, Unavailable
from workflow.i18n import Text, tr
from workflow.store import sql as hot
from workflow.store.db import read_session
from workflow.store.sql import Town, TownRow

DRY_RUN_TOWNS = (
    f"SELECT {', '.join('t.' + c.strip() for c in hot.TOWN_COLUMNS.split(','))}, "
    f"EXISTS ({hot.FRESH.format(today=':today')} AND {hot.READY}) FROM township t WHERE {{tid}}"
)
"""Some townships (``{tid}``: ``t.id`` is one of them), each with whether its stored
gate state holds and says ready (no check failing: see ``workflow.store.tables.GateState``)."""


class Steps(ServiceBase):
    """Stage changes: advance (one or many), return and revert."""

    __slots__ = ()

    def advance(
        self,
        ref: str,
        to: str | None = None,
        on: dt.date | str | None = None,
        note: str = "",
        expected_version: int | None = None,
    ) -> StepResult:
        """Step the township to its next stage if the gate holds."""
        self.ensure_schema()
        effective = self._effective(on)
        with self._step() as db:
            town, d, expected = self._load_for_change(db, ref, "change", expected_version)
            engine = engine_for(d)
            plan = engine.plan(town.stage, "advance", to)
            check_step_date(db, town, effective)
            records = self._records(db, town, d)  # read once: the gate, the dates, the next gate
            checks = self.checks_for(db, town, d, records)
            failing = [c for c in checks if not c.ok]
            if failing:
                raise Blocked(self._blocked_text(town, d, plan, failing), checks)
            dated = evidence.advance_evidence(self, db, town, d, records.facts)
            if impossible := rules.advance_problems(effective, dated):
                raise BadInput(rules.refusal(impossible))
            new_stage = engine.perform(plan, gate_ok=True)
            payload = {
                "checks": [c.id for c in checks if c.passed],
                "waived": [c.id for c in checks if c.waived],
            }
            ev = self._append(
                db, town, "advance", new_stage, effective, note.strip(), payload, expected, records
            )
            return StepResult(town.name, "advance", plan.source, new_stage, ev)

    def bulk_advance(
        self,
        district: str,
        stage: str,
        on: dt.date | str | None = None,
        note: str = "",
        dry_run: bool = False,
    ) -> list[BulkOutcome]:
        """Advance every township of ``district`` at ``stage`` whose gate holds, each in
        its own transaction with its own event; report the others with the reasons."""
        self.ensure_schema()
        self._effective(on)  # refuse a bad date before anything else
        with hot.read(self.engine) as db:  # plain SQL: a dry run need not load the ORM
            self.reader(db)
            did = self.district_id(db, district)
            rules = self.definition_for_district(db, did)
            if not rules.has_stage(stage):
                raise BadInput(
                    tr(
                        "未知阶段「{s}」。阶段顺序：{o}",
                        "unknown stage '{s}'. Stage order: {o}",
                        s=stage,
                        o=rules.order_text().en,
                    )
                )
            towns = [
                (int(i), str(n), int(v))
                for i, n, v in db.all(
                    "SELECT id, name, version FROM township WHERE district_id = :d AND stage = :s ORDER BY id",
                    {"d": did, "s": stage},
                )
            ]
        return self.advance_many(
            [(i, v) for i, _n, v in towns],
            on,
            note,
            dry_run,
            names={i: n for i, n, _v in towns},
        )

    def advance_many(
        self,
        townships: Sequence[tuple[int, int | None]],
        on: dt.date | str | None = None,
        note: str = "",
        dry_run: bool = False,
        names: Mapping[int, str] | None = None,
    ) -> list[BulkOutcome]:
        """Advance each (township id, version seen) whose gate holds, each in its own
        transaction with its own event; the others come back with their reasons. With
        ``dry_run`` nothing is written: the ready ones are only reported. When the
        database becomes unavailable part way, :class:`BulkInterrupted` carries what
        happened to each township up to then (the rest were not tried)."""
        self.ensure_schema()
        self._effective(on)
        with hot.read(self.engine) as db:
            actor = self.actor(db)
        if dry_run:
            return self._dry_run(actor, townships, names)
        outcomes: list[BulkOutcome] = []
        for tid, version in townships:
            name = str(tid)
            try:
                r = self.advance(str(tid), on=on, note=note, expected_version=version)
                outcomes.append(BulkOutcome(r.township, "advanced", None, []))
            except Blocked as e:
                outcomes.append(
                    BulkOutcome(
                        self._name_of(tid, name), "blocked", e.text, [c for c in e.checks if not c.ok]
                    )
                )
            except (NotPermitted, Conflict, BadInput) as e:
                kind = {NotPermitted: "not_permitted", Conflict: "conflict"}.get(type(e), "bad_input")
                outcomes.append(BulkOutcome(self._name_of(tid, name), kind, e.text, []))
            except Unavailable as e:
                known = names or {}
                outcomes.append(BulkOutcome(known.get(tid, name), "unavailable", e.text, []))
                at = len(outcomes)
                outcomes += [
                    BulkOutcome(known.get(t, str(t)), "not_tried", None, []) for t, _ in townships[at:]
                ]
                raise BulkInterrupted(e.text, e.kind, outcomes) from e
        return outcomes

    def _dry_run(
        self,
        actor: Actor,
        townships: Sequence[tuple[int, int | None]],
        names: Mapping[int, str] | None,
    ) -> list[BulkOutcome]:
        """What a bulk advance would do, written nowhere: every township read in one
        read transaction (one snapshot), each reported ready or with what blocks it.
        A few queries per :data:`hot.IN_CHUNK` townships, whatever their number: see
        :meth:`_dry_run_chunk`."""
        outcomes: list[BulkOutcome | None] = [None] * len(townships)
        try:
            with hot.read(self.engine) as db:
                for at in range(0, len(townships), hot.IN_CHUNK):
                    self._dry_run_chunk(db, actor, townships, at, names or {}, outcomes)
        except Unavailable as e:
            known = names or {}
            done = next((n for n, o in enumerate(outcomes) if o is None), len(outcomes))
            told = [o for o in outcomes[:done] if o is not None]
            rest = [BulkOutcome(known.get(t, str(t)), "not_tried", None, []) for t, _ in townships[done:]]
            raise BulkInterrupted(e.text, e.kind, told + rest) from e
        return [o for o in outcomes if o is not None]

    def _dry_run_chunk(
        self,
        db: hot.Raw,
        actor: Actor,
        townships: Sequence[tuple[int, int | None]],
        at: int,
        names: Mapping[int, str],
        outcomes: list[BulkOutcome | None],
    ) -> None:
        """The dry run's outcomes of ``townships[at : at + IN_CHUNK]``, put in ``outcomes``:
        their rows in one query, each with whether its stored gate state holds with
        every check passing (``DRY_RUN_TOWNS``: then it is ready, as evaluating its checks
        would find); the records and rosters of the others in one query each, and their
        checks evaluated from those, as :meth:`checks_for` would one by one."""
        chunk = townships[at : at + hot.IN_CHUNK]
        params = {"ids": db.values(sorted({tid for tid, _ in chunk})), "today": db.date(self.today())}
        rows = {int(r[0]): r for r in db.all(DRY_RUN_TOWNS.format(tid=db.one_of("t.id", "ids")), params)}
        pending: list[tuple[int, TownRow, Definition, Plan]] = []
        for n, (tid, version) in enumerate(chunk, at):
            row = rows.get(tid)
            if row is None:
                missing = tr("未找到乡镇「{t}」", "no township named '{t}'", t=tid)
                outcomes[n] = BulkOutcome(names.get(tid, str(tid)), "bad_input", missing, [])
                continue
            town = self._witnessed(db, db.town(row))
            try:
                self._require(actor, "change", town)
                if version is not None and version != town.version:
                    raise self._conflict(town, version)
            except (NotPermitted, Conflict) as e:
                kind = "not_permitted" if isinstance(e, NotPermitted) else "conflict"
                outcomes[n] = BulkOutcome(town.name, kind, e.text, [])
                continue
            d = self.definition_for(db, town)
            try:
                plan = engine_for(d).plan(town.stage, "advance", None)
            except (Blocked, BadInput) as e:
                kind = "blocked" if isinstance(e, Blocked) else "bad_input"
                outcomes[n] = BulkOutcome(town.name, kind, e.text, [])
                continue
            if row[-1]:  # the stored state holds: every check passes
                outcomes[n] = BulkOutcome(town.name, "ready", None, [])
            else:
                pending.append((n, town, d, plan))
        if not pending:
            return
        records = self._records_of(db, {town.id: d for _, town, d, _ in pending}, parse=False)
        bulk = Bulk(
            self._stored_rosters(db, {town.id: gate_rosters(d, town.stage) for _, town, d, _ in pending})
        )
        for n, town, d, plan in pending:
            checks = self.checks_for(db, town, d, records[town.id], bulk)
            failing = [c for c in checks if not c.ok]
            if failing:
                text = self._blocked_text(town, d, plan, failing)
                outcomes[n] = BulkOutcome(town.name, "blocked", text, failing)
            else:
                outcomes[n] = BulkOutcome(town.name, "ready", None, [])

    def _name_of(self, tid: int, fallback: str) -> str:
        from workflow.store.tables import Township

        with read_session(self.engine) as session:
            town = session.get(Township, tid)
            return town.name if town is not None else fallback

    def _blocked_text(self, town: Town, d: Definition, plan: Plan, failing: list[CheckResult]) -> Text:
        src, dst, n = d.stage(plan.source), d.stage(plan.dest), len(failing)
        zh = [f"「{town.name}」不能从「{src.zh}」进入「{dst.zh}」：{n}项检查未通过"]
        en = [
            f"'{town.name}' cannot advance from '{src.en}' to '{dst.en}': "
            + (f"{n} check failing" if n == 1 else f"{n} checks failing")
        ]
        for c in failing:
            zh.append(f"  - {c.id}：{c.message.zh}（实际 {c.actual}，要求 {c.required}）")
            en.append(f"  - {c.id}: {c.message.en} (actual {c.actual}, required {c.required})")
        return Text("\n".join(zh), "\n".join(en))

    def return_(
        self,
        ref: str,
        to: str,
        reason: str,
        on: dt.date | str | None = None,
        expected_version: int | None = None,
    ) -> StepResult:
        """A reviewer sends a township back: an allowed return, or a revert."""
        self.ensure_schema()
        reason = _require_reason(reason)
        effective = self._effective(on)
        with self._step() as db:
            town, d, expected = self._load_for_change(db, ref, "review", expected_version)
            engine = engine_for(d)
            plan = engine.plan(town.stage, "return", to)
            check_step_date(db, town, effective)
            return_ok = True
            if plan.kind == "return":
                t = next(
                    t
                    for t in d.transitions
                    if t.kind == "return" and t.source == plan.source and t.dest == plan.dest
                )
                if t.when is not None:
                    fact, fld, value = t.when
                    data = self._facts(db, town, d).get(fact) or {}
                    return_ok = str(data.get(fld)) == value
                    if not return_ok:
                        if not d.revert_to_any_earlier:
                            raise Blocked(
                                tr(
                                    "退回需要先记录「{f}」的 {k}={v}",
                                    "a return needs {f}.{k}={v} recorded first",
                                    f=fact,
                                    k=fld,
                                    v=value,
                                )
                            )
                        plan = Plan("revert", "revert", plan.source, plan.dest)
            new_stage = engine.perform(plan, gate_ok=True, return_ok=return_ok)
            ev = self._append(db, town, plan.kind, new_stage, effective, reason, {"reason": reason}, expected)
            return StepResult(town.name, plan.kind, plan.source, new_stage, ev)
