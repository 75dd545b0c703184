"""The audit log, the report, the schema, backup and restore."""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.app.base import (
    ServiceBase,
)
from workflow.app.reads import Bulk, GateSummary, gate_rosters
from workflow.app.scoped import redact_events, redact_report, require_report_scope
from workflow.errors import BadInput, NotPermitted, Unavailable
from workflow.i18n import Text, tr
from workflow.ledger import chain as audit
from workflow.store import sql as hot
from workflow.store.db import read_session
from workflow.store.sql import TownRow

if TYPE_CHECKING:
    from workflow.ledger import replay
    from workflow.store.tables import Event


class Maintenance(ServiceBase):
    """The audit log, the report, the schema, backup and restore."""

    __slots__ = ()

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
        self.store_gate_states()
        return before, HEAD

    def store_gate_states(self, chunk: int = 2000) -> int:
        """Every township's next gate evaluated and stored (``db upgrade``: the lists
        then filter by state on the stored column from the start), a transaction per
        ``chunk`` townships so that other writers wait only briefly. Returns how many."""
        with hot.read(self.engine) as db:
            ids = [int(r[0]) for r in db.all("SELECT id FROM township ORDER BY id", {})]
        for i in range(0, len(ids), chunk):
            with hot.write(self.engine) as db:
                for row in db.all(
                    f"SELECT {hot.TOWN_COLUMNS} FROM township WHERE id >= :lo AND id <= :hi ORDER BY id",
                    {"lo": ids[i], "hi": ids[min(i + chunk, len(ids)) - 1]},
                ):
                    self._keep_gate_state(db, db.town(row))
        return len(ids)

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
        from workflow.errors import AuditFailure
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

    def history(self, ref: str) -> tuple[TownRow, list[Event], audit.Problem | None]:
        """Every event of the township, oldest first, and the chain's verification."""
        from sqlmodel import col, select

        from workflow.store.tables import Event

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

    def verify(self, ref: str | None = None) -> replay.VerifyReport:
        from workflow.ledger import replay

        self.ensure_schema()
        with read_session(self.engine) as session:
            self.reader(session)
            ids = None
            if ref is not None:
                town = self.find_township(session, ref)
                assert town.id is not None
                ids = [town.id]
            db = hot.raw(session)
            report = replay.verify(db, ids)
            gates = self._gate_state_differences(db, ids)
            if not gates:
                return report
            return dataclasses.replace(report, differences=[*report.differences, *gates])

    def _gate_state_differences(self, db: hot.Raw, ids: list[int] | None) -> list[replay.Difference]:
        """Each stored gate state that claims to hold (at the township's version, not
        past its day) and is not what the township's rows give: the lists would show
        a state the records do not support (the rows themselves are compared with the
        log by replay, so this is the last link)."""
        from workflow.ledger import replay

        today = db.date(self.today())
        rows = db.all(
            f"SELECT {', '.join('t.' + c.strip() for c in hot.TOWN_COLUMNS.split(','))}, "
            "g.final, g.failing, g.waived FROM gatestate g JOIN township t ON t.id = g.township_id "
            "WHERE g.version = t.version AND (g.valid_until IS NULL OR g.valid_until > :today) ORDER BY t.id",
            {"today": today},
        )
        wanted = None if ids is None else set(ids)
        out: list[replay.Difference] = []
        # every township has a state at its version or expired (the lists look for stale
        # states only by the index on valid_until): a missing or outdated one is named
        expired = db.date(hot.GATE_EXPIRED)
        for tid, name, version, stored_version in db.all(
            "SELECT t.id, t.name, t.version, g.version FROM township t "
            "LEFT JOIN gatestate g ON g.township_id = t.id "
            "WHERE g.township_id IS NULL OR (g.version <> t.version "
            "AND (g.valid_until IS NULL OR g.valid_until > :expired)) ORDER BY t.id",
            {"expired": expired},
        ):
            if wanted is None or int(tid) in wanted:
                out.append(
                    replay.Difference(
                        "gatestate",
                        str(name),
                        f"#{tid}",
                        "version",
                        replay.ABSENT if stored_version is None else json.dumps(int(stored_version)),
                        json.dumps(int(version)),
                        None,
                    )
                )
        towns = [(db.town(row[:9]), row[9:12]) for row in rows if wanted is None or int(row[0]) in wanted]
        for at in range(0, len(towns), hot.IN_CHUNK):  # records and rosters read a chunk at a time
            chunk = towns[at : at + hot.IN_CHUNK]
            defs = {town.id: self.definition_for(db, town) for town, _ in chunk}
            records = self._records_of(db, defs, redact=False, parse=False)
            bulk = Bulk(self._stored_rosters(db, {t.id: gate_rosters(defs[t.id], t.stage) for t, _ in chunk}))
            for town, state in chunk:
                g = self.gate_summary(db, town, defs[town.id], records[town.id], bulk)
                out += self._gate_differences(town, state, g)
        return out

    @staticmethod
    def _gate_differences(town: TownRow, state: Sequence[Any], g: GateSummary) -> list[replay.Difference]:
        """The fields of a stored gate state (final, failing, waived) that are not what
        the township's rows give."""
        from workflow.ledger import replay

        out: list[replay.Difference] = []
        for field, stored, implied in (
            ("final", bool(state[0]), g.final),
            ("failing", int(state[1]), g.failing),
            ("waived", int(state[2]), g.waived),
        ):
            if stored != implied:
                out.append(
                    replay.Difference(
                        "gatestate",
                        town.name,
                        f"#{town.id}",
                        field,
                        json.dumps(stored),
                        json.dumps(implied),
                        None,
                    )
                )
        return out

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
