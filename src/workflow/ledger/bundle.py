"""The audit bundle, checked with no database and no configuration.

A bundle (``workflow audit bundle``) is a ZIP holding, for the townships chosen: every
event of their chains and of the system chain, one canonical JSON object a line; the
township states as the database held them; every document attached to them; the
process definition text of their districts; the latest signed checkpoint; the
timeline (HTML, CSV); and a README. :func:`verify_bundle` checks it on any machine:

1. each chain: every event's hash recomputed from its content, each linked to the one
   before it, the township's version and head matching its last event;
2. the township states: the events replayed from nothing with the very ``apply`` the
   database's write path uses, and every stage, fact, roster, waiver and attachment
   compared with the state the bundle states;
3. the documents: each one the log names is there and hashes to the SHA-256 its
   ``attach`` event carries (a swapped file of the same size too);
4. the definition texts: the ones the log records for the districts, unchanged;
5. the checkpoint: its Ed25519 signature, by a key given with ``--trust``; its
   database id; every chain in the bundle extends it.

Every problem is named: the file in the bundle, the township, the event, the fact, the
document."""

from __future__ import annotations

import hashlib
import json
import zipfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from workflow.errors import AuditFailure, BadInput
from workflow.i18n import Text, tr
from workflow.ledger.apply import UnknownKind, apply
from workflow.ledger.chain import Link, canonical_parsed, verify_chain
from workflow.ledger.events import SYSTEM_CHAIN, recorded
from workflow.ledger.projection import Projection
from workflow.ledger.signed import check_signature, trusted_fingerprints, untrusted, well_formed

FORMAT = "workflow-bundle/1"
MANIFEST = "manifest.json"
STATE = "state.json"
CHECKPOINT = "checkpoint.json"
README = "README.txt"
EVENT_KEYS = (
    "id",
    "chain",
    "seq",
    "township_id",
    "kind",
    "from_stage",
    "to_stage",
    "actor",
    "recorded_at",
    "effective_date",
    "note",
    "payload",
    "prev_hash",
    "hash",
)
MAX_MEMBERS = 200_000
MAX_TEXT = 512 * 1024 * 1024
"""Largest events file, state or definition read from a bundle."""
CHUNK = 1024 * 1024


def canonical_json(value: Any) -> bytes:
    return json.dumps(value, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def events_member(chain: str) -> str:
    return f"events/{chain}.jsonl"


def document_member(sha256: str) -> str:
    return f"documents/{sha256[:2]}/{sha256[2:]}"


def definition_member(sha256: str) -> str:
    return f"definitions/{sha256}.toml"


def event_line(fields: Mapping[str, Any]) -> bytes:
    """One event as a bundle line: its stored fields, the payload parsed, canonical."""
    out = {k: fields[k] for k in EVENT_KEYS}
    if isinstance(out["payload"], str):
        out["payload"] = json.loads(out["payload"] or "{}")
    effective = out["effective_date"]
    out["effective_date"] = effective if isinstance(effective, str) else effective.isoformat()
    return canonical_json(out) + b"\n"


def plain(value: Any) -> Any:
    """``value`` as JSON reads it back (dates as ISO text), for comparing."""
    return json.loads(json.dumps(value, ensure_ascii=False, default=str))


def projected_state(p: Projection, tid: int) -> dict[str, Any]:
    """What the log implies of one township: the part of the state a bundle states."""
    t = p.townships.get(tid)
    out: dict[str, Any] = plain(
        {
            "name": t.name if t else None,
            "district_id": t.district_id if t else None,
            "stage": t.stage if t else None,
            "stage_since": t.stage_since if t else None,
            "version": t.version if t else None,
            "head_hash": t.head_hash if t else None,
            "facts": {name: data for (town, name), (data, _e) in sorted(p.facts.items()) if town == tid},
            "rosters": {
                kind: {"sha256": d.sha256, "rows": d.count}
                for (town, kind), (d, _e) in sorted(p.rosters.items())
                if town == tid and d is not None
            },
            "waivers": {
                c: reason for (town, c), (reason, _a, _e) in sorted(p.waivers.items()) if town == tid
            },
            "attachments": [
                {
                    "id": a.id,
                    "fact": a.fact,
                    "sha256": a.sha256,
                    "size": a.size,
                    "media_type": a.media_type,
                    "name": a.name,
                    "note": a.note,
                    "actor": a.actor,
                    "recorded_at": a.recorded_at,
                    "supersedes": a.supersedes,
                }
                for _i, a in sorted(p.attachments.items())
                if a.township_id == tid
            ],
        }
    )
    return out


@dataclass(slots=True)
class BundleReport:
    """What ``audit verify-bundle`` found."""

    townships: list[str] = field(default_factory=list)
    chains: int = 0
    events: int = 0
    documents: int = 0
    checkpoint: Text | None = None
    """What the checkpoint proved, when the bundle has one that checks out."""
    problems: list[Text] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problems


class _Bundle:
    """A bundle ZIP read with caps (it comes from outside: nothing in it is trusted)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        try:
            self.zip = zipfile.ZipFile(path)
        except FileNotFoundError as e:
            raise BadInput(tr("文件不存在：{p}", "no such file: {p}", p=path)) from e
        except (zipfile.BadZipFile, OSError, ValueError) as e:
            raise BadInput(tr("{p}：不是审计包（ZIP）", "{p}: not an audit bundle (ZIP)", p=path)) from e
        infos = self.zip.infolist()
        if len(infos) > MAX_MEMBERS:
            raise BadInput(tr("{p}：成员过多（{n}）", "{p}: too many members ({n})", p=path, n=len(infos)))
        self.members = {i.filename: i for i in infos}

    def has(self, name: str) -> bool:
        return name in self.members

    def read(self, name: str, cap: int = MAX_TEXT) -> bytes:
        with self.zip.open(self.members[name]) as f:
            data = f.read(cap + 1)
        if len(data) > cap:
            raise AuditFailure(tr("{m}：过大", "{m}: too large", m=name))
        return data

    def json(self, name: str) -> Any:
        try:
            return json.loads(self.read(name).decode("utf-8"))
        except (ValueError, UnicodeDecodeError) as e:
            raise AuditFailure(tr("{m}：不是有效的 JSON", "{m}: not valid JSON", m=name)) from e

    def hash_of(self, name: str, cap: int) -> tuple[str, int]:
        """SHA-256 and size of a member, reading at most ``cap`` + 1 bytes."""
        digest = hashlib.sha256()
        size = 0
        with self.zip.open(self.members[name]) as f:
            while size <= cap and (block := f.read(min(CHUNK, cap + 1 - size))):
                digest.update(block)
                size += len(block)
        return digest.hexdigest(), size

    def open(self, name: str) -> IO[bytes]:
        return self.zip.open(self.members[name])


def _events(bundle: _Bundle, member: str, problems: list[Text]) -> Iterator[tuple[dict[str, Any], str]]:
    """Each event of an events file with its recomputed hash; a line that cannot be
    read is named."""
    for number, line in enumerate(bundle.read(member).splitlines(), start=1):
        if not line.strip():
            continue
        try:
            fields = json.loads(line.decode("utf-8"))
            if not isinstance(fields, dict) or set(fields) != set(EVENT_KEYS):
                raise ValueError("fields")
            computed = hashlib.sha256(canonical_parsed(fields, fields["payload"])).hexdigest()
        except (ValueError, UnicodeDecodeError, KeyError, TypeError):
            problems.append(
                tr(
                    "{m} 第{n}行：不是完整的事件",
                    "{m} line {n}: not a complete event",
                    m=member,
                    n=number,
                )
            )
            continue
        yield fields, computed


def verify_bundle(path: Path, trust: Sequence[str] = ()) -> BundleReport:
    """Check a bundle (see the module doc); every problem found is in the report."""
    trusted = trusted_fingerprints(trust)
    bundle = _Bundle(path)
    report = BundleReport()
    problems = report.problems
    if not bundle.has(MANIFEST):
        raise BadInput(
            tr("{p}：缺少 {m}，不是审计包", "{p}: no {m}: not an audit bundle", p=path, m=MANIFEST)
        )
    manifest = bundle.json(MANIFEST)
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BadInput(tr("{p}：不是 {f} 格式的审计包", "{p}: not a bundle of format {f}", p=path, f=FORMAT))
    state = bundle.json(STATE) if bundle.has(STATE) else None
    if not isinstance(state, dict):
        problems.append(tr("{m}：缺失或无效", "{m}: missing or invalid", m=STATE))
        state = {}
    towns: dict[int, dict[str, Any]] = {}
    for t in manifest.get("townships", []):
        towns[int(t["id"])] = t
    report.townships = [f"{t.get('district', '')}/{t.get('name', '')}" for t in towns.values()]

    # 1. chains
    every: list[tuple[dict[str, Any], str]] = []
    chains = [SYSTEM_CHAIN, *(str(tid) for tid in towns)]
    by_chain: dict[str, list[tuple[dict[str, Any], str]]] = {}
    for chain in chains:
        member = events_member(chain)
        if not bundle.has(member):
            problems.append(
                tr(
                    "{m}：缺失：这条链的事件不在包中",
                    "{m}: missing: this chain's events are not in the bundle",
                    m=member,
                )
            )
            continue
        events = list(_events(bundle, member, problems))
        by_chain[chain] = events
        every += events
        links = [
            Link(int(f["id"]), int(f["seq"]), str(f["hash"]), str(f["prev_hash"]), f["to_stage"], computed)
            for f, computed in events
        ]
        stated = state.get(chain, {}) if chain != SYSTEM_CHAIN else {}
        name = towns[int(chain)].get("name") if chain != SYSTEM_CHAIN else None
        problem = verify_chain(
            chain,
            links,
            int(stated["version"]) if "version" in stated else None,
            str(stated["stage"]) if "stage" in stated else None,
            str(stated.get("head_hash") or "") or None,
            digest=lambda link: str(link.computed),
            name=name,
        )
        if problem is not None:
            problems.append(Text(f"{member}：{problem.text.zh}", f"{member}: {problem.text.en}"))
        for f, _c in events:
            if str(f["chain"]) != chain:
                problems.append(
                    tr(
                        "{m}：事件#{i}属于链{c}",
                        "{m}: event #{i} belongs to chain {c}",
                        m=member,
                        i=f["id"],
                        c=f["chain"],
                    )
                )
    report.chains = len(by_chain)
    report.events = len(every)

    # 2. replay, compared with the stated township states
    p = Projection()
    for fields, _computed in sorted(every, key=lambda e: int(e[0]["id"])):
        try:
            apply(p, recorded(int(fields["id"]), fields, fields["payload"]))
        except UnknownKind:
            problems.append(
                tr(
                    "事件#{i}：未知的种类「{k}」",
                    "event #{i}: unknown kind '{k}'",
                    i=fields["id"],
                    k=fields["kind"],
                )
            )
        except (KeyError, ValueError, TypeError, AssertionError):
            problems.append(
                tr(
                    "事件#{i}（{k}）：内容不完整，无法重放",
                    "event #{i} ({k}): incomplete, cannot be replayed",
                    i=fields["id"],
                    k=fields["kind"],
                )
            )
    for tid, t in towns.items():
        implied = projected_state(p, tid)
        stated = plain(state.get(str(tid), {}))
        for key in sorted(set(implied) | set(stated)):
            if implied.get(key) != stated.get(key):
                problems.append(
                    tr(
                        "{m}：乡镇「{t}」的 {k} 与重放日志所得不符：包中为 {s}，日志推出 {i}",
                        "{m}: township '{t}', {k}: the bundle states {s}, replaying the log gives {i}",
                        m=STATE,
                        t=t.get("name", tid),
                        k=key,
                        s=_short(stated.get(key)),
                        i=_short(implied.get(key)),
                    )
                )

    # 3. documents
    for _aid, a in sorted(p.attachments.items()):
        if a.township_id not in towns:
            continue
        report.documents += 1
        member = document_member(a.sha256)
        who = tr(
            "乡镇「{t}」，{f}，文件「{n}」（附件#{i}）",
            "township '{t}', {f}, file '{n}' (attachment #{i})",
            t=towns[a.township_id].get("name", a.township_id),
            f=a.fact,
            n=a.name,
            i=a.id,
        )
        if not bundle.has(member):
            problems.append(
                Text(
                    f"{member}：缺失：{who.zh}（sha256 {a.sha256}）",
                    f"{member}: missing: {who.en} (sha256 {a.sha256})",
                )
            )
            continue
        got, size = bundle.hash_of(member, a.size)
        if got != a.sha256 or size != a.size:
            problems.append(
                Text(
                    f"{member}：{who.zh}已被改动或替换：内容的 sha256 为 {got}，日志记载为 {a.sha256}",
                    f"{member}: {who.en} was altered or replaced: its content has sha256 {got}, "
                    f"the log says {a.sha256}",
                )
            )

    # 4. definitions of the districts
    for did in sorted({t.district_id for tid, t in p.townships.items() if tid in towns}):
        known = p.district_definitions.get(did)
        if known is None:
            continue
        sha = known[0]
        member = definition_member(sha)
        if not bundle.has(member):
            problems.append(
                tr("{m}：缺失：区的流程定义文本", "{m}: missing: the district's definition text", m=member)
            )
            continue
        data = bundle.read(member)
        text = p.texts.get(sha, ("", 0))[0]
        if hashlib.sha256(data).hexdigest() != sha or data.decode("utf-8", errors="replace") != text:
            problems.append(
                tr(
                    "{m}：流程定义文本被改动：与日志记载的 sha256 {s} 不符",
                    "{m}: the definition text was changed: it does not match the sha256 {s} the log records",
                    m=member,
                    s=sha,
                )
            )

    # 5. the checkpoint
    report.checkpoint = _checkpoint(bundle, manifest, by_chain, towns, trusted, problems)
    return report


def _short(value: Any) -> str:
    shown = json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)
    return shown if len(shown) <= 120 else shown[:117] + "..."


def _checkpoint(
    bundle: _Bundle,
    manifest: dict[str, Any],
    by_chain: dict[str, list[tuple[dict[str, Any], str]]],
    towns: dict[int, dict[str, Any]],
    trusted: set[str],
    problems: list[Text],
) -> Text | None:
    if not bundle.has(CHECKPOINT):
        if trusted:
            problems.append(
                tr(
                    "包中没有签名检查点，无法用 --trust 所给的密钥核验",
                    "the bundle has no signed checkpoint, so nothing can be checked against the keys given with --trust",
                )
            )
        return None
    data = bundle.json(CHECKPOINT)
    if not well_formed(data):
        problems.append(tr("{m}：不是有效的检查点", "{m}: not a valid checkpoint", m=CHECKPOINT))
        return None
    try:
        fp, chains = check_signature(data, CHECKPOINT)
        if trusted and fp not in trusted:
            raise untrusted(CHECKPOINT, fp)
    except AuditFailure as e:
        problems.append(e.text)
        return None
    if data.get("database_id") != manifest.get("database_id"):
        problems.append(
            tr(
                "{m}：检查点属于数据库 {a}，包来自数据库 {b}",
                "{m}: the checkpoint is of database {a}, the bundle of database {b}",
                m=CHECKPOINT,
                a=data.get("database_id"),
                b=manifest.get("database_id"),
            )
        )
    signed = {c: (s, h) for c, s, h in chains}
    for chain, events in by_chain.items():
        if chain not in signed:
            continue  # a township added after the checkpoint
        seq, head = signed[chain]
        name = "system" if chain == SYSTEM_CHAIN else str(towns[int(chain)].get("name", chain))
        at = next((f for f, computed in events if int(f["seq"]) == seq and computed == f["hash"]), None)
        if at is None or at["hash"] != head:
            problems.append(
                tr(
                    "{m}：链「{n}」不延续签名检查点：检查点记有{s}个事件，链头 {h}…；包中第{s}个事件{w}",
                    "{m}: chain '{n}' does not extend the signed checkpoint: the checkpoint has {s} events, "
                    "head {h}...; in the bundle event {s} {x}",
                    m=CHECKPOINT,
                    n=name,
                    s=seq,
                    h=head[:16],
                    w="缺失" if at is None else "的哈希不同",
                    x="is missing" if at is None else "has another hash",
                )
            )
    who = str(data.get("signer", {}).get("user", ""))
    created = str(data.get("created_at", ""))
    how = (
        tr("由 --trust 给出的密钥", "a key given with --trust")
        if trusted
        else tr(
            "检查点自带的公钥（要独立于包核验，请用 --trust）",
            "the public key the checkpoint carries (use --trust for a check independent of the bundle)",
        )
    )
    return Text(
        f"检查点（{created}，{who}签署，密钥 {fp}）：签名核验通过，所用密钥为{how.zh}",
        f"checkpoint of {created} signed by {who}, key {fp}: signature checked with {how.en}",
    )
