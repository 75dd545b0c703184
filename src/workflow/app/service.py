"""The application service: every front end (CLI, TUI) calls these commands, which
check permissions, run the gates, and write state and audit event in one transaction."""

from __future__ import annotations

import datetime as dt
import json
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

from sqlalchemy import func
from sqlmodel import Session, col, select

from workflow.app import definitions
from workflow.app import record_evidence as evidence
from workflow.app.actors import ROLE_LABELS, Actor
from workflow.app.dates import EARLIEST, check_not_before_start, check_step_date
from workflow.app.reads import Reads
from workflow.app.rules import require_record
from workflow.app.scoped import redact_events, redact_report, redact_violations, require_report_scope
from workflow.domain import record_rules as rules
from workflow.domain.definition import Definition
from workflow.domain.engine import Plan, engine_for
from workflow.domain.fields import FieldError, parse_date
from workflow.domain.gates import CheckResult
from workflow.domain.rosters import ParsedRoster, read_roster, roster_kind
from workflow.domain.text import MAX_NAME, TextProblem, normalise, shorten
from workflow.errors import BadInput, Blocked, Conflict, NotPermitted, Unavailable
from workflow.i18n import Text, tr
from workflow.ledger import chain as audit
from workflow.ledger import replay
from workflow.ledger.apply import apply
from workflow.ledger.events import recorded
from workflow.ledger.witness import witnessing
from workflow.store import sql as hot
from workflow.store.db import create_schema, read_session, write_session
from workflow.store.projection import StepConflict, TableSink
from workflow.store.sql import Db, EventRecord, Town, TownRow
from workflow.store.tables import (
    ROLES,
    SYSTEM_CHAIN,
    District,
    Event,
    Fact,
    RosterRow,
    Township,
    User,
    Violation,
    Waiver,
)

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


class BulkInterrupted(Unavailable):
    """The database became unavailable part way through a bulk step: ``outcomes`` says
    what happened to each township (advanced, blocked, ..., unavailable, not_tried)."""

    def __init__(self, text: Text, kind: str, outcomes: list[BulkOutcome]) -> None:
        super().__init__(text, kind)
        self.outcomes = outcomes


@dataclass(slots=True)
class Service(Reads):
    """The one entry point for changes and reads (the reads are :class:`Reads`)."""

    # ------------------------------------------------------------ plumbing

    @contextmanager
    def _write(self) -> Iterator[Session]:
        """A write transaction (its database errors become the project's errors in
        :func:`workflow.store.db.write_session`); this machine witnesses what it writes."""
        with witnessing(self.witness), write_session(self.engine) as session:
            yield session

    @contextmanager
    def _step(self) -> Iterator[hot.Raw]:
        """The write transaction of a stage change, on a connection of its own (no
        session: a step is a few plain statements)."""
        with witnessing(self.witness), hot.write(self.engine) as db:
            yield db

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
        name = unicodedata.normalize("NFKC", name).strip()
        district = session.exec(select(District).where(District.name == name)).first()
        if district is None:
            raise BadInput(tr("未找到区「{d}」", "no district named '{d}'", d=shorten(name)))
        return district

    def _effective(self, on: dt.date | str | None) -> dt.date:
        today = self.today()
        if on is None:
            return today
        try:
            return parse_date(on, today, EARLIEST)
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
        inserted = rw.one(hot.INSERT_EVENT, fields | {"effective_date": rw.date(effective)})
        assert inserted is not None
        try:
            apply(TableSink(rw), recorded(int(inserted[0]), fields))  # as replay will read it
        except StepConflict:
            db.rollback()
            raise self._conflict(town, expected_version) from None
        town.version = expected_version + 1
        town.head_hash = fields["hash"]
        if self.witness is not None:
            self.witness.wrote(db, fields["chain"], town.version, town.head_hash, town.name)
        if to_stage != from_stage:
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
        assert ev.id is not None
        apply(TableSink(hot.raw(session)), recorded(ev.id, ev.model_dump()))
        if self.witness is not None:
            self.witness.wrote(session, SYSTEM_CHAIN, ev.seq, ev.hash)
        return ev

    # ------------------------------------------------------------ set-up

    def init(self, password_hash: str | None = None, demo: bool = False) -> bool:
        """Create the schema; the first user becomes admin (with ``password_hash``, an
        argon2id hash, when given; a demo database is marked so on the system chain).
        False if already done. A database at an older schema revision is refused, never
        migrated here: that is ``db upgrade``, for admins."""
        from workflow.store.db import schema_revision

        if schema_revision(self.engine) is None:
            create_schema(self.engine)
        else:
            self.ensure_schema()
        with self._write() as session:
            if session.exec(select(User).limit(1)).first() is not None:
                return False
            self._system_event(  # applied: the admin's row
                session, "init", "", {"admin": self.actor_name} | ({"demo": True} if demo else {})
            )
            if password_hash is not None:  # a credential: never in an event
                hot.raw(session).run(
                    'UPDATE "user" SET password_hash = :h WHERE name = :n',
                    {"h": password_hash, "n": self.actor_name},
                )
        return True

    def add_district(self, name: str, definition_path: str | None = None) -> District:
        name = _clean_name(name, Text("区名", "district name"))
        own = definitions.from_file(Path(definition_path)) if definition_path else None
        with self._write() as session:
            self._require(self.actor(session), "admin")
            if session.exec(select(District).where(District.name == name)).first():
                raise BadInput(tr("区「{d}」已存在", "district '{d}' already exists", d=name))
            rec = own or definitions.default_for_new_districts(session)
            path = str(Path(rec.source).resolve()) if own else None
            district = District(name=name, definition_path=path)  # its id; the event sets the rest
            session.add(district)
            session.flush()
            self._system_event(  # applied: the district and its definition's text
                session,
                "district_add",
                "",
                definitions.payload(rec, district=name, district_id=district.id, definition=path),
            )
            return district

    def set_district_definition(self, district_name: str, path: Path) -> list[dict[str, Any]]:
        """An admin changes a district's definition: one system event naming every changed
        parameter (with the new text and its hash). Returns the changed parameters (empty
        when the text is the one in force: then nothing is recorded)."""
        rec = definitions.from_file(path)
        self.ensure_schema()
        with self._write() as session:
            self._require(self.actor(session), "admin")
            district = self.find_district(session, district_name)
            assert district.id is not None
            raw = hot.raw(session)
            row = raw.one(definitions.SHA_OF_DISTRICT, {"id": district.id})
            old_sha = str(row[0]) if row else ""
            if old_sha == rec.sha256:
                return []
            old_text = (
                definitions.text_of(
                    raw, old_sha, Text(f"区「{district.name}」", f"district '{district.name}'")
                )
                if row
                else ""
            )
            stranded = [
                f"{t.name} ({t.stage})"
                for t in session.exec(select(Township).where(col(Township.district_id) == district.id))
                if not rec.definition.has_stage(t.stage)
            ]
            if stranded:
                raise BadInput(
                    Text(
                        f"{path}：以下乡镇所处阶段在新定义中不存在：{'，'.join(stranded)}",
                        f"{path}: these townships are at stages the new definition does not have: "
                        f"{', '.join(stranded)}",
                    )
                )
            changed = (
                definitions.diff(old_text, rec.text)
                if old_text
                else [{"parameter": "*", "old": None, "new": rec.sha256}]
            )
            self._system_event(  # applied: the district's pointer to the new text
                session,
                "district_definition",
                "",
                definitions.payload(
                    rec,
                    district=district.name,
                    district_id=district.id,
                    previous_sha256=old_sha or None,
                    changed=changed,
                ),
            )
            return changed

    def set_default_definition(self, path: Path) -> definitions.Recorded:
        """An admin records the definition that districts added later run on (``init
        --definition``)."""
        rec = definitions.from_file(path)
        self.ensure_schema()
        with self._write() as session:
            self._require(self.actor(session), "admin")
            self._system_event(session, "default_definition", "", definitions.payload(rec))  # applied
        return rec

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
            definition = self.definition_for_district(session, district.id)
            town = Township(  # its id; the events set the rest
                name=name, district_id=district.id, stage=definition.initial, stage_since=began, version=0
            )
            session.add(town)
            session.flush()
            self._system_event(
                session,
                "township_add",
                "",
                {
                    "township_id": town.id,
                    "name": name,
                    "district": district.name,
                    "district_id": district.id,
                    "stage": definition.initial,
                },
            )
            self._append(
                session,
                town,
                "create",
                definition.initial,
                began or self.today(),
                "",
                {"district": district.name, "name": name, "since": began.isoformat() if began else None},
                0,
            )
            session.expire(town)
            session.refresh(town)
            return town

    def add_user(
        self, name: str, role: str, townships: Sequence[str] = (), setup_hash: str | None = None
    ) -> User:
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
            self._system_event(
                session,
                "user_add",
                "",
                {
                    "user": name,
                    "role": role,
                    "townships": [t.name for t in towns],
                    "township_ids": [t.id for t in towns],
                },
            )
            if setup_hash is not None:  # a credential: never in an event
                hot.raw(session).run(
                    'UPDATE "user" SET setup_hash = :h WHERE name = :n', {"h": setup_hash, "n": name}
                )
            return session.exec(select(User).where(User.name == name)).one()

    def upgrade_schema(self) -> tuple[str | None, str]:
        """Run the schema migrations (admins); the revisions before and after."""
        from workflow.store.migrate import HEAD, current, upgrade

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
        self._schema_ok = False
        from workflow.ledger.upgrade import commit_existing

        with hot.write(self.engine) as db:  # the rows older releases left out of the log
            commit_existing(db, self.actor_name, self.clock, self.today())
        return before, HEAD

    def _require_backup_role(self) -> None:
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

    def _sqlite_file(self, what: Text) -> Path:
        if self.engine.dialect.name != "sqlite" or not self.engine.url.database:
            raise BadInput(
                Text(
                    f"{what.zh}：PostgreSQL 请用 pg_dump / pg_restore（见 README）",
                    f"{what.en}: for PostgreSQL use pg_dump / pg_restore (see the README)",
                )
            )
        from workflow.store.errors import sqlite_path

        return Path(sqlite_path(self.engine.url))

    def backup(self, path: Path) -> int:
        """An online copy of a SQLite database (SQLite's backup API, into a temporary
        file renamed into place when complete); pages copied. Admins and auditors."""
        from workflow.store import backup as files

        self._require_backup_role()
        source = self._sqlite_file(Text("备份", "backup"))
        return files.backup(str(source), path)

    def restore(self, backup_path: Path, target: Path | None = None) -> int:
        """Put a checked backup in place of the database (or of ``target``); pages copied.
        The backup must pass SQLite's integrity check and its audit log must verify; the
        acting user must be an admin in it (and in the database it replaces, when that
        can be read); nobody else may have the database open."""
        from workflow.errors import AuditFailure, Unavailable
        from workflow.store import backup as files
        from workflow.store.db import open_engine

        target = target or self._sqlite_file(Text("恢复", "restore"))
        if not backup_path.is_file():
            raise BadInput(tr("备份文件不存在：{p}", "no backup file at {p}", p=backup_path))
        damage = files.integrity_problems(backup_path)
        if damage:
            raise Unavailable(
                tr(
                    "备份 {p} 已损坏（{d}）；未做任何更改。请换一个备份",
                    "the backup {p} is damaged ({d}); nothing was changed. Choose another backup",
                    p=backup_path,
                    d="; ".join(damage[:3]),
                ),
                "corrupt",
            )
        source = type(self)(
            open_engine(str(backup_path), read_only=True), self.actor_name, self.definition, self.today
        )
        try:
            with read_session(source.engine) as session:
                source._require(source.actor(session), "admin")
            report = source.verify()
        finally:
            source.engine.dispose()
        if not report.ok:
            raise AuditFailure(
                tr(
                    "备份 {p} 的审计日志未通过校验（{n} 处问题）；未做任何更改",
                    "the audit log of the backup {p} failed verification ({n} problems); nothing was changed",
                    p=backup_path,
                    n=len(report.problems),
                )
            )
        if target.exists() and files.integrity_problems(target) == []:
            current = type(self)(open_engine(str(target), read_only=True), self.actor_name, self.definition)
            try:
                with read_session(current.engine) as session:
                    current._require(current.actor(session), "admin")
            except Unavailable:
                pass  # a database that cannot be read is what a restore is for
            finally:
                current.engine.dispose()
        self.engine.dispose()
        return files.restore(backup_path, target)

    # ------------------------------------------------------------ reads

    def townships(self, district: str | None = None) -> list[tuple[Township, str]]:
        self.ensure_schema()
        with read_session(self.engine) as session:
            scope = self.scope(session)
            stmt = select(Township, District.name).join(District)
            if scope.districts is not None:  # a coordinator: the districts of their townships
                stmt = stmt.where(col(Township.district_id).in_(scope.districts))
            if district:
                d = self.find_district(session, district)
                assert d.id is not None
                scope.require(d.id, d.name)
                stmt = stmt.where(Township.district_id == d.id)
            return [(t, n) for t, n in session.exec(stmt.order_by(col(District.name), col(Township.id)))]

    def districts(self) -> list[District]:
        self.ensure_schema()
        with read_session(self.engine) as session:
            scope = self.scope(session)
            rows = session.exec(select(District).order_by(col(District.name)))
            return [d for d in rows if d.id is not None and scope.sees_district(d.id)]

    def history(self, ref: str) -> tuple[TownRow, list[Event], audit.Problem | None]:
        """Every event of the township, oldest first, and the chain's verification."""
        self.ensure_schema()
        with read_session(self.engine) as session:
            scope = self.scope(session)
            town = self.find_township(session, ref)
            scope.require(town.district_id, town.name)
            events = list(
                session.exec(select(Event).where(Event.chain == str(town.id)).order_by(col(Event.id)))
            )
            problem = audit.verify_chain(
                str(town.id), events, town.version, town.stage, town.head_hash, name=town.name
            )
            return town, redact_events(events, scope), problem

    def roster(self, ref: str, kind: str) -> list[dict[str, Any]]:
        roster_kind(kind)
        self.ensure_schema()
        with read_session(self.engine) as session:
            town = self.find_township(session, ref)
            self.scope(session).require(town.district_id, town.name)
            return self._rosters(session, town, [kind])[kind]

    def verify(self, ref: str | None = None) -> replay.VerifyReport:
        self.ensure_schema()
        with read_session(self.engine) as session:
            self.reader(session)
            ids = None
            if ref is not None:
                town = self.find_township(session, ref)
                assert town.id is not None
                ids = [town.id]
            return replay.verify(hot.raw(session), ids)

    # ------------------------------------------------------------ changes

    def _load_for_change(
        self, db: Db, ref: str, action: Action, expected_version: int | None
    ) -> tuple[TownRow, Definition, int]:
        town = self.find_township(db, ref)
        raw = hot.raw(db)
        if not raw.sqlite:
            # Wait for a concurrent change of this township to finish, then read its row
            # as that change left it (SQLite's write lock, taken at BEGIN, does this there).
            locked = raw.one(hot.TOWN_FOR_UPDATE, {"id": town.id})
            if locked is None:
                raise BadInput(tr("未找到乡镇「{t}」", "no township named '{t}'", t=ref))
            town = raw.town(locked)
        row = raw.one(hot.ROLE_AND_ASSIGNED, {"tid": town.id, "actor": self.actor_name})
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
            check_step_date(db, town, effective)
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
            assert d.id is not None
            rules = self.definition_for_district(session, d.id)
            if not rules.has_stage(stage):
                raise BadInput(
                    tr(
                        "未知阶段「{s}」。阶段顺序：{o}",
                        "unknown stage '{s}'. Stage order: {o}",
                        s=stage,
                        o=rules.order_text().en,
                    )
                )
            towns = list(
                session.exec(
                    select(Township)
                    .where(Township.district_id == d.id, Township.stage == stage)
                    .order_by(col(Township.id))
                )
            )
        return self.advance_many(
            [(t.id, t.version) for t in towns if t.id is not None],
            on,
            note,
            dry_run,
            names={t.id: t.name for t in towns if t.id is not None},
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
            except Unavailable as e:
                known = names or {}
                outcomes.append(BulkOutcome(known.get(tid, name), "unavailable", e.text, []))
                at = len(outcomes)
                outcomes += [
                    BulkOutcome(known.get(t, str(t)), "not_tried", None, []) for t, _ in townships[at:]
                ]
                raise BulkInterrupted(e.text, e.kind, outcomes) from e
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
            check_not_before_start(session, town, effective)
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
            require_record(self.actor(session), spec)
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
            check_not_before_start(session, town, effective)
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
                    "rows": parsed.count,
                    "replaced": int(existing),
                    "data": [json.loads(row) for row in parsed.encoded],  # the rows, as stored
                },
                expected,
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
            check_not_before_start(session, town, effective)
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
            check_not_before_start(session, town, effective)
            assert town.id is not None
            v = Violation(  # its id; the event sets the rest
                township_id=town.id, opened_note=note, opened_by=self.actor_name, opened_on=effective
            )
            session.add(v)
            session.flush()
            ev = self._append(
                session, town, "violation_open", town.stage, effective, note, {"violation": v.id}, expected
            )
            session.refresh(v)
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
            session.refresh(v)
            return v, StepResult(town.name, "violation_resolve", town.stage, town.stage, ev)

    def report(self, district: str | None = None) -> dict[str, Any]:
        """The district report (or the whole database's), computed from the records."""
        from workflow.app.report import district_report

        self.ensure_schema()
        with read_session(self.engine) as session:
            scope = self.scope(session)
            d = self.find_district(session, district) if district else None
            require_report_scope(scope, d)
            rules = self.definition_for_district(session, d.id) if d and d.id is not None else self.definition
            return redact_report(district_report(session, rules, d, self.today()), scope)

    def violations(self, ref: str | None = None) -> list[tuple[Violation, str]]:
        self.ensure_schema()
        with read_session(self.engine) as session:
            scope = self.scope(session)
            stmt = select(Violation, Township.name).join(Township)
            if scope.districts is not None:
                stmt = stmt.where(col(Township.district_id).in_(scope.districts))
            if ref:
                town = self.find_township(session, ref)
                scope.require(town.district_id, town.name)
                stmt = stmt.where(Violation.township_id == town.id)
            return redact_violations(list(session.exec(stmt.order_by(col(Violation.id)))), scope)


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
    """A name through the one text normaliser (:func:`workflow.text.normalise`)."""
    try:
        name = normalise(name, max_length=MAX_NAME)
    except TextProblem as e:
        raise BadInput(Text(f"{what.zh}无效：{e.reason.zh}", f"invalid {what.en}: {e.reason.en}")) from None
    if not name:
        raise BadInput(Text(f"{what.zh}不能为空", f"the {what.en} must not be empty"))
    return name


def _require_reason(reason: str) -> str:
    reason = (reason or "").strip()
    if not reason:
        raise BadInput(tr("必须写明理由", "a reason is required"))
    return reason
