"""Evidence: documents attached to facts, listed, and written out.

Attaching copies the file into the documents store while hashing it (outside the
write lock: a 20 MB scan does not hold up the other offices), decides its media type
from the stored copy's content, then in one transaction allocates the attachment,
keeps the file under its hash (on PostgreSQL: its blob rows) and appends the
``attach`` event, whose ``apply`` sets the row. A transaction that fails after the
file was kept leaves a file that no event names: harmless, since files are found only
by their hash."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import os
import re
import tempfile
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

from workflow.app.base import ServiceBase, StepResult
from workflow.domain.definition import Definition
from workflow.domain.documents import media_type
from workflow.domain.text import clean_note, display_name, shorten
from workflow.errors import AuditFailure, BadInput, NotPermitted
from workflow.i18n import Text, tr
from workflow.ledger.events import Attached as AttachedRow
from workflow.ledger.events import attached_row
from workflow.store import sql as hot
from workflow.store.documents import DocumentStore, store_for
from workflow.store.sql import TownRow

ATTACHMENT_COLUMNS = (
    "id, township_id, fact, sha256, size, media_type, name, note, actor, recorded_at, supersedes, event_id"
)
GETTERS = ("auditor", "admin")
"""Roles that may write out any document they may read (a coordinator: their own
townships' documents)."""
_ID = re.compile(r"#?(\d{1,12})")
_PREFIX = re.compile(r"[0-9a-f]{8,64}")


@dataclass(frozen=True, slots=True)
class AttachmentView(AttachedRow):
    """One attached document as a listing shows it: the row, and the attachment that
    supersedes it, if one does."""

    superseded_by: int | None = None

    def as_dict(self) -> dict[str, object]:
        return {
            "id": self.id,
            "fact": self.fact,
            "name": self.name,
            "size": self.size,
            "media_type": self.media_type,
            "sha256": self.sha256,
            "note": self.note,
            "by": self.actor,
            "at": self.recorded_at,
            "supersedes": self.supersedes,
            "superseded_by": self.superseded_by,
            "event_id": self.event_id,
        }


@dataclass(frozen=True, slots=True)
class EvidenceList:
    """A township's documents, and the facts that need one."""

    township_id: int
    township: str
    district: str
    definition: Definition
    attachments: list[AttachmentView]
    required: tuple[str, ...]
    """Facts some check of the district's definition needs a document for."""

    def of(self, fact: str) -> list[AttachmentView]:
        return [a for a in self.attachments if a.fact == fact]

    def facts(self) -> list[str]:
        """The facts to show: those with documents and those that need one, in the
        definition's order."""
        wanted = set(self.required) | {a.fact for a in self.attachments}
        ordered = [f for s in self.definition.stages for f in s.facts if f in wanted]
        return ordered + sorted(wanted - set(ordered))


@dataclass(frozen=True, slots=True)
class Attached:
    """What an attach did."""

    step: StepResult
    attachment: AttachmentView
    stored_in: str


def attachment_view(r: Sequence[Any]) -> AttachmentView:
    return AttachmentView(*dataclasses.astuple(attached_row(r)))


def with_successors(rows: list[AttachmentView]) -> list[AttachmentView]:
    """Each attachment with the one that superseded it, if any."""
    later = {a.supersedes: a.id for a in rows if a.supersedes is not None}
    return [replace(a, superseded_by=later.get(a.id)) for a in rows]


def attachments_of(db: hot.Db, township_ids: list[int]) -> list[AttachmentView]:
    """The attachments of these townships, oldest first."""
    if not township_ids:
        return []
    marks = ", ".join(f":t{i}" for i in range(len(township_ids)))
    rows = hot.raw(db).all(
        f"SELECT {ATTACHMENT_COLUMNS} FROM attachment WHERE township_id IN ({marks}) ORDER BY id",
        {f"t{i}": t for i, t in enumerate(township_ids)},
    )
    return with_successors([attachment_view(r) for r in rows])


def documents_store(db: hot.Db) -> DocumentStore:
    store = store_for(hot.raw(db))
    if store is None:
        raise BadInput(
            tr(
                "内存中的数据库没有文件库：请用数据库文件",
                "a database in memory has no documents store: use a database file",
            )
        )
    return store


class Evidence(ServiceBase):
    """Documents attached to facts: attach, list, write out."""

    __slots__ = ()

    def attach(
        self,
        ref: str,
        fact: str,
        path: Path,
        note: str = "",
        supersedes: str | None = None,
        expected_version: int | None = None,
    ) -> Attached:
        """Attach the file at ``path`` to ``fact`` of a township (its coordinator, a
        reviewer or an admin). Never replaces: ``supersedes`` (an attachment's id or
        its hash) names the attachment a corrected document takes the place of."""
        self.ensure_schema()
        note = clean_note(note, Text("说明", "note"))
        shown = shorten(str(path), 80)
        name = display_name(path.name if path.name else str(path))
        with hot.read(self.engine) as db:  # refuse early, before copying anything
            town = self.find_township(db, ref)
            self._require(self.actor(db), "change", town)
            d = self.definition_for(db, town)
            self._fact_of(d, fact)
            store = documents_store(db)
        staged = store.stage(path, d.max_document_bytes, shown)
        try:
            kind = media_type(staged.path, shown)
            with self._write() as session:
                town, d, expected = self._load_for_change(session, ref, "change", expected_version)
                self._fact_of(d, fact)
                raw = hot.raw(session)
                earlier = self._superseded(raw, town, fact, supersedes)
                same = raw.one(
                    "SELECT id FROM attachment WHERE township_id = :tid AND fact = :fact AND sha256 = :sha",
                    {"tid": town.id, "fact": fact, "sha": staged.sha256},
                )
                if same is not None:
                    raise BadInput(
                        tr(
                            "「{t}」的「{f}」已附加过同一文件（附件 #{i}）",
                            "the same file is already attached to {f} of '{t}' (attachment #{i})",
                            t=town.name,
                            f=fact,
                            i=same[0],
                        )
                    )
                now = self.clock()
                row = raw.one(
                    "INSERT INTO attachment (township_id, fact, sha256, size, media_type, name, note, actor, "
                    "recorded_at, event_id) VALUES (:tid, :fact, :sha, :size, :media, :name, :note, :actor, "
                    ":at, 0) RETURNING id",
                    {
                        "tid": town.id,
                        "fact": fact,
                        "sha": staged.sha256,
                        "size": staged.size,
                        "media": kind,
                        "name": name,
                        "note": note,
                        "actor": self.actor_name,
                        "at": now,
                    },
                )
                assert row is not None
                aid = int(row[0])
                store.keep(staged, raw)
                payload = {
                    "attachment": aid,
                    "fact": fact,
                    "sha256": staged.sha256,
                    "size": staged.size,
                    "media_type": kind,
                    "name": name,
                    "supersedes": earlier,
                }
                ev = self._append(session, town, "attach", town.stage, self.today(), note, payload, expected)
                view = AttachmentView(
                    aid,
                    int(town.id),
                    fact,
                    staged.sha256,
                    staged.size,
                    kind,
                    name,
                    note,
                    self.actor_name,
                    ev.recorded_at,
                    earlier,
                    ev.id,
                )
                step = StepResult(town.name, "attach", town.stage, town.stage, ev)
        finally:
            store.discard(staged)
        return Attached(step, view, store.where)

    @staticmethod
    def _fact_of(d: Definition, fact: str) -> None:
        if fact not in d.facts:
            raise BadInput(
                tr(
                    "未知事实「{f}」，应为：{o}",
                    "unknown fact '{f}', expected one of: {o}",
                    f=shorten(fact),
                    o=", ".join(d.facts),
                )
            )

    @staticmethod
    def _superseded(raw: hot.Raw, town: TownRow, fact: str, ref: str | None) -> int | None:
        """The attachment ``ref`` (an id, or a hash or its first 8+ hex digits) of the
        same township and fact, not yet superseded; None for no ``ref``."""
        if ref is None or not ref.strip():
            return None
        value = ref.strip().lower()
        rows = [
            attachment_view(r)
            for r in raw.all(
                f"SELECT {ATTACHMENT_COLUMNS} FROM attachment WHERE township_id = :tid ORDER BY id",
                {"tid": town.id},
            )
        ]
        if m := _ID.fullmatch(value):
            hits = [a for a in rows if a.id == int(m.group(1))]
        elif _PREFIX.fullmatch(value):
            hits = [a for a in rows if a.sha256.startswith(value)]
        else:
            raise BadInput(
                tr(
                    "--supersedes「{v}」应为附件编号或其 sha256（至少前8位）",
                    "--supersedes '{v}' must be an attachment id or its sha256 (at least its first 8 digits)",
                    v=shorten(ref),
                )
            )
        if not hits:
            raise BadInput(
                tr("「{t}」没有附件「{v}」", "'{t}' has no attachment '{v}'", t=town.name, v=shorten(ref))
            )
        if len(hits) > 1:
            raise BadInput(
                tr(
                    "「{v}」不唯一：附件 {i}",
                    "'{v}' is ambiguous: attachments {i}",
                    v=shorten(ref),
                    i=", ".join(f"#{a.id}" for a in hits),
                )
            )
        old = hits[0]
        if old.fact != fact:
            raise BadInput(
                tr(
                    "附件 #{i} 属于「{g}」，不是「{f}」：只能替代同一事实的附件",
                    "attachment #{i} belongs to {g}, not {f}: only an attachment of the same fact can be superseded",
                    i=old.id,
                    g=old.fact,
                    f=fact,
                )
            )
        later = next((a for a in rows if a.supersedes == old.id), None)
        if later is not None:
            raise BadInput(
                tr(
                    "附件 #{i} 已被 #{j} 替代",
                    "attachment #{i} is already superseded by #{j}",
                    i=old.id,
                    j=later.id,
                )
            )
        return old.id

    def evidence(self, ref: str) -> EvidenceList:
        """A township's documents (anyone who may read the township)."""
        self.ensure_schema()
        with hot.read(self.engine) as db:
            town = self.find_township(db, ref)
            self.scope(db).require(town.district_id, town.name)
            d = self.definition_for(db, town)
            district = hot.raw(db).one("SELECT name FROM district WHERE id = :id", {"id": town.district_id})
            rows = attachments_of(db, [town.id])
        return EvidenceList(
            town.id, town.name, str(district[0]) if district else "", d, rows, d.evidence_facts()
        )

    def get_document(self, ref: str, out: Path) -> AttachmentView:
        """Write the document ``ref`` (its sha256, its first 8+ hex digits, or an
        attachment id) to ``out``, checking its hash on the way; never over an existing
        file. Auditors and admins, or a coordinator of the document's township."""
        self.ensure_schema()
        value = ref.strip().lower()
        if not (_PREFIX.fullmatch(value) or _ID.fullmatch(value)):
            raise BadInput(
                tr(
                    "「{v}」应为文件的 sha256（至少前8位）或附件编号",
                    "'{v}' must be a document's sha256 (at least its first 8 digits) or an attachment id",
                    v=shorten(ref),
                )
            )
        if out.exists():
            raise BadInput(tr("文件已存在：{p}", "file exists: {p}", p=out))
        parent = out.parent if str(out.parent) else Path(".")
        if not parent.is_dir():
            raise BadInput(tr("目录不存在：{p}", "folder does not exist: {p}", p=parent))
        with hot.read(self.engine) as db:
            actor = self.actor(db)
            raw = hot.raw(db)
            if m := _ID.fullmatch(value):
                rows = raw.all(
                    f"SELECT {ATTACHMENT_COLUMNS} FROM attachment WHERE id = :id", {"id": int(m.group(1))}
                )
            else:
                rows = raw.all(
                    f"SELECT {ATTACHMENT_COLUMNS} FROM attachment WHERE sha256 LIKE :p ORDER BY id",
                    {"p": value + "%"},
                )
            found = [attachment_view(r) for r in rows]
            if not found:
                raise BadInput(tr("没有文件「{v}」", "no document '{v}'", v=shorten(ref)))
            if len({a.sha256 for a in found}) > 1:
                raise BadInput(
                    tr(
                        "「{v}」不唯一，请写出更多位：{h}",
                        "'{v}' is ambiguous, give more digits: {h}",
                        v=shorten(ref),
                        h=", ".join(sorted({a.sha256[:16] for a in found})),
                    )
                )
            scope = self.scope(db)
            mine = [
                a
                for a in found
                if scope.sees_district(self._district_of(raw, a.township_id))
                and (
                    actor.role in GETTERS
                    or (actor.role == "coordinator" and a.township_id in actor.townships)
                )
            ]
            if not mine:
                raise NotPermitted(
                    tr(
                        "{u}无权取出该文件（审计员、管理员，或该乡镇的协调员）",
                        "{u} may not write out this document (auditors, admins, or the township's coordinator)",
                        u=self.actor_name,
                    )
                )
            doc = mine[0]
            blocks = documents_store(db).chunks(doc.sha256, raw)
            if blocks is None:
                raise AuditFailure(
                    tr(
                        "文件库中缺少文件 {h}（「{n}」）：请运行 workflow audit verify",
                        "the documents store has no file {h} ('{n}'): run workflow audit verify",
                        h=doc.sha256,
                        n=doc.name,
                    )
                )
            _write_checked(blocks, out, doc)
        return doc

    @staticmethod
    def _district_of(raw: hot.Raw, township_id: int) -> int:
        row = raw.one("SELECT district_id FROM township WHERE id = :id", {"id": township_id})
        return int(row[0]) if row else -1


def _write_checked(blocks: Iterable[bytes], out: Path, doc: AttachmentView) -> None:
    """Write ``blocks`` to a temporary file beside ``out``, check the hash, and rename
    it into place (never over an existing file)."""
    digest = hashlib.sha256()
    fd, name = tempfile.mkstemp(prefix=".workflow-", dir=out.parent if str(out.parent) else ".")
    try:
        with os.fdopen(fd, "wb") as f:
            for block in blocks:
                digest.update(block)
                f.write(block)
            f.flush()
            os.fsync(f.fileno())
        if digest.hexdigest() != doc.sha256:
            raise AuditFailure(
                tr(
                    "文件库中的 {h}（「{n}」）已被改动：内容的 sha256 为 {g}；未写出",
                    "the stored {h} ('{n}') was altered: its content has sha256 {g}; not written out",
                    h=doc.sha256,
                    n=doc.name,
                    g=digest.hexdigest(),
                )
            )
        try:
            os.link(name, out)  # fails rather than replace a file that appeared meanwhile
        except FileExistsError:
            raise
        except OSError:  # a file system without hard links
            if out.exists():
                raise FileExistsError(out) from None
            os.replace(name, out)
    except FileExistsError:
        raise BadInput(tr("文件已存在：{p}", "file exists: {p}", p=out)) from None
    finally:
        Path(name).unlink(missing_ok=True)


def shown_when(recorded_at: str) -> str:
    """A recorded time as a listing shows it (UTC, to the minute)."""
    try:
        return dt.datetime.fromisoformat(recorded_at.replace("Z", "+00:00")).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return recorded_at
