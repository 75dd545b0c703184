"""Writing the audit bundle: what an auditor at the next level takes away on a USB
stick and checks with ``workflow audit verify-bundle`` (:mod:`workflow.ledger.bundle`)
on a machine with no database and no configuration.

The whole system chain goes in with the chosen townships' chains: its events commit
to one another by their hashes, so leaving any out would leave the rest unprovable
(it holds users, districts, townships and sign-ins; never a password, hash or
token)."""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import tempfile
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.app.evidence import attachments_of, documents_store
from workflow.domain.rosters import stored_lines
from workflow.errors import AuditFailure, BadInput, NotPermitted
from workflow.i18n import Lang, Text, tr
from workflow.ledger import bundle as fmt
from workflow.ledger.events import SYSTEM_CHAIN
from workflow.ledger.projection import roster_digest
from workflow.store import projection as tables
from workflow.store import sql as hot
from workflow.store.meta import database_id

if TYPE_CHECKING:
    from workflow.app.service import Service

MAKERS = ("auditor", "admin")
COLUMNS = tables.EVENT_COLUMNS.replace(" ", "").split(",")


@dataclass(frozen=True, slots=True)
class BundleSummary:
    path: Path
    townships: list[str]
    events: int
    documents: int
    bytes: int
    checkpoint: Text


def _chosen(
    svc: Service, db: hot.Raw, districts: Sequence[str], townships: Sequence[str]
) -> list[hot.TownRow]:
    """The townships of the districts named, and those named one by one."""
    if not districts and not townships:
        raise BadInput(
            tr(
                "请用 --district 或 --township 选择要打包的乡镇",
                "choose the townships to bundle with --district or --township",
            )
        )
    picked: dict[int, hot.TownRow] = {}
    for name in districts:
        row = db.one("SELECT id, name FROM district WHERE name = :n", {"n": name.strip()})
        if row is None:
            raise BadInput(tr("未找到区「{d}」", "no district named '{d}'", d=name))
        for r in db.all(
            f"SELECT {hot.TOWN_COLUMNS} FROM township WHERE district_id = :d ORDER BY id", {"d": row[0]}
        ):
            town = db.town(r)
            picked[town.id] = town
    for ref in townships:
        town = svc.find_township(db, ref)
        picked[town.id] = town
    scope = svc.scope(db)
    for town in picked.values():
        scope.require(town.district_id, town.name)
    return sorted(picked.values(), key=lambda t: t.id)


def make_bundle(
    svc: Service,
    out: Path,
    *,
    districts: Sequence[str] = (),
    townships: Sequence[str] = (),
    checkpoint: Path | None = None,
    lang: Lang = "en",
) -> BundleSummary:
    """Write the bundle of the chosen townships to ``out`` (never over an existing
    file; the file appears only when complete). Auditors and admins."""
    from workflow.app import checkpoints

    svc.ensure_schema()
    if out.exists():
        raise BadInput(tr("文件已存在：{p}", "file exists: {p}", p=out))
    folder = out.parent if str(out.parent) else Path(".")
    if not folder.is_dir():
        raise BadInput(tr("目录不存在：{p}", "folder does not exist: {p}", p=folder))
    cp_data = checkpoints.read_file(checkpoint) if checkpoint is not None else None
    with hot.read(svc.engine) as db:
        actor = svc.actor(db)
        if actor.role not in MAKERS:
            raise NotPermitted(
                tr(
                    "{u}无权制作审计包（仅审计员和管理员）",
                    "{u} may not make an audit bundle (auditors and admins only)",
                    u=actor.name,
                )
            )
        towns = _chosen(svc, db, districts, townships)
    if cp_data is None and checkpoints.load_private_key(actor.name) is not None:
        cp_data = checkpoints.make(svc)  # verifies the whole log first
    fd, temp = tempfile.mkstemp(prefix=".workflow-bundle-", suffix=".zip", dir=folder)
    os.close(fd)
    try:
        summary = _write(svc, Path(temp), towns, cp_data, lang)
        os.replace(temp, out)
    finally:
        Path(temp).unlink(missing_ok=True)
    return BundleSummary(out, *summary[:3], out.stat().st_size, summary[3])


def _write(
    svc: Service, temp: Path, towns: list[hot.TownRow], cp_data: dict[str, Any] | None, lang: Lang
) -> tuple[list[str], int, int, Text]:
    ids = [t.id for t in towns]
    now = svc.clock()
    with hot.read(svc.engine) as db, zipfile.ZipFile(temp, "w", zipfile.ZIP_DEFLATED) as z:
        district_names = {int(i): str(n) for i, n in db.all("SELECT id, name FROM district", {})}
        # events, chain by chain
        events = 0
        for chain in [SYSTEM_CHAIN, *(str(i) for i in ids)]:
            with z.open(fmt.events_member(chain), "w") as f:
                for row in tables.events(db, [chain]):
                    f.write(fmt.event_line(dict(zip(COLUMNS, row, strict=True))))
                    events += 1
        # the township states as the tables hold them
        attachments = attachments_of(db, ids)
        state = {str(t.id): _state(db, t, [a for a in attachments if a.township_id == t.id]) for t in towns}
        z.writestr(fmt.STATE, json.dumps(state, ensure_ascii=False, indent=1, sort_keys=True, default=str))
        # definitions
        district_ids = sorted({t.district_id for t in towns})
        definitions: dict[int, str] = {}
        for did in district_ids:
            pointer = db.one("SELECT sha256 FROM districtdefinition WHERE district_id = :d", {"d": did})
            if pointer is None:
                continue
            text = db.one("SELECT text FROM definitiontext WHERE sha256 = :s", {"s": pointer[0]})
            if text is not None:
                definitions[did] = str(pointer[0])
                z.writestr(fmt.definition_member(str(pointer[0])), str(text[0]).encode("utf-8"))
        # documents, each checked on the way
        store = documents_store(db) if attachments else None
        written: set[str] = set()
        for a in attachments:
            if a.sha256 in written or store is None:
                continue
            _copy_document(z, store, db, a.sha256, a.name, a.size)
            written.add(a.sha256)
        if cp_data is not None:
            z.writestr(fmt.CHECKPOINT, json.dumps(cp_data, ensure_ascii=False, indent=1) + "\n")
        manifest = {
            "format": fmt.FORMAT,
            "created_at": now,
            "created_by": svc.actor_name,
            "database_id": database_id(db) or "",
            "townships": [
                {
                    "id": t.id,
                    "name": t.name,
                    "district": district_names.get(t.district_id, ""),
                    "district_id": t.district_id,
                }
                for t in towns
            ],
            "districts": [
                {"id": did, "name": district_names.get(did, ""), "definition_sha256": definitions.get(did)}
                for did in district_ids
            ],
            "documents": len(written),
            "checkpoint": fmt.CHECKPOINT if cp_data is not None else None,
        }
        z.writestr(fmt.MANIFEST, json.dumps(manifest, ensure_ascii=False, indent=1, sort_keys=True))
        refs = [f"{district_names.get(t.district_id, '')}/{t.name}" for t in towns]
        for kind in ("html", "csv"):
            from workflow.app.exporters import export_timeline

            buffer = io.BytesIO()
            export_timeline(svc, kind, buffer, townships=refs, lang=lang)
            z.writestr(f"timeline.{kind}", buffer.getvalue())
        z.writestr(fmt.README, readme(manifest, refs))
    cp_text = (
        tr(
            "含签名检查点（{u}，{t}）",
            "signed checkpoint included ({u}, {t})",
            u=cp_data["signer"].get("user"),
            t=cp_data.get("created_at"),
        )
        if cp_data is not None
        else tr(
            "未含签名检查点：用 --checkpoint 加入一个，或先运行 workflow audit key create",
            "no signed checkpoint: add one with --checkpoint, or run workflow audit key create first",
        )
    )
    return refs, events, len(written), cp_text


def _state(db: hot.Raw, t: hot.TownRow, attachments: list[Any]) -> dict[str, Any]:
    """One township as the tables hold it (what the log's replay must give again)."""
    facts = {
        str(n): json.loads(d)
        for n, d in db.all("SELECT name, data FROM fact WHERE township_id = :t ORDER BY name", {"t": t.id})
    }
    # each roster as the digest of its stored lines (the rows are in the event that set it)
    rosters: dict[str, dict[str, Any]] = {}
    for kind, lines, payload in db.all(
        "SELECT r.kind, r.lines, e.payload FROM roster r LEFT JOIN event e ON e.id = r.event_id "
        "WHERE r.township_id = :t ORDER BY r.kind",
        {"t": t.id},
    ):
        d = roster_digest(stored_lines(str(kind), lines, payload))
        rosters[str(kind)] = {"sha256": d.sha256, "rows": d.count}
    waivers = {
        str(c): str(r)
        for c, r in db.all("SELECT check_id, reason FROM waiver WHERE township_id = :t", {"t": t.id})
    }
    return {
        "name": t.name,
        "district_id": t.district_id,
        "stage": t.stage,
        "stage_since": t.stage_since.isoformat() if isinstance(t.stage_since, dt.date) else t.stage_since,
        "version": t.version,
        "head_hash": t.head_hash,
        "facts": dict(sorted(facts.items())),
        "rosters": dict(sorted(rosters.items())),
        "waivers": dict(sorted(waivers.items())),
        "attachments": [
            {k: v for k, v in a.as_dict().items() if k not in ("superseded_by", "event_id", "by", "at")}
            | {"actor": a.actor, "recorded_at": a.recorded_at}
            for a in attachments
        ],
    }


def _copy_document(z: zipfile.ZipFile, store: Any, db: hot.Raw, sha: str, name: str, size: int) -> None:
    blocks = store.chunks(sha, db)
    if blocks is None:
        raise AuditFailure(
            tr(
                "文件库中缺少「{n}」（sha256 {h}）：不制作审计包；请运行 workflow audit verify",
                "the documents store has no '{n}' (sha256 {h}): no bundle made; run workflow audit verify",
                n=name,
                h=sha,
            )
        )
    digest = hashlib.sha256()
    with z.open(zipfile.ZipInfo(fmt.document_member(sha)), "w") as f:
        for block in blocks:
            digest.update(block)
            f.write(block)
    if digest.hexdigest() != sha:
        raise AuditFailure(
            tr(
                "文件库中的「{n}」已被改动（sha256 应为 {h}）：不制作审计包；请运行 workflow audit verify",
                "'{n}' in the documents store was altered (its sha256 should be {h}): no bundle made; "
                "run workflow audit verify",
                n=name,
                h=sha,
            )
        )


def readme(manifest: dict[str, Any], refs: list[str]) -> str:
    """The bundle's README: what is in it and how to check it, in Chinese and English."""
    towns = "、".join(refs)
    towns_en = ", ".join(refs)
    cp = manifest.get("checkpoint")
    return f"""审计包 / Audit bundle
=====================

数据库 {manifest["database_id"]}，{manifest["created_at"]} 由 {manifest["created_by"]} 制作。
乡镇：{towns}

包内文件
- events/system.jsonl、events/<乡镇编号>.jsonl：每行一个事件（规范 JSON），每个事件带有其内容的
  SHA-256 及前一事件的哈希，前后相连成链。
- state.json：制作时数据库中各乡镇的状态（阶段、事实、名册、豁免、附件）。
- documents/xx/yyyy…：附加在事实上的文件，以其内容的 SHA-256 命名。
- definitions/<sha256>.toml：各区所用的流程定义原文。
- checkpoint.json：{"审计员签名的检查点" if cp else "（本包未含签名检查点）"}。
- timeline.html、timeline.csv：各乡镇的阶段时间线，供阅读。

如何核验（不需要数据库，也不需要任何配置）
1. 在任一台电脑上安装 workflow（pip install workflow 所在的发行包）。
2. 运行：workflow audit verify-bundle 本文件.zip --trust sha256:<审计员公钥指纹>
   指纹应来自你自己保存的记录（例如审计员当面交给你的纸质记录），不要取自本包。
3. 退出码 0 表示通过：每条链的每个事件都与其哈希相符并前后相连；用程序自身的 apply 从头重放
   事件所得的各乡镇状态与 state.json 一致；每个文件都在且与日志中记载的 SHA-256 相符；流程定义
   原文未被改动；检查点签名有效，且每条链都延续检查点。
   退出码 6 表示未通过，输出会指明哪个文件、哪个乡镇、哪个事件、哪个事实或哪个文件有问题。
4. 要查看某个文件：按 state.json 中附件的 sha256，到 documents/ 下找到它，用任何阅读器打开。

Files in this bundle
- events/system.jsonl, events/<township id>.jsonl: one event a line (canonical JSON); each
  carries the SHA-256 of its content and the hash of the event before it, forming a chain.
- state.json: each township as the database held it when the bundle was made (stage,
  facts, rosters, waivers, attachments).
- documents/xx/yyyy...: the documents attached to facts, named by their content's SHA-256.
- definitions/<sha256>.toml: the process definition text each district runs on.
- checkpoint.json: {"a checkpoint signed by an auditor" if cp else "(this bundle has no signed checkpoint)"}.
- timeline.html, timeline.csv: each township's stages over time, to read.
Townships: {towns_en}

How to check it (no database and no configuration needed)
1. Install workflow on any computer.
2. Run: workflow audit verify-bundle THIS.zip --trust sha256:<the auditor's key fingerprint>
   Take the fingerprint from your own records (say, the paper the auditor handed you),
   never from this bundle.
3. Exit code 0 means it passed: every event of every chain matches its hash and links to
   the one before; replaying the events from nothing, with the program's own apply, gives
   the township states in state.json; every document is there and matches the SHA-256 the
   log records; the definition texts are unchanged; the checkpoint's signature is good and
   every chain extends it. Exit code 6 means it failed, and the output names the file,
   township, event, fact or document that is wrong.
4. To read a document: find its sha256 among the attachments in state.json and open
   documents/<first two digits>/<the rest> with any viewer.
"""
