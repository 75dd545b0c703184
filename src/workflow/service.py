"""The application service: every front end (CLI, TUI) calls these commands, which
check permissions, run the gates, and write state and audit event in one transaction."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func
from sqlalchemy.exc import DBAPIError, IntegrityError
from sqlmodel import Session, col, delete, select

from workflow import audit
from workflow import hotpath as hot
from workflow import record_evidence as evidence
from workflow import record_rules as rules
from workflow.access import ROLE_LABELS, Actor, db_error
from workflow.definition import Definition
from workflow.definition import load as load_definition
from workflow.engine import Plan, engine_for
from workflow.errors import BadInput, Blocked, Conflict, NotPermitted, WorkflowError
from workflow.fields import FieldError, parse_date
from workflow.gates import CheckResult
from workflow.hotpath import Db, EventRecord, Town, TownRow
from workflow.i18n import Text, tr
from workflow.models import (
    ROLES,
    SYSTEM_CHAIN,
    District,
    Event,
    Fact,
    RosterRow,
    Township,
    User,
    UserTownship,
    Violation,
    Waiver,
)
from workflow.reads import Reads
from workflow.rosters import ParsedRoster, read_roster, roster_kind
from workflow.store import create_schema, read_session, write_session

Action = Literal["read", "change", "review", "resolve", "admin"]


@dataclass(frozen=True, slots=True)
class StepResult:
    township: str
    kind: str
    from_stage: str
    to_stage: str
    event: EventRecord


@dataclass(frozen=True, slots=True)
class BulkOutcome:
    """What a bulk step did with one township: advanced, ready (dry run), blocked,
    not_permitted, conflict or bad_input, and why."""

    township: str
    outcome: str
    reason: Text | None
    failing: list[CheckResult]


@dataclass(slots=True)
class Service(Reads):
    """The one entry point for changes and reads (the reads are :class:`Reads`)."""

    # ------------------------------------------------------------ plumbing

    @staticmethod
    def _db_errors(e: Exception) -> WorkflowError:
        if isinstance(e, IntegrityError):
            return Conflict(
                tr(
                    "他人同时做了修改，请重试：{e}",
                    "someone else changed it at the same moment; try again: {e}",
                    e=str(e.orig).splitlines()[0],
                )
            )
        return db_error(e)

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A write transaction whose database errors become the project's errors."""
        try:
            with write_session(self.engine) as session:
                yield session
        except DBAPIError as e:
            raise self._db_errors(e) from e

    @contextmanager
    def _step(self) -> Iterator[hot.Raw]:
        """The write transaction of a stage change, on a connection of its own (no
        session: a step is a few plain statements)."""
        try:
            with hot.write(self.engine) as db:
                yield db
        except DBAPIError as e:
            raise self._db_errors(e) from e

    def _require(self, actor: Actor, action: Action, township: Town | None = None) -> None:
        role = actor.role
        allowed = {
            "read": True,
            "change": role in ("admin", "reviewer")
            or (role == "coordinator" and township is not None and township.id in actor.townships),
            "review": role in ("admin", "reviewer"),
            "resolve": role in ("admin", "reviewer"),
            "admin": role == "admin",
        }[action]
        if allowed:
            return
        what = {
            "change": Text("修改该乡镇", "change this township"),
            "review": Text(
                "退回、回退或豁免（仅审核人和管理员）", "return, revert or waive (reviewers and admins only)"
            ),
            "resolve": Text(
                "处理违纪举报（仅审核人和管理员）", "resolve a violation report (reviewers and admins only)"
            ),
            "admin": Text(
                "管理用户、区和乡镇（仅管理员）", "manage users, districts and townships (admins only)"
            ),
            "read": Text("", ""),
        }[action]
        town = f"「{township.name}」" if township else ""
        raise NotPermitted(
            Text(
                f"{actor.name}（{ROLE_LABELS[role].zh}）无权{what.zh}{town}",
                f"{actor.name} ({role}) may not {what.en}" + (f" '{township.name}'" if township else ""),
            )
        )

    def find_district(self, session: Session, name: str) -> District:
        district = session.exec(select(District).where(District.name == name.strip())).first()
        if district is None:
            raise BadInput(tr("未找到区「{d}」", "no district named '{d}'", d=name))
        return district

    def _effective(self, on: dt.date | str | None) -> dt.date:
        today = self.today()
        if on is None:
            return today
        try:
            return parse_date(on, today)
        except FieldError as e:
            raise BadInput(
                Text(f"生效日期「{on}」：{e.reason.zh}", f"effective date '{on}': {e.reason.en}")
            ) from None

    def _append(
        self,
        db: Db,
        town: Town,
        kind: str,
        to_stage: str,
        effective: dt.date,
        note: str,
        payload: Mapping[str, Any],
        expected_version: int,
    ) -> EventRecord:
        """Change the township (version checked in the same statement) and write its
        event, chained to the previous one. Both in the caller's transaction."""
        now = self.clock()
        from_stage = town.stage
        prev = town.head_hash or self._head_from_events(db, town, expected_version)
        fields: dict[str, Any] = {
            "chain": str(town.id),
            "seq": expected_version + 1,
            "township_id": town.id,
            "kind": kind,
            "from_stage": from_stage,
            "to_stage": to_stage,
            "actor": self.actor_name,
            "recorded_at": now,
            "effective_date": effective,
            "note": note,
            "payload": audit.dump_payload(payload),
            "prev_hash": prev,
        }
        fields["hash"] = audit.event_hash(**fields)
        rw = hot.raw(db)
        params: dict[str, Any] = {
            "id": town.id,
            "expected": expected_version,
            "now": now,
            "actor": self.actor_name,
            "head": fields["hash"],
        }
        moved = to_stage != from_stage
        if moved:
            params |= {"stage": to_stage, "since": rw.date(effective)}
        if rw.run(hot.BUMP_AND_MOVE if moved else hot.BUMP, params) != 1:
            db.rollback()
            raise self._conflict(town, expected_version)
        inserted = rw.one(hot.INSERT_EVENT, fields | {"effective_date": rw.date(effective)})
        assert inserted is not None
        town.version = expected_version + 1
        town.head_hash = fields["hash"]
        if moved:
            town.stage = to_stage
            town.stage_since = effective
        return EventRecord(id=int(inserted[0]), **fields)

    @staticmethod
    def _head_from_events(db: Db, town: Town, version: int) -> str:
        """The chain head for a township row that does not carry it (or the genesis)."""
        if version == 0:
            return audit.GENESIS
        row = hot.raw(db).one(
            "SELECT hash FROM event WHERE chain = :chain AND seq = :seq",
            {"chain": str(town.id), "seq": version},
        )
        return str(row[0]) if row else audit.GENESIS

    def _conflict(self, town: Town, expected: int) -> Conflict:
        with read_session(self.engine) as s:
            now = s.get(Township, town.id)
            last = s.exec(
                select(Event).where(Event.chain == str(town.id)).order_by(col(Event.seq).desc()).limit(1)
            ).first()
        who = now.updated_by if now else "?"
        when = now.updated_at if now else "?"
        what = f"{last.kind} {last.from_stage}→{last.to_stage}" if last else "?"
        return Conflict(
            Text(
                f"「{town.name}」已被{who}于{when}修改（{what}，版本{now.version if now else '?'}，"
                f"你看到的是版本{expected}）：未做任何更改，请刷新后重试",
                f"'{town.name}' was changed by {who} at {when} ({what}, version "
                f"{now.version if now else '?'}; you saw version {expected}): nothing was "
                f"changed, refresh and try again",
            )
        )

    def _system_event(self, session: Session, kind: str, note: str, payload: Mapping[str, Any]) -> Event:
        last = session.exec(
            select(Event).where(Event.chain == SYSTEM_CHAIN).order_by(col(Event.seq).desc()).limit(1)
        ).first()
        ev = Event(
            chain=SYSTEM_CHAIN,
            seq=(last.seq + 1) if last else 1,
            township_id=None,
            kind=kind,
            from_stage=None,
            to_stage=None,
            actor=self.actor_name,
            recorded_at=self.clock(),
            effective_date=self.today(),
            note=note,
            payload=audit.dump_payload(payload),
            prev_hash=last.hash if last else audit.GENESIS,
        )
        session.add(audit.seal(ev))
        session.flush()
        return ev

    # ------------------------------------------------------------ set-up

    def init(self) -> bool:
        """Create the schema; the first user becomes admin. False if already done."""
        create_schema(self.engine)
        with self._write() as session:
            if session.exec(select(User).limit(1)).first() is not None:
                return False
            session.add(User(name=self.actor_name, role="admin"))
            self._system_event(session, "init", "", {"admin": self.actor_name})
        return True

    def add_district(self, name: str, definition_path: str | None = None) -> District:
        name = _clean_name(name, Text("区名", "district name"))
        if definition_path:
            load_definition(Path(definition_path))  # validate before storing
            definition_path = str(Path(definition_path).resolve())
        with self._write() as session:
            self._require(self.actor(session), "admin")
            if session.exec(select(District).where(District.name == name)).first():
                raise BadInput(tr("区「{d}」已存在", "district '{d}' already exists", d=name))
            district = District(name=name, definition_path=definition_path)
            session.add(district)
            session.flush()
            self._system_event(session, "district_add", "", {"district": name, "definition": definition_path})
            return district

    def add_township(self, name: str, district_name: str, since: dt.date | str | None = None) -> Township:
        """Add a township at the first stage; ``since`` is the day its work began, if
        known (steps may not be dated before it)."""
        name = _clean_name(name, Text("乡镇名", "township name"))
        began = self._effective(since) if since is not None else None
        if name.isdigit() or "/" in name:
            raise BadInput(
                tr(
                    "乡镇名「{n}」不能是纯数字或含有 /",
                    "township name '{n}' must not be all digits or contain /",
                    n=name,
                )
            )
        with self._write() as session:
            self._require(self.actor(session), "admin")
            district = self.find_district(session, district_name)
            exists = session.exec(
                select(Township).where(Township.name == name, Township.district_id == district.id)
            ).first()
            if exists:
                raise BadInput(
                    tr(
                        "区「{d}」已有乡镇「{n}」",
                        "district '{d}' already has '{n}'",
                        d=district.name,
                        n=name,
                    )
                )
            assert district.id is not None
            definition = self.definition
            if district.definition_path:
                definition = load_definition(Path(district.definition_path))
            town = Township(
                name=name, district_id=district.id, stage=definition.initial, stage_since=began, version=0
            )
            session.add(town)
            session.flush()
            self._append(
                session,
                town,
                "create",
                definition.initial,
                began or self.today(),
                "",
                {"district": district.name, "name": name} | ({"since": began.isoformat()} if began else {}),
                0,
            )
            return town

    def add_user(self, name: str, role: str, townships: Sequence[str] = ()) -> User:
        name = _clean_name(name, Text("用户名", "user name"))
        if role not in ROLES:
            raise BadInput(
                tr(
                    "未知角色「{r}」，应为：{o}",
                    "unknown role '{r}', expected one of: {o}",
                    r=role,
                    o=", ".join(ROLES),
                )
            )
        with self._write() as session:
            self._require(self.actor(session), "admin")
            if session.exec(select(User).where(User.name == name)).first():
                raise BadInput(tr("用户「{u}」已存在", "user '{u}' already exists", u=name))
            towns = [self.find_township(session, t) for t in townships]
            user = User(name=name, role=role)
            session.add(user)
            session.flush()
            assert user.id is not None
            for t in towns:
                assert t.id is not None
                session.add(UserTownship(user_id=user.id, township_id=t.id))
            self._system_event(
                session, "user_add", "", {"user": name, "role": role, "townships": [t.name for t in towns]}
            )
            return user

    def upgrade_schema(self) -> tuple[str | None, str]:
        """Run the schema migrations (admins); the revisions before and after."""
        from workflow.migrate import HEAD, current, upgrade

        before = current(self.engine)
        if before is None:
            raise BadInput(
                tr(
                    "数据库尚未初始化：请先运行 workflow init",
                    "the database is not initialised: run 'workflow init' first",
                )
            )
        if before > HEAD:
            raise BadInput(
                tr(
                    "数据库结构{r}比本程序新：请升级本程序",
                    "the database schema {r} is newer than this program",
                    r=before,
                )
            )
        with read_session(self.engine) as session:
            self._require(self.actor(session), "admin")
        upgrade(self.engine)
        return before, HEAD

    def backup(self, path: Path) -> int:
        """An online copy of a SQLite database (SQLite's backup API); pages copied."""
        import sqlite3

        self.ensure_schema()
        with read_session(self.engine) as session:
            actor = self.actor(session)
        if actor.role not in ("admin", "auditor"):
            raise NotPermitted(
                tr(
                    "{u}无权备份数据库（仅管理员和审计员）",
                    "{u} may not back up the database (admins and auditors only)",
                    u=actor.name,
                )
            )
        if self.engine.dialect.name != "sqlite":
            raise BadInput(
                tr("PostgreSQL 请用 pg_dump 备份（见 README）", "for PostgreSQL use pg_dump (see the README)")
            )
        if path.exists():
            raise BadInput(tr("文件已存在：{p}", "file exists: {p}", p=path))
        if not path.parent.exists():
            raise BadInput(tr("目录不存在：{p}", "folder does not exist: {p}", p=path.parent))
        source = sqlite3.connect(self.engine.url.database or "")
        target = sqlite3.connect(path)
        try:
            with target:
                source.backup(target)
            pages = int(target.execute("PRAGMA page_count").fetchone()[0])
        finally:
            target.close()
            source.close()
        return pages

    # ------------------------------------------------------------ reads

    def townships(self, district: str | None = None) -> list[tuple[Township, str]]:
        self.ensure_schema()
        with read_session(self.engine) as session:
            self.reader(session)
            stmt = select(Township, District.name).join(District)
            if district:
                d = self.find_district(session, district)
                stmt = stmt.where(Township.district_id == d.id)
            return [(t, n) for t, n in session.exec(stmt.order_by(col(District.name), col(Township.id)))]

    def districts(self) -> list[District]:
        self.ensure_schema()
        with read_session(self.engine) as session:
            self.reader(session)
            return list(session.exec(select(District).order_by(col(District.name))))

    def history(self, ref: str) -> tuple[TownRow, list[Event], audit.Problem | None]:
        """Every event of the township, oldest first, and the chain's verification."""
        self.ensure_schema()
        with read_session(self.engine) as session:
            self.reader(session)
            town = self.find_township(session, ref)
            events = list(
                session.exec(select(Event).where(Event.chain == str(town.id)).order_by(col(Event.id)))
            )
            problem = audit.verify_chain(
                str(town.id), events, town.version, town.stage, town.head_hash, town.name
            )
            return town, events, problem

    def roster(self, ref: str, kind: str) -> list[dict[str, Any]]:
        roster_kind(kind)
        self.ensure_schema()
        with read_session(self.engine) as session:
            self.reader(session)
            town = self.find_township(session, ref)
            return self._rosters(session, town, [kind])[kind]

    def verify(self, ref: str | None = None) -> audit.VerifyReport:
        self.ensure_schema()
        with read_session(self.engine) as session:
            self.reader(session)
            ids = None
            if ref is not None:
                town = self.find_township(session, ref)
                assert town.id is not None
                ids = [town.id]
            return audit.verify(session, ids)

    # ------------------------------------------------------------ changes

    def _load_for_change(
        self, db: Db, ref: str, action: Action, expected_version: int | None
    ) -> tuple[TownRow, Definition, int]:
        town = self.find_township(db, ref)
        row = hot.raw(db).one(hot.ROLE_AND_ASSIGNED, {"tid": town.id, "actor": self.actor_name})
        if row is None:
            raise self._unknown_user()
        assert town.id is not None
        actor = Actor(self.actor_name, str(row[0]), frozenset({town.id}) if row[1] else frozenset())
        self._require(actor, action, town)
        expected = town.version if expected_version is None else expected_version
        if expected != town.version:
            raise self._conflict(town, expected)
        return town, self.definition_for(db, town), expected

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
            self._check_date_order(town, effective)
            checks = self.checks_for(db, town, d)
            failing = [c for c in checks if not c.ok]
            if failing:
                raise Blocked(self._blocked_text(town, d, plan, failing), checks)
            if impossible := rules.advance_problems(effective, evidence.advance_evidence(self, db, town, d)):
                raise BadInput(rules.refusal(impossible))
            new_stage = engine.perform(plan, gate_ok=True)
            payload = {
                "checks": [c.id for c in checks if c.passed],
                "waived": [c.id for c in checks if c.waived],
            }
            ev = self._append(db, town, "advance", new_stage, effective, note.strip(), payload, expected)
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
        with read_session(self.engine) as session:
            self.reader(session)
            d = self.find_district(session, district)
            if not self.definition.has_stage(stage):
                raise BadInput(
                    tr(
                        "未知阶段「{s}」。阶段顺序：{o}",
                        "unknown stage '{s}'. Stage order: {o}",
                        s=stage,
                        o=self.definition.order_text().en,
                    )
                )
            towns = list(
                session.exec(
                    select(Township)
                    .where(Township.district_id == d.id, Township.stage == stage)
                    .order_by(col(Township.id))
                )
            )
        return self.advance_many([(t.id, t.version) for t in towns if t.id is not None], on, note, dry_run)

    def advance_many(
        self,
        townships: Sequence[tuple[int, int | None]],
        on: dt.date | str | None = None,
        note: str = "",
        dry_run: bool = False,
    ) -> list[BulkOutcome]:
        """Advance each (township id, version seen) whose gate holds, each in its own
        transaction with its own event; the others come back with their reasons. With
        ``dry_run`` nothing is written: the ready ones are only reported."""
        self.ensure_schema()
        self._effective(on)
        with read_session(self.engine) as session:
            actor = self.actor(session)
        outcomes: list[BulkOutcome] = []
        for tid, version in townships:
            name = str(tid)
            try:
                if dry_run:
                    with read_session(self.engine) as session:
                        fresh = self.find_township(session, str(tid))
                        name = fresh.name
                        self._require(actor, "change", fresh)
                        if version is not None and version != fresh.version:
                            raise self._conflict(fresh, version)
                        dd = self.definition_for(session, fresh)
                        plan = engine_for(dd).plan(fresh.stage, "advance", None)
                        failing = [c for c in self.checks_for(session, fresh, dd) if not c.ok]
                        if failing:
                            raise Blocked(self._blocked_text(fresh, dd, plan, failing), failing)
                    outcomes.append(BulkOutcome(name, "ready", None, []))
                else:
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
        return outcomes

    def _name_of(self, tid: int, fallback: str) -> str:
        with read_session(self.engine) as session:
            town = session.get(Township, tid)
            return town.name if town is not None else fallback

    def _blocked_text(self, town: Town, d: Definition, plan: Plan, failing: list[CheckResult]) -> Text:
        src, dst = d.stage(plan.source), d.stage(plan.dest)
        head = Text(
            f"「{town.name}」不能从「{src.zh}」进入「{dst.zh}」：{len(failing)}项检查未通过",
            f"'{town.name}' cannot advance from '{src.en}' to '{dst.en}': "
            + (f"{len(failing)} check failing" if len(failing) == 1 else f"{len(failing)} checks failing"),
        )
        lines = [
            Text(
                f"  - {c.id}：{c.message.zh}（实际 {c.actual}，要求 {c.required}）",
                f"  - {c.id}: {c.message.en} (actual {c.actual}, required {c.required})",
            )
            for c in failing
        ]
        return Text(
            "\n".join([head.zh] + [x.zh for x in lines]), "\n".join([head.en] + [x.en for x in lines])
        )

    def _check_date_order(self, town: Town, effective: dt.date) -> None:
        if town.stage_since is not None and effective < town.stage_since:
            raise BadInput(
                Text(
                    f"生效日期{effective}早于进入当前阶段的日期{town.stage_since}",
                    f"effective date {effective} is before the township entered its current "
                    f"stage on {town.stage_since}",
                )
            )

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
            self._check_date_order(town, effective)
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

    def record(
        self,
        ref: str,
        fact: str,
        values: Mapping[str, str],
        on: dt.date | str | None = None,
        note: str = "",
        expected_version: int | None = None,
    ) -> StepResult:
        """Record (or correct) a fact of the current or a later stage."""
        self.ensure_schema()
        effective = self._effective(on)
        with self._write() as session:
            town, d, expected = self._load_for_change(session, ref, "change", expected_version)
            spec = d.facts.get(fact)
            if spec is None:
                raise BadInput(
                    tr(
                        "未知事实「{f}」，应为：{o}",
                        "unknown fact '{f}', expected one of: {o}",
                        f=fact,
                        o=", ".join(d.facts),
                    )
                )
            self._check_stage_open(town, d, fact_stage(d, fact), Text(spec.zh, spec.en))
            parsed = parse_fact_values(spec.name, spec.fields, values, self.today())
            started, given = evidence.started_on(session, town)
            if impossible := rules.record_problems(spec, parsed, effective, started, given):
                raise BadInput(rules.refusal(impossible))
            existing = session.get(Fact, (town.id, fact))
            data = json.dumps(
                {f.name: f.dump(parsed[f.name]) for f in spec.fields}, ensure_ascii=False, sort_keys=True
            )
            ev = self._append(
                session,
                town,
                "record",
                town.stage,
                effective,
                note.strip(),
                {"fact": fact, "values": json.loads(data), "corrects": existing is not None},
                expected,
            )
            assert ev.id is not None and town.id is not None
            if existing is None:
                session.add(Fact(township_id=town.id, name=fact, data=data, event_id=ev.id))
            else:
                existing.data = data
                existing.event_id = ev.id
                session.add(existing)
            return StepResult(town.name, "record", town.stage, town.stage, ev)

    def _check_stage_open(self, town: Town, d: Definition, stage_id: str | None, what: Text) -> None:
        if stage_id is None:
            return
        cur, target = d.stage(town.stage), d.stage(stage_id)
        if target.order < cur.order:
            raise Blocked(
                Text(
                    f"「{what.zh}」属于已完成的第{target.order}步「{target.zh}」，当前为第{cur.order}步"
                    f"「{cur.zh}」：需审核人先回退。阶段顺序：{d.order_text().zh}",
                    f"{what.en} belongs to stage {target.order} '{target.en}', already passed "
                    f"(now {cur.order} '{cur.en}'): a reviewer must revert first. "
                    f"Stage order: {d.order_text().en}",
                )
            )

    def import_roster(
        self,
        ref: str,
        kind: str,
        path: Path,
        replace: bool = False,
        expected_version: int | None = None,
        on: dt.date | str | None = None,
    ) -> StepResult:
        """Import a roster file, all or nothing, with one audit event."""
        rk = roster_kind(kind)
        self.ensure_schema()
        parsed = read_roster(path, rk, self.today())
        return self.import_parsed(ref, parsed, replace, expected_version, on)

    def import_parsed(
        self,
        ref: str,
        parsed: ParsedRoster,
        replace: bool = False,
        expected_version: int | None = None,
        on: dt.date | str | None = None,
    ) -> StepResult:
        kind = parsed.kind.name
        effective = self._effective(on)
        with self._write() as session:
            town, d, expected = self._load_for_change(session, ref, "change", expected_version)
            self._check_stage_open(town, d, roster_stage(d, kind), parsed.kind.label())
            existing = session.exec(
                select(func.count())
                .select_from(RosterRow)
                .where(RosterRow.township_id == town.id, RosterRow.kind == kind)
            ).one()
            if existing and not replace:
                raise BadInput(
                    Text(
                        f"「{town.name}」已有{existing}行{parsed.kind.label().zh}："
                        "要替换，请勾选「替换」（命令行用 --replace）",
                        f"'{town.name}' already has {existing} rows of {parsed.kind.label().en}: "
                        "to replace them, tick 'replace' (on the command line, --replace)",
                    )
                )
            ev = self._append(
                session,
                town,
                "import",
                town.stage,
                effective,
                "",
                {
                    "kind": kind,
                    "file": parsed.file_name,
                    "sha256": parsed.sha256,
                    "rows": len(parsed.rows),
                    "replaced": int(existing),
                },
                expected,
            )
            if existing:
                session.exec(
                    delete(RosterRow).where(
                        col(RosterRow.township_id) == town.id, col(RosterRow.kind) == kind
                    )
                )
            assert town.id is not None
            fields = parsed.kind.columns
            session.add_all(
                [
                    RosterRow(
                        township_id=town.id,
                        kind=kind,
                        line=i,
                        data=json.dumps(
                            {f.name: f.dump(row.get(f.name)) for f in fields}, ensure_ascii=False
                        ),
                    )
                    for i, row in enumerate(parsed.rows, start=1)
                ]
            )
            return StepResult(town.name, "import", town.stage, town.stage, ev)

    def waive_check(
        self,
        ref: str,
        check: str,
        reason: str,
        expected_version: int | None = None,
        on: dt.date | str | None = None,
    ) -> StepResult:
        """A reviewer lets one check of one township pass, with a reason."""
        self.ensure_schema()
        reason = _require_reason(reason)
        effective = self._effective(on)
        with self._write() as session:
            town, d, expected = self._load_for_change(session, ref, "review", expected_version)
            all_checks = {c.id for s in d.stages for c in s.checks}
            if check not in all_checks:
                raise BadInput(
                    tr(
                        "未知检查「{c}」，应为：{o}",
                        "unknown check '{c}', expected one of: {o}",
                        c=check,
                        o=", ".join(sorted(all_checks)),
                    )
                )
            if session.exec(
                select(Waiver).where(Waiver.township_id == town.id, Waiver.check_id == check)
            ).first():
                raise BadInput(
                    tr(
                        "「{t}」的检查 {c} 已豁免",
                        "check {c} of '{t}' is already waived",
                        t=town.name,
                        c=check,
                    )
                )
            ev = self._append(
                session,
                town,
                "waive",
                town.stage,
                effective,
                reason,
                {"check": check, "reason": reason},
                expected,
            )
            assert town.id is not None and ev.id is not None
            session.add(
                Waiver(
                    township_id=town.id, check_id=check, reason=reason, actor=self.actor_name, event_id=ev.id
                )
            )
            return StepResult(town.name, "waive", town.stage, town.stage, ev)

    def open_violation(
        self, ref: str, note: str, expected_version: int | None = None, on: dt.date | str | None = None
    ) -> tuple[Violation, StepResult]:
        """Record a violation report; it blocks every forward step until resolved."""
        self.ensure_schema()
        note = _require_reason(note)
        effective = self._effective(on)
        with self._write() as session:
            town, _d, expected = self._load_for_change(session, ref, "change", expected_version)
            assert town.id is not None
            v = Violation(
                township_id=town.id, opened_note=note, opened_by=self.actor_name, opened_on=effective
            )
            session.add(v)
            session.flush()
            ev = self._append(
                session, town, "violation_open", town.stage, effective, note, {"violation": v.id}, expected
            )
            return v, StepResult(town.name, "violation_open", town.stage, town.stage, ev)

    def resolve_violation(self, violation_id: int, note: str) -> tuple[Violation, StepResult]:
        self.ensure_schema()
        note = _require_reason(note)
        with self._write() as session:
            v = session.get(Violation, violation_id)
            if v is None:
                raise BadInput(tr("未找到违纪举报 #{i}", "no violation report #{i}", i=violation_id))
            town, _d, expected = self._load_for_change(session, str(v.township_id), "resolve", None)
            if v.status != "open":
                raise BadInput(
                    tr("违纪举报 #{i} 已处理", "violation report #{i} is already resolved", i=violation_id)
                )
            v.status = "resolved"
            v.resolved_note = note
            v.resolved_by = self.actor_name
            v.resolved_on = self.today()
            session.add(v)
            ev = self._append(
                session,
                town,
                "violation_resolve",
                town.stage,
                self.today(),
                note,
                {"violation": v.id},
                expected,
            )
            return v, StepResult(town.name, "violation_resolve", town.stage, town.stage, ev)

    def report(self, district: str | None = None) -> dict[str, Any]:
        """The district report (or the whole database's), computed from the records."""
        from workflow.report import district_report

        self.ensure_schema()
        with read_session(self.engine) as session:
            self.reader(session)
            d = self.find_district(session, district) if district else None
            return district_report(session, self.definition, d, self.today())

    def violations(self, ref: str | None = None) -> list[tuple[Violation, str]]:
        self.ensure_schema()
        with read_session(self.engine) as session:
            self.reader(session)
            stmt = select(Violation, Township.name).join(Township)
            if ref:
                town = self.find_township(session, ref)
                stmt = stmt.where(Violation.township_id == town.id)
            return list(session.exec(stmt.order_by(col(Violation.id))))


def fact_stage(d: Definition, fact: str) -> str | None:
    return next((s.id for s in d.stages if fact in s.facts), None)


def roster_stage(d: Definition, kind: str) -> str | None:
    return next((s.id for s in d.stages if kind in s.rosters), None)


def parse_fact_values(
    name: str, fields: Sequence[Any], values: Mapping[str, str], today: dt.date
) -> dict[str, Any]:
    """Validate ``key=value`` input for a fact; every problem listed at once."""
    known = {f.name for f in fields}
    problems: list[Text] = []
    for key in values:
        if key not in known:
            problems.append(
                tr(
                    "「{f}」没有字段「{k}」，应为：{o}",
                    "fact '{f}' has no field '{k}', expected: {o}",
                    f=name,
                    k=key,
                    o=", ".join(known),
                )
            )
    parsed: dict[str, Any] = {}
    for f in fields:
        raw = values.get(f.name)
        try:
            parsed[f.name] = f.parse(raw, today)
        except FieldError as e:
            problems.append(
                Text(
                    f"{name}.{f.name}={raw or ''}：{e.reason.zh}（应为{f.expected().zh}）",
                    f"{name}.{f.name}={raw or ''}: {e.reason.en} (expected {f.expected().en})",
                )
            )
    if problems:
        raise BadInput(Text("\n".join(p.zh for p in problems), "\n".join(p.en for p in problems)))
    return parsed


def _clean_name(name: str, what: Text) -> str:
    name = name.strip()
    if not name or len(name) > 200 or any(ord(c) < 32 for c in name):
        raise BadInput(
            Text(
                f"{what.zh}「{name}」无效：不能为空、过长或含控制字符",
                f"invalid {what.en} '{name}': empty, too long or with control characters",
            )
        )
    return name


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BadInput(tr("必须写明理由", "a reason is required"))
    return reason
