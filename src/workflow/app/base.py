"""The plumbing every part of the service shares: transactions, permissions, effective
dates, and appending an event (applied to the tables in the same transaction)."""

from __future__ import annotations

import datetime as dt
import unicodedata
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal

from workflow.app.actors import ROLE_LABELS, Actor
from workflow.app.dates import EARLIEST
from workflow.app.reads import Reads, Records
from workflow.domain.definition import Definition
from workflow.domain.fields import FieldError, parse_date
from workflow.domain.gates import CheckResult
from workflow.domain.rosters import RowTable
from workflow.domain.text import MAX_NAME, TextProblem, clean_note, normalise, shorten
from workflow.errors import BadInput, Blocked, Conflict, NotPermitted, Unavailable
from workflow.i18n import Text, tr
from workflow.ledger import chain as audit
from workflow.ledger.apply import STAGE_KINDS, apply
from workflow.ledger.events import recorded
from workflow.ledger.witness import witnessing
from workflow.store import sql as hot
from workflow.store.db import read_session, write_session
from workflow.store.projection import StepConflict, TableSink
from workflow.store.sql import Db, EventRecord, Town, TownRow

if TYPE_CHECKING:
    from sqlmodel import Session

    from workflow.store.tables import District, Event

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


class ServiceBase(Reads):
    """What the service's parts share; :class:`workflow.app.service.Service` puts them together."""

    __slots__ = ()

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
        """The district named ``name`` as a row of the session (see :meth:`district_id`)."""
        from workflow.store.tables import District

        district = session.get(District, self.district_id(session, name))
        assert district is not None  # read in the same transaction
        return district

    def district_id(self, db: Db, name: str) -> int:
        """The id of the district named ``name`` (compared normalised), by plain SQL;
        an unknown name is bad input."""
        name = unicodedata.normalize("NFKC", name).strip()
        row = hot.raw(db).one("SELECT id FROM district WHERE name = :n", {"n": name})
        if row is None:
            raise BadInput(tr("未找到区「{d}」", "no district named '{d}'", d=shorten(name)))
        return int(row[0])

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
        records: Records | None = None,
    ) -> EventRecord:
        """Change the township (version checked in the same statement) and write its
        event, chained to the previous one. Both in the caller's transaction.
        ``records``: the township's, read in this transaction before the change; a
        stage change leaves them as they were (its event changes only the township's
        row), so its next gate is evaluated from them, before the change is written."""
        note = clean_note(note, Text("说明", "note"))  # every note on a chain: one clean line
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
        fields["hash"] = audit.event_hash(**fields, payload_is_canonical=True)
        rw = hot.raw(db)
        insert, params = hot.INSERT_EVENT, fields | {"effective_date": rw.date(effective)}
        gate: dict[str, Any] | None = None
        if records is not None and kind in STAGE_KINDS:
            # The records are as the change leaves them: its next gate is known before
            # it is written, and stored with its event (one statement on PostgreSQL).
            assert town.id is not None
            moved = to_stage != from_stage
            after = TownRow(
                town.id,
                town.name,
                town.district_id,
                to_stage,
                effective if moved else town.stage_since,
                expected_version + 1,
                fields["hash"],
                now,
                self.actor_name,
            )
            gate = self._gate_state(rw, after, records)
            if rw.sqlite:
                rw.run(hot.PUT_GATE_STATE, gate)
            else:
                insert, params = hot.with_gate_state(insert), params | gate
        inserted = rw.one(insert, params)
        assert inserted is not None
        try:
            apply(TableSink(rw), recorded(int(inserted[0]), fields, _as_read(payload)))  # as replay reads it
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
        if gate is None:
            self._keep_gate_state(rw, town)
        return EventRecord(id=int(inserted[0]), **fields)

    def _keep_gate_state(self, rw: hot.Raw, town: Town) -> None:
        """The township's next gate as this change leaves it, stored in the change's
        own transaction (the lists filter on it; see ``GateState``)."""
        rw.run(hot.PUT_GATE_STATE, self._gate_state(rw, town))

    def _gate_state(self, rw: hot.Raw, town: Town, records: Records | None = None) -> dict[str, Any]:
        """The parameters of ``PUT_GATE_STATE``: the township's next gate as ``town``
        (its stage and version) and its records (``records``, or read now) leave it."""
        g = self.gate_summary(rw, town, records=records)
        return {
            "tid": town.id,
            "version": town.version,
            "final": g.final,
            "failing": g.failing,
            "waived": g.waived,
            "until": rw.date(g.valid_until) if g.valid_until else None,
        }

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
        from sqlmodel import col, select

        from workflow.store.tables import Event, Township

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
        from sqlmodel import col, select

        from workflow.store.tables import SYSTEM_CHAIN, Event

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

    def _load_for_change(
        self, db: Db, ref: str, action: Action, expected_version: int | None
    ) -> tuple[TownRow, Definition, int]:
        """The township ``ref`` names, read for a change with the acting user's role in
        one round trip (a township named by id: the common case) and checked against
        what the user may do and the version they saw; and its definition."""
        raw = hot.raw(db)
        sql, ref = raw.for_change(), unicodedata.normalize("NFKC", ref).strip()
        row = raw.one(sql, {"id": int(ref), "actor": self.actor_name}) if ref.isdigit() else None
        if row is not None:
            town = self._witnessed(db, raw.town(row))
        else:  # by name (or an id that is none): found first, then read for the change
            found = self.find_township(db, ref)
            row = raw.one(sql, {"id": found.id, "actor": self.actor_name})
            if row is None:
                raise BadInput(tr("未找到乡镇「{t}」", "no township named '{t}'", t=ref))
            town = raw.town(row)
        if row[9] is None:
            raise self._unknown_user()
        actor = Actor(self.actor_name, str(row[9]), frozenset({town.id}) if row[10] else frozenset())
        self._require(actor, action, town)
        expected = town.version if expected_version is None else expected_version
        if expected != town.version:
            raise self._conflict(town, expected)
        return town, self.definition_for(db, town), expected

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
    reason = clean_note(reason, Text("理由", "reason"))
    if not reason:
        raise BadInput(tr("必须写明理由", "a reason is required"))
    return reason


_FLAT = (str, int, bool, type(None))


def _read_alike(value: Any) -> bool:
    """A roster's rows (replay reads their arrays, which :class:`RowTable` stands for),
    or a list of strings (its columns)."""
    return isinstance(value, RowTable) or (type(value) is list and all(type(v) is str for v in value))


def _as_read(payload: Mapping[str, Any]) -> dict[str, Any] | None:
    """The payload as replay will parse it from the stored text, without parsing it
    again where that is the payload itself (every value a string, a whole number, a
    truth value or null; a roster's columns and its rows, see :func:`_read_alike`);
    None (parse the text) otherwise."""
    if all(type(v) in _FLAT or _read_alike(v) for v in payload.values()):
        return dict(payload)
    return None
