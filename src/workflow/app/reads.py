"""Reading a township: who is asking, which township, its records, its gate checks
and its status. Plain SQL on the driver (no SQLAlchemy, no ORM), so that ``workflow
status`` and the dashboard's gate column start fast; :class:`Service` (the
changes) builds on this."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Callable, Collection, Hashable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass, field
from functools import partial
from typing import TYPE_CHECKING, Any

from workflow.app.actors import Actor, actor_of, unknown_user
from workflow.app.rules import Scope, hidden_note, read_scope
from workflow.domain.definition import Definition, default_definition
from workflow.domain.gates import GATES, CheckResult, Dep, GateContext, SharedChecks, Watched, evaluate, waive
from workflow.domain.rosters import StoredRoster
from workflow.domain.text import shorten
from workflow.errors import BadInput, NotPermitted
from workflow.i18n import Text, tr
from workflow.ledger.witness import Witness
from workflow.store import sql as hot
from workflow.store.db import check_schema
from workflow.store.sql import Db, Town, TownRow

if TYPE_CHECKING:
    from workflow.store.connect import Database

VIOLATION_CHECK = "no_open_violation"


def utc_now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="microseconds").replace("+00:00", "Z")


@dataclass(frozen=True, slots=True)
class OpenViolation:
    """An open violation report as a township's status shows it."""

    id: int
    opened_note: str
    opened_by: str
    opened_on: dt.date


@dataclass(frozen=True, slots=True)
class WaiverView:
    """A waived check as a township's status shows it."""

    check_id: str
    reason: str
    actor: str


@dataclass(frozen=True, slots=True)
class StatusView:
    """What a front end shows of one township."""

    township_id: int
    township: str
    district: str
    stage: str
    next_stage: str | None
    version: int
    stage_since: dt.date | None
    checks: list[CheckResult]
    facts: dict[str, dict[str, Any]]
    open_violations: list[OpenViolation]
    waivers: list[WaiverView]
    roster_counts: dict[str, int]
    definition: Definition
    """The definition the township's district runs on (stage names, deadlines)."""

    @property
    def ready(self) -> bool:
        return self.next_stage is not None and all(c.ok for c in self.checks)

    @property
    def failing(self) -> list[CheckResult]:
        return [c for c in self.checks if not c.ok]


@dataclass(frozen=True, slots=True)
class GateSummary:
    """A township's next gate: final (no next stage), how many checks fail and how
    many are waived, and the first day the result may change by the calendar alone."""

    final: bool
    failing: int
    waived: int
    valid_until: dt.date | None

    @property
    def ready(self) -> bool:
        return not self.final and self.failing == 0


@dataclass(slots=True)
class Records:
    """What a township's gates read besides rosters."""

    facts: dict[str, dict[str, Any]]
    waivers: dict[str, str]
    open_violations: list[tuple[int, str]]
    documents: dict[str, int] = field(default_factory=dict)
    """Documents attached, by fact."""
    fact_texts: dict[str, str] = field(default_factory=dict)
    """The facts as stored (JSON text)."""


@dataclass(slots=True)
class Reads:
    """Reads of townships for one acting user (the service adds the changes)."""

    engine: Database
    actor_name: str
    definition: Definition = field(default_factory=default_definition)
    today: Callable[[], dt.date] = dt.date.today
    clock: Callable[[], str] = utc_now
    _district_defs: dict[int, Definition] = field(default_factory=dict)
    _schema_ok: bool = False
    witness: Witness | None = None
    """This machine's memory of the chains (CLI and TUI); None for no check."""
    _scope: Scope | None = None

    def scope(self, db: Db) -> Scope:
        """What the acting user may read (see :mod:`workflow.app.rules`), read once."""
        if self._scope is None or self._scope.name != self.actor_name:
            self._scope = read_scope(db, self.actor_name)
        return self._scope

    def ensure_schema(self) -> None:
        if not self._schema_ok:  # checked once per service: the schema does not change under us
            check_schema(self.engine)
            self._schema_ok = True

    def _unknown_user(self) -> NotPermitted:
        return unknown_user(self.actor_name)

    def reader(self, db: Db) -> str:
        """The acting user's role; refuses an unknown user. Every role may read."""
        return actor_of(db, self.actor_name).role

    def actor(self, db: Db) -> Actor:
        """The acting user with the townships assigned to them."""
        return actor_of(db, self.actor_name)

    def definition_for(self, db: Db, township: Town) -> Definition:
        """The definition a township's district runs on."""
        return self.definition_for_district(db, township.district_id)

    def definition_for_district(self, db: Db, tid: int) -> Definition:
        """The definition recorded for a district (cached per district; by its SHA-256
        across services), or the shipped one for a district with none recorded."""
        if tid not in self._district_defs:
            from workflow.app.definitions import definition_of_district

            self._district_defs[tid] = definition_of_district(db, tid) or default_definition()
        return self._district_defs[tid]

    def definition_of(self, town: Town) -> Definition:
        """The definition a township's district runs on, read on a connection of its own."""
        if town.district_id in self._district_defs:
            return self._district_defs[town.district_id]
        with hot.read(self.engine) as db:
            return self.definition_for(db, town)

    def _fresh(self) -> AbstractContextManager[hot.Raw]:
        """A new read transaction (the witness reads again before it objects)."""
        return hot.read(self.engine)

    def find_township(self, db: Db, ref: str) -> TownRow:
        """A township by id, by name, or by 'district/name' (compared normalised)."""
        ref = unicodedata.normalize("NFKC", ref).strip()
        raw = hot.raw(db)
        if ref.isdigit():
            row = raw.one(hot.TOWN_BY_ID, {"id": int(ref)})
            if row is not None:
                return self._witnessed(db, raw.town(row))
        if "/" in ref:
            dname, tname = ref.split("/", 1)
            rows = raw.all(hot.TOWN_BY_DISTRICT_AND_NAME, {"district": dname, "name": tname})
        else:
            rows = raw.all(hot.TOWN_BY_NAME, {"name": ref})
        found = [raw.town(r) for r in rows]
        if not found:
            if self.witness is not None:
                self.witness.refuse_missing(db, ref, self._fresh)
            raise BadInput(tr("未找到乡镇「{t}」", "no township named '{t}'", t=shorten(ref)))
        if len(found) > 1:
            districts = {
                int(i): str(n) for i, n in raw.all("SELECT id, name FROM district", {}) if i is not None
            }
            names = ", ".join(f"{districts.get(t.district_id, '?')}/{t.name}" for t in found)
            raise BadInput(
                tr(
                    "乡镇名「{t}」不唯一，请写成 区/乡镇：{n}",
                    "township name '{t}' is ambiguous; write district/township: {n}",
                    t=ref,
                    n=names,
                )
            )
        return self._witnessed(db, found[0])

    def _witnessed(self, db: Db, town: TownRow) -> TownRow:
        """``town`` as read, checked against (and remembered by) this machine's witness."""
        if self.witness is not None:
            self.witness.see(db, str(town.id), town.version, town.head_hash, town.name, self._fresh)
        return town

    def status(self, ref: str) -> StatusView:
        self.ensure_schema()
        with hot.read(self.engine) as db:
            town = self.find_township(db, ref)
            self.scope(db).require(town.district_id, town.name)
            return self._status(db, town)

    def _records(self, db: Db, town: Town, d: Definition, redact: bool = True) -> Records:
        """A township's facts, waivers and open violations in one round trip (the
        violations' notes hidden from those who may not read them, unless ``redact``
        is false: the counts alone are used)."""
        assert town.id is not None
        return self._records_of(db, {town.id: d}, redact)[town.id]

    def _records_of(
        self, db: Db, defs: Mapping[int, Definition], redact: bool = True, parse: bool = True
    ) -> dict[int, Records]:
        """:meth:`_records` of each township id in ``defs`` (with the definition its
        district runs on), one round trip per :data:`hot.IN_CHUNK` townships; with
        ``parse`` false, the facts are left as stored (``fact_texts``) and not parsed."""
        out = {tid: Records({}, {}, []) for tid in defs}
        raw = hot.raw(db)
        ids = list(defs)
        sql = hot.RECORDS.format(tid=raw.one_of("township_id", "ids"))
        for at in range(0, len(ids), hot.IN_CHUNK):
            for tid, kind, key, value in raw.all(sql, {"ids": raw.values(ids[at : at + hot.IN_CHUNK])}):
                rec = out[int(tid)]
                if kind == "f":
                    rec.fact_texts[key] = value
                    if parse:
                        rec.facts[key] = load_fact(defs[int(tid)], key, value)
                elif kind == "w":
                    rec.waivers[key] = value
                elif kind == "d":
                    rec.documents[key] = int(value)
                else:
                    rec.open_violations.append((int(key), value))
        for rec in out.values():
            if rec.open_violations:
                rec.open_violations.sort()
                if redact and not self.scope(db).notes:  # a coordinator sees only that one is open
                    rec.open_violations = [(i, "") for i, _ in rec.open_violations]
        return out

    def _facts(self, db: Db, town: Town, d: Definition) -> dict[str, dict[str, Any]]:
        return self._records(db, town, d).facts

    def _rosters(self, db: Db, town: Town, kinds: Iterable[str]) -> dict[str, list[dict[str, Any]]]:
        assert town.id is not None
        stored = self._stored_rosters(db, {town.id: set(kinds)})[town.id]
        return {kind: roster.rows() for kind, roster in stored.items()}

    def _stored_rosters(
        self, db: Db, kinds: Mapping[int, Collection[str]]
    ) -> dict[int, dict[str, StoredRoster]]:
        """The roster ``kinds`` of each township id as stored (their rows are read
        from them when wanted, each in the order imported); one round trip per
        :data:`hot.IN_CHUNK` townships (none when no township wants any)."""
        out: dict[int, dict[str, StoredRoster]] = {
            tid: {k: StoredRoster(k, "", None) for k in sorted(set(ks))} for tid, ks in kinds.items()
        }
        wanted = sorted({k for ks in kinds.values() for k in ks})
        ids = [tid for tid, ks in kinds.items() if ks]
        raw = hot.raw(db)
        sql = hot.ROSTERS.format(tid=raw.one_of("r.township_id", "ids"), kind=raw.one_of("r.kind", "kinds"))
        for at in range(0, len(ids) if wanted else 0, hot.IN_CHUNK):
            params = {"ids": raw.values(ids[at : at + hot.IN_CHUNK]), "kinds": raw.values(wanted)}
            for tid, kind, lines, payload in raw.all(sql, params):
                if kind in out[int(tid)]:  # not a kind another township's gate reads
                    out[int(tid)][kind] = StoredRoster(str(kind), lines, payload)
        return out

    def gate_context(
        self,
        db: Db,
        town: Town,
        d: Definition,
        stage: str,
        records: Records | None = None,
        rosters: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
        facts: Mapping[str, Mapping[str, Any]] | None = None,
        documents: Mapping[str, int] | None = None,
    ) -> GateContext:
        """What the checks of ``stage`` read of a township (``records``, ``rosters``,
        ``facts`` and ``documents`` when already read; else read now)."""
        records = records or self._records(db, town, d)
        if rosters is None:
            rosters = self._rosters(db, town, gate_rosters(d, stage))
        return GateContext(
            township=town.name,
            facts=records.facts if facts is None else facts,
            rosters=rosters,
            today=self.today(),
            calendar=d.calendar,
            fact_labels=d.fact_labels(),
            field_labels=d.field_labels(),
            documents=records.documents if documents is None else documents,
            document_labels=d.document_labels(),
        )

    def checks_for(
        self,
        db: Db,
        town: Town,
        d: Definition,
        records: Records | None = None,
        bulk: Bulk | None = None,
    ) -> list[CheckResult]:
        """Every check of the current stage's exit gate (waivers applied), and the
        open-violation check that guards every forward step (from ``records`` when
        already read; see :class:`Bulk` for ``bulk``)."""
        return self._checks(db, town, d, records, bulk)[0]

    def _checks(
        self,
        db: Db,
        town: Town,
        d: Definition,
        records: Records | None = None,
        bulk: Bulk | None = None,
    ) -> tuple[list[CheckResult], dt.date | None]:
        """:meth:`checks_for`, and the first day on which their results may change by
        the calendar alone (None: only a new record changes them)."""
        stage = d.stage(town.stage)
        records = records or self._records(db, town, d)
        results: list[CheckResult] = []
        until: dt.date | None = None
        if stage.checks:
            if bulk is None:
                ctx = self.gate_context(db, town, d, town.stage, records)
                evaluated = [evaluate(c.id, c.gate, c.params, ctx, c.evidence) for c in stage.checks]
                until = ctx.valid_until
            else:
                evaluated, until = self._shared_checks(db, town, d, records, bulk)
            for c, r in zip(stage.checks, evaluated, strict=True):
                reason = records.waivers.get(c.id)
                results.append(waive(r, reason) if reason is not None else r)
        if d.next_stage(town.stage) is not None:
            results.append(violation_check(records.open_violations))
        return results, until

    def _shared_checks(
        self, db: Db, town: Town, d: Definition, records: Records, bulk: Bulk
    ) -> tuple[list[CheckResult], dt.date | None]:
        """The stage's checks (unwaived) from the records and rosters as stored, shared
        with an earlier township of the bulk read whose gates read the same."""
        assert town.id is not None
        prints: dict[str, Mapping[str, Hashable]] = {
            "facts": records.fact_texts,
            "rosters": dict(bulk.rosters[town.id]),
            "documents": records.documents,
        }

        def context(log: list[Dep]) -> GateContext:
            return self.gate_context(
                db,
                town,
                d,
                town.stage,
                records,
                rosters=Watched("rosters", prints["rosters"], load_roster, log),
                facts=Watched("facts", prints["facts"], partial(load_fact, d), log),
                documents=Watched("documents", prints["documents"], _same, log),
            )

        scope = (id(d), town.stage, self.today())
        return bulk.shared.evaluate(scope, d.stage(town.stage).checks, prints, context)

    def gate_summary(
        self,
        db: Db,
        town: Town,
        d: Definition | None = None,
        records: Records | None = None,
        bulk: Bulk | None = None,
    ) -> GateSummary:
        """The state of the township's next gate, as the lists show and filter it
        (from ``records`` when already read: only their counts matter here; see
        :class:`Bulk` for ``bulk``)."""
        d = d or self.definition_for(db, town)
        if d.next_stage(town.stage) is None:
            return GateSummary(final=True, failing=0, waived=0, valid_until=None)
        checks, until = self._checks(db, town, d, records or self._records(db, town, d, redact=False), bulk)
        return GateSummary(
            final=False,
            failing=sum(1 for c in checks if not c.ok),
            waived=sum(1 for c in checks if c.waived and not c.passed),
            valid_until=until,
        )

    def _status(self, db: Db, town: Town) -> StatusView:
        raw = hot.raw(db)
        d = self.definition_for(db, town)
        records = self._records(db, town, d)
        district = raw.one("SELECT name FROM district WHERE id = :id", {"id": town.district_id})
        counts = raw.all("SELECT kind, rows FROM roster WHERE township_id = :tid", {"tid": town.id})
        violations = raw.all(
            "SELECT id, opened_note, opened_by, opened_on FROM violation "
            "WHERE township_id = :tid AND status = 'open' ORDER BY id",
            {"tid": town.id},
        )
        waivers = raw.all(
            "SELECT check_id, reason, actor FROM waiver WHERE township_id = :tid ORDER BY id",
            {"tid": town.id},
        )
        assert town.id is not None
        return StatusView(
            township_id=town.id,
            township=town.name,
            district=str(district[0]) if district else "",
            stage=town.stage,
            next_stage=d.next_stage(town.stage),
            version=town.version,
            stage_since=town.stage_since,
            checks=self.checks_for(db, town, d, records),
            facts=records.facts,
            open_violations=[
                OpenViolation(int(i), hidden_note(n, self.scope(db).role), b, hot.date_of(o))
                for i, n, b, o in violations
            ],
            waivers=[WaiverView(c, r, a) for c, r, a in waivers],
            roster_counts={str(k): int(v) for k, v in counts},
            definition=d,
        )


@dataclass(slots=True)
class Bulk:
    """The gates of many townships evaluated at once (a bulk dry run, ``audit verify``'s
    check of the stored gate states): their rosters
    read in bulk, as stored (:meth:`Reads._stored_rosters`), and the results shared
    between those whose gates read the same (:class:`SharedChecks`)."""

    rosters: Mapping[int, Mapping[str, StoredRoster]]
    shared: SharedChecks = field(default_factory=SharedChecks)


def load_fact(d: Definition, name: str, text: str) -> dict[str, Any]:
    """A fact's data as stored, parsed (its dates as dates) by the definition's fields."""
    spec = d.facts.get(name)
    data: dict[str, Any] = json.loads(text)
    return {f.name: f.load(data.get(f.name)) for f in spec.fields} if spec else data


def load_roster(_kind: str, stored: StoredRoster) -> list[dict[str, Any]]:
    """A stored roster's rows, parsed."""
    return stored.rows()


def _same(_key: str, value: Any) -> Any:
    return value


def gate_rosters(d: Definition, stage: str) -> set[str]:
    """The roster kinds the checks of ``stage`` read."""
    return {k for c in d.stage(stage).checks for k in GATES[c.gate].rosters}


NO_OPEN_VIOLATION = CheckResult(
    VIOLATION_CHECK, True, "0", "0", tr("无未处理的违纪举报", "no open violation report")
)
"""The open-violation check of a township with none (one result: it never differs)."""


def violation_check(open_: Sequence[tuple[int, str]]) -> CheckResult:
    """The check that any open violation report blocks every forward step."""
    if not open_:
        return NO_OPEN_VIOLATION
    ids = ", ".join(f"#{i} {note[:40]}".rstrip() for i, note in open_)
    return CheckResult(
        VIOLATION_CHECK,
        False,
        str(len(open_)),
        "0",
        Text(f"有{len(open_)}件未处理的违纪举报：{ids}", f"{len(open_)} open violation report(s): {ids}"),
    )
