"""Districts, townships and users: set-up by admins (each change an event on the system chain)."""

from __future__ import annotations

import datetime as dt
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.app import definitions
from workflow.app.actors import check_role
from workflow.app.base import (
    ServiceBase,
    _clean_name,
)
from workflow.errors import BadInput
from workflow.i18n import Text, tr
from workflow.store import sql as hot
from workflow.store.db import create_schema, read_session

if TYPE_CHECKING:
    from workflow.store.tables import District, Township, User


class Setup(ServiceBase):
    """Districts, townships and users: set-up by admins (each change an event on the system chain)."""

    __slots__ = ()

    def init(self, password_hash: str | None = None, demo: bool = False) -> bool:
        """Create the schema; the first user becomes admin (with ``password_hash``, an
        argon2id hash, when given; a demo database is marked so on the system chain).
        False if already done. A database at an older schema revision is refused, never
        migrated here: that is ``db upgrade``, for admins."""
        from sqlmodel import select

        from workflow.store.db import schema_revision
        from workflow.store.tables import User

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
        from sqlmodel import select

        from workflow.store.tables import District

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
        from sqlmodel import col, select

        from workflow.store.tables import Township

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
        from sqlmodel import select

        from workflow.store.tables import Township

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
        from sqlmodel import select

        from workflow.store.tables import User

        name = _clean_name(name, Text("用户名", "user name"))
        check_role(role)
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

    def townships(self, district: str | None = None) -> list[tuple[Township, str]]:
        from sqlmodel import col, select

        from workflow.store.tables import District, Township

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
        from sqlmodel import col, select

        from workflow.store.tables import District

        self.ensure_schema()
        with read_session(self.engine) as session:
            scope = self.scope(session)
            rows = session.exec(select(District).order_by(col(District.name)))
            return [d for d in rows if d.id is not None and scope.sees_district(d.id)]
