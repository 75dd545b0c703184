"""Signed checkpoints: anchors of the audit log outside the database.

An auditor's Ed25519 key pair (``cryptography``; the private key in their own config
directory, mode 0600; the public key and its fingerprint recorded on the system chain)
signs a checkpoint: every chain's (seq, head hash), a root hash over them, the
database's id, the time and the signer's public key. Like a signed tree head of
Certificate Transparency (RFC 9162), it is a small statement anyone can keep and later
check: every chain must still extend it. Because an event's hash covers the previous
event's hash, the head hash at seq N commits to every event up to N: recomputing the
chain from the stored events and finding that hash again proves none of them was
rewritten, reordered, cut off or deleted, even by someone who recomputed every hash."""

from __future__ import annotations

import base64
import datetime as dt
import hashlib
import json
import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.errors import AuditFailure, BadInput, NotPermitted
from workflow.i18n import Text, tr
from workflow.ledger import chain as audit
from workflow.ledger.signed import (
    FORMAT,
    canonical,
    check_signature,
    fingerprint,
    root_of,
    trusted_fingerprints,
    untrusted,
    well_formed,
)
from workflow.store import sql as hot
from workflow.store.meta import database_id
from workflow.store.tables import SYSTEM_CHAIN

if TYPE_CHECKING:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

    from workflow.app.service import Service
    from workflow.store.connect import Database

CONFIG_DIR_ENV = "WORKFLOW_CONFIG_DIR"
KEY_EVENT = "audit_key"
SIGNERS = ("auditor", "admin")

EVENT_COLUMNS = ", ".join((*hot.HASHED_FIELDS, "hash"))


def config_dir() -> Path:
    """The acting person's own config directory (``WORKFLOW_CONFIG_DIR`` overrides)."""
    override = os.environ.get(CONFIG_DIR_ENV)
    if override:
        return Path(override).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("workflow", appauthor=False))


def key_path(user: str) -> Path:
    """Where ``user``'s private signing key lives on this machine."""
    tag = hashlib.sha256(user.encode("utf-8")).hexdigest()[:16]
    return config_dir() / "keys" / f"audit-{tag}.pem"


def public_bytes(key: Ed25519PublicKey) -> bytes:
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return key.public_bytes(Encoding.Raw, PublicFormat.Raw)


def encode_key(key: Ed25519PublicKey) -> str:
    return base64.b64encode(public_bytes(key)).decode("ascii")


# ---------------------------------------------------------------- keys


def _signer(svc: Service) -> str:
    """The acting user, who must be an auditor or an admin."""
    from workflow.store.db import read_session

    svc.ensure_schema()
    with read_session(svc.engine) as session:
        actor = svc.actor(session)
    if actor.role not in SIGNERS:
        raise NotPermitted(
            tr(
                "{u}无权签署审计检查点（仅审计员和管理员）",
                "{u} may not sign audit checkpoints (auditors and admins only)",
                u=actor.name,
            )
        )
    return actor.name


def load_private_key(user: str) -> Ed25519PrivateKey | None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import load_pem_private_key

    path = key_path(user)
    try:
        data = path.read_bytes()
        mode = path.stat().st_mode
    except FileNotFoundError:
        return None
    except OSError as e:
        raise BadInput(
            tr("无法读取签名私钥 {p}：{e}", "cannot read the signing key {p}: {e}", p=path, e=e.strerror)
        ) from e
    if os.name == "posix" and mode & 0o077:
        raise BadInput(
            tr(
                "签名私钥 {p} 可被他人读取：请运行 chmod 600 {p}",
                "the signing key {p} is readable by others: run 'chmod 600 {p}'",
                p=path,
            )
        )
    try:
        key = load_pem_private_key(data, password=None)
    except (ValueError, TypeError) as e:
        raise BadInput(tr("签名私钥 {p} 无效", "the signing key {p} is not a valid key", p=path)) from e
    if not isinstance(key, Ed25519PrivateKey):
        raise BadInput(
            tr("签名私钥 {p} 不是 Ed25519 密钥", "the signing key {p} is not an Ed25519 key", p=path)
        )
    return key


@dataclass(frozen=True, slots=True)
class KeyInfo:
    path: Path
    public_key: str
    fingerprint: str
    new_file: bool
    newly_recorded: bool


def create_key(svc: Service) -> KeyInfo:
    """The acting auditor's key pair: made (or, if this machine has one, reused) and its
    public key recorded on the system chain of this database."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat

    user = _signer(svc)
    path = key_path(user)
    key = load_private_key(user)
    new_file = key is None
    if key is None:
        key = Ed25519PrivateKey.generate()
        pem = key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(pem)
        os.chmod(path, 0o600)
    public = encode_key(key.public_key())
    fp = fingerprint(public)
    with svc._write() as session:
        known = fp in recorded_keys(session).get(user, set())
        if not known:
            svc._system_event(
                session,
                KEY_EVENT,
                "",
                {"user": user, "algorithm": "Ed25519", "public_key": public, "fingerprint": fp},
            )
    return KeyInfo(path, public, fp, new_file, not known)


def recorded_keys(db: hot.Db) -> dict[str, set[str]]:
    """User -> fingerprints of the public keys recorded on the system chain."""
    out: dict[str, set[str]] = {}
    for (payload,) in hot.raw(db).all(
        "SELECT payload FROM event WHERE chain = :c AND kind = :k ORDER BY seq",
        {"c": SYSTEM_CHAIN, "k": KEY_EVENT},
    ):
        data = json.loads(payload)
        out.setdefault(str(data.get("user")), set()).add(str(data.get("fingerprint")))
    return out


# ---------------------------------------------------------------- making a checkpoint


def heads(db: hot.Db) -> list[tuple[str, int, str]]:
    """Every chain's last event: (chain, seq, hash)."""
    rows = hot.raw(db).all(
        "SELECT e.chain, e.seq, e.hash FROM event e JOIN "
        "(SELECT chain, max(seq) AS top FROM event GROUP BY chain) h ON h.chain = e.chain AND h.top = e.seq",
        {},
    )
    return sorted((str(c), int(s), str(h)) for c, s, h in rows)


def make(svc: Service, now: dt.datetime | None = None) -> dict[str, Any]:
    """A signed checkpoint of every chain, after checking that the log verifies."""
    user = _signer(svc)
    key = load_private_key(user)
    if key is None:
        raise BadInput(
            tr(
                "{u}在本机还没有签名密钥：请先运行 workflow audit key create",
                "{u} has no signing key on this machine: run 'workflow audit key create' first",
                u=user,
            )
        )
    public = encode_key(key.public_key())
    report = svc.verify()
    if not report.ok:
        raise AuditFailure(
            Text(
                "审计日志校验失败，不签署检查点：\n" + "\n".join(p.text.zh for p in report.problems),
                "the audit log does not verify; no checkpoint signed:\n"
                + "\n".join(p.text.en for p in report.problems),
            )
        )
    with hot.read(svc.engine) as db:
        if fingerprint(public) not in recorded_keys(db).get(user, set()):
            raise BadInput(
                tr(
                    "{u}的公钥尚未记录在本数据库：请先运行 workflow audit key create",
                    "{u}'s public key is not recorded in this database: run 'workflow audit key create' first",
                    u=user,
                )
            )
        chains = heads(db)
        dbid = database_id(db) or ""
        names = {
            str(i): f"{d}/{n}"
            for i, n, d in hot.raw(db).all(
                "SELECT t.id, t.name, d.name FROM township t JOIN district d ON d.id = t.district_id", {}
            )
        }
    body: dict[str, Any] = {
        "format": FORMAT,
        "database_id": dbid,
        "created_at": (now or dt.datetime.now(dt.UTC)).isoformat(timespec="seconds").replace("+00:00", "Z"),
        "signer": {"user": user, "public_key": public, "fingerprint": fingerprint(public)},
        "chains": [[c, s, h] for c, s, h in chains],
        "names": {c: names[c] for c, _s, _h in chains if c in names},
        "root": root_of(chains),
    }
    body["signature"] = base64.b64encode(key.sign(canonical(body))).decode("ascii")
    return body


# ---------------------------------------------------------------- checking one


@dataclass(frozen=True, slots=True)
class CheckpointReport:
    """What ``audit verify --checkpoint`` found."""

    created_at: str
    signer: str
    chains: int
    trusted_by: Text
    problems: list[Text]


def _bad_file(path: Path, what: str) -> BadInput:
    return BadInput(
        tr("{p}：不是有效的检查点文件（{w}）", "{p}: not a valid checkpoint file ({w})", p=path, w=what)
    )


def read_file(path: Path) -> dict[str, Any]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as e:
        raise BadInput(tr("无法读取 {p}：{e}", "cannot read {p}: {e}", p=path, e=e.strerror)) from e
    except (ValueError, UnicodeDecodeError) as e:
        raise _bad_file(path, "JSON") from e
    if not well_formed(data):
        raise _bad_file(path, f"format {FORMAT}")
    return data  # type: ignore[no-any-return]


def verify(svc: Service, path: Path, trust: Sequence[str]) -> CheckpointReport:
    """Check the checkpoint's signature and trust, then that every chain still extends
    it; a bad signature or an untrusted key raises :class:`AuditFailure`."""
    data = read_file(path)
    trusted = trusted_fingerprints(trust)
    signer = data["signer"]
    fp, chains = check_signature(data, path)
    svc.ensure_schema()
    with hot.read(svc.engine) as db:
        svc.reader(db)
        if trusted:
            if fp not in trusted:
                raise untrusted(path, fp)
            trusted_by = tr("由 --trust 给出的密钥", "a key given with --trust")
        else:
            mine = load_private_key(svc.actor_name)
            own = fingerprint(encode_key(mine.public_key())) if mine is not None else ""
            in_db = {f for fs in recorded_keys(db).values() for f in fs}
            if fp == own:
                trusted_by = tr("本机上你自己的密钥", "your own key on this machine")
            elif fp in in_db:
                trusted_by = tr(
                    "数据库中记录的密钥（要独立于数据库核验，请用 --trust）",
                    "a key recorded in the database (use --trust for a check independent of the database)",
                )
            else:
                raise AuditFailure(
                    tr(
                        "{p}：签名密钥 {f} 不受信任：既不是本机的密钥，也未记录在数据库中；用 --trust 指定可信公钥",
                        "{p}: signed by key {f}, which is not trusted: neither this machine's key nor recorded in "
                        "the database; name trusted keys with --trust",
                        p=path,
                        f=fp,
                    )
                )
        problems: list[Text] = []
        dbid = database_id(db) or ""
        if data.get("database_id") != dbid:
            problems.append(
                tr(
                    "检查点属于数据库 {a}，而本数据库是 {b}：数据库被替换，或选错了检查点",
                    "the checkpoint is of database {a}, this database is {b}: the database was replaced, "
                    "or this is another database's checkpoint",
                    a=data.get("database_id"),
                    b=dbid,
                )
            )
    problems += _extends(svc.engine, chains, data.get("names") or {})
    return CheckpointReport(
        str(data.get("created_at", "")), str(signer.get("user", "")), len(chains), trusted_by, problems
    )


def _extends(engine: Database, chains: list[tuple[str, int, str]], names: dict[str, str]) -> list[Text]:
    """Every checkpointed chain, recomputed from its stored events: the event at the
    checkpoint's seq must still have the checkpoint's hash, and every event after it
    must link on."""
    want = {c: (s, h) for c, s, h in chains}
    problems: list[Text] = []
    seen: set[str] = set()
    current: str | None = None
    bucket: list[tuple[Any, ...]] = []

    def finish() -> None:
        if current is not None and current in want:
            seen.add(current)
            p = _check_chain(current, bucket, *want[current], names.get(current, ""))
            if p is not None:
                problems.append(p)

    from sqlalchemy import text

    with engine.connect() as conn:  # streamed: a chain in memory at a time
        rows = conn.execution_options(yield_per=5000).execute(
            text(f"SELECT {EVENT_COLUMNS} FROM event ORDER BY chain, id")
        )
        for row in rows:
            if row[0] != current:
                finish()
                current = str(row[0])
                bucket = []
            bucket.append(tuple(row))
    finish()
    for chain, (seq, head) in sorted(want.items()):
        if chain not in seen:
            problems.append(_named(chain, names.get(chain, ""), seq, head, "deleted", 0))
    return problems


def _named(chain: str, name: str, seq: int, head: str, what: str, at: int) -> Text:
    who_zh = f"「{name}」（链{chain}）" if name else f"链{chain}"
    who_en = f"'{name}' (chain {chain})" if name else f"chain {chain}"
    cp_zh, cp_en = (
        f"检查点记有{seq}个事件，链头 {head[:16]}…",
        f"the checkpoint has {seq} events, head {head[:16]}...",
    )
    texts = {
        "deleted": (
            f"{who_zh}：{cp_zh}；数据库中已没有这条链的任何事件：乡镇连同其事件被删除",
            f"{who_en}: {cp_en}; the database has no event of this chain: the township was deleted with its events",
        ),
        "truncated": (
            f"{who_zh}：{cp_zh}；数据库只有{at}个：末尾事件被删除（链被截断）",
            f"{who_en}: {cp_en}; the database has only {at}: events at the end were deleted (the chain was cut)",
        ),
        "rewritten": (
            f"{who_zh}：{cp_zh}；按存储的事件重算，第{seq}个事件的哈希已不同：第{seq}个及之前的事件被改写、调换或替换",
            f"{who_en}: {cp_en}; recomputed from the stored events, event {seq} now has another hash: "
            f"events at or before seq {seq} were rewritten, reordered or replaced",
        ),
        "edited": (
            f"{who_zh}：第{at}个事件的内容与其哈希不符：被修改",
            f"{who_en}: event {at} does not match its own hash: it was edited",
        ),
        "unlinked": (
            f"{who_zh}：第{at}个事件与前一事件的链接不符：检查点之后的事件被改写",
            f"{who_en}: event {at} does not link to the event before it: events after the checkpoint were rewritten",
        ),
        "order": (
            f"{who_zh}：第{at}个位置的事件序号不符：事件被删除、插入或调换",
            f"{who_en}: the event in place {at} has the wrong seq: events were deleted, inserted or reordered",
        ),
    }
    zh, en = texts[what]
    return Text(zh, en)


def _check_chain(chain: str, rows: list[tuple[Any, ...]], seq: int, head: str, name: str) -> Text | None:
    """One chain's stored events (in id order) against its checkpointed head."""
    prev = audit.GENESIS
    for place, row in enumerate(rows, start=1):
        fields = dict(zip((*hot.HASHED_FIELDS, "hash"), row, strict=True))
        stored = str(fields.pop("hash"))
        if int(fields["seq"]) != place or str(fields["prev_hash"]) != prev:
            if place <= seq:
                return _named(chain, name, seq, head, "rewritten", place)
            kind = "order" if int(fields["seq"]) != place else "unlinked"
            return _named(chain, name, seq, head, kind, place)
        recomputed = audit.event_hash(**fields)
        if place == seq and recomputed != head:
            return _named(chain, name, seq, head, "rewritten", place)
        if recomputed != stored:
            return _named(chain, name, seq, head, "edited" if place > seq else "rewritten", place)
        prev = recomputed
    if len(rows) < seq:
        return _named(chain, name, seq, head, "truncated", len(rows))
    return None


def write(body: dict[str, Any], out: Path) -> None:
    """The checkpoint as a file (never over an existing one)."""
    if out.exists():
        raise BadInput(tr("文件已存在：{p}", "file exists: {p}", p=out))
    if not out.parent.exists():
        raise BadInput(tr("目录不存在：{p}", "folder does not exist: {p}", p=out.parent))
    out.write_text(json.dumps(body, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
