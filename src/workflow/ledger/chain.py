"""The tamper-evident audit log: canonical content, the hash chain, and verification.

One chain per township (and one ``system`` chain for users and districts): each event
stores the SHA-256 of its canonical content together with the previous event's hash.
Per-township chains let coordinators in different offices write at once without
contending for one global tail, and let an auditor verify one township alone; the
township's version must equal its chain's length, so a cut-off tail is caught too."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from workflow.domain.rosters import RowTable
from workflow.i18n import Text
from workflow.store.sql import HASHED_FIELDS

if TYPE_CHECKING:
    from workflow.store.tables import Event

GENESIS = "0" * 64


def canonical(ev: Event) -> bytes:
    """The bytes an event's hash covers: every field but its id and its own hash."""
    return canonical_fields(**{f: getattr(ev, f) for f in HASHED_FIELDS})


def canonical_parsed(fields: Mapping[str, Any], payload: Any) -> bytes:
    """Canonical bytes of an event whose payload is already parsed (``fields`` as
    stored: chain, seq, township_id, kind, from_stage, ... prev_hash)."""
    effective = fields["effective_date"]
    body = {
        "chain": fields["chain"],
        "seq": fields["seq"],
        "township_id": fields["township_id"],
        "kind": fields["kind"],
        "from": fields["from_stage"],
        "to": fields["to_stage"],
        "actor": fields["actor"],
        "recorded_at": fields["recorded_at"],
        "effective_date": effective.isoformat() if isinstance(effective, dt.date) else str(effective),
        "note": fields["note"],
        "payload": payload,
        "prev_hash": fields["prev_hash"],
    }
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode()


def canonical_fields(**fields: Any) -> bytes:
    """Canonical bytes of an event given as fields (bulk loaders use this directly;
    the fields are :func:`_canonical_parts`'). With ``payload_is_canonical`` (the
    payload text is :func:`dump_payload`'s, as the write path makes it) the text is
    set into place as it is, not parsed and written again: the same bytes, without a
    pass over a large roster."""
    return "".join(_canonical_parts(**fields)).encode()


def _canonical_parts(
    *,
    chain: str,
    seq: int,
    township_id: int | None,
    kind: str,
    from_stage: str | None,
    to_stage: str | None,
    actor: str,
    recorded_at: str,
    effective_date: dt.date | str,
    note: str,
    payload: str,
    prev_hash: str,
    payload_is_canonical: bool = False,
) -> tuple[str, str, str]:
    """The canonical text in three parts: what precedes the payload, the payload, what
    follows it (a large payload is never copied into one string with the rest)."""
    body = {
        "chain": chain,
        "seq": seq,
        "township_id": township_id,
        "kind": kind,
        "from": from_stage,
        "to": to_stage,
        "actor": actor,
        "recorded_at": recorded_at,
        "effective_date": effective_date.isoformat()
        if isinstance(effective_date, dt.date)
        else str(effective_date),
        "note": note,
        "payload": _SLOT if payload_is_canonical else json.loads(payload or "{}"),
        "prev_hash": prev_hash,
    }
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    if not payload_is_canonical:
        return text, "", ""
    # The slot is the payload's own member; every member after it in key order
    # (prev_hash, recorded_at, seq, to, township_id) is written by the program.
    head, slot, tail = text.rpartition(_SLOT_JSON)
    assert slot, "payload slot"
    return head, payload or "{}", tail


_SLOT = "\x00payload\x00"
_SLOT_JSON = json.dumps(_SLOT)


def event_hash(**fields: Any) -> str:
    """SHA-256 of an event given as fields (see :func:`canonical_fields`), the parts
    hashed one after the other."""
    digest = hashlib.sha256()
    for part in _canonical_parts(**fields):
        digest.update(part.encode())
    return digest.hexdigest()


def seal(ev: Event) -> Event:
    """Set the event's hash from its content (prev_hash must be set)."""
    ev.hash = hashlib.sha256(canonical(ev)).hexdigest()
    return ev


def event_dict(e: Event | Any) -> dict[str, Any]:
    """One audit event as ``workflow history --json`` and the history export show it."""
    return {
        "seq": e.seq,
        "kind": e.kind,
        "from": e.from_stage,
        "to": e.to_stage,
        "actor": e.actor,
        "recorded_at": e.recorded_at,
        "effective_date": e.effective_date.isoformat(),
        "note": e.note,
        "payload": json.loads(e.payload),
        "hash": e.hash,
        "prev_hash": e.prev_hash,
    }


def dump_payload(payload: Mapping[str, Any]) -> str:
    """A payload's canonical text. A roster's rows (a :class:`RowTable` member, already
    canonical JSON text) are set into place as they are, not parsed and written again:
    the same text ``json.dumps`` would write of their arrays."""
    tables = {k: v for k, v in payload.items() if isinstance(v, RowTable)}
    body = {k: f"{_SLOT}{k}" if k in tables else v for k, v in payload.items()} if tables else payload
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"), default=str)
    for k, table in tables.items():
        head, slot, tail = text.partition(json.dumps(body[k]))
        assert slot, "table slot"
        text = head + table.text + tail
    return text


@dataclass(frozen=True, slots=True)
class Link:
    """One event as its chain's check reads it, with its hash recomputed from its
    content (by ``audit verify``'s replay and by the offline bundle check alike)."""

    id: int
    seq: int
    hash: str
    prev_hash: str
    to_stage: str | None
    computed: str


@dataclass(frozen=True, slots=True)
class Problem:
    """The first thing wrong with one chain."""

    chain: str
    event_id: int | None
    seq: int | None
    what: str  # edited | deleted | inserted | reordered | state
    text: Text


def chain_label(chain: str, name: str | None) -> Text:
    """How a message names a chain: by its township when known (never by an internal
    id in English), else by its number."""
    if name:
        return Text(f"「{name}」：", f"'{name}': ")
    return Text(f"链{chain}：", f"chain {chain}: ")


def verify_chain(
    chain: str,
    events: Sequence[Any],
    version: int | None,
    stage: str | None,
    head: str | None = None,
    digest: Callable[[Any], str] | None = None,
    name: str | None = None,
) -> Problem | None:
    """Check one chain (events in id order: ``Event`` rows, or anything with id, seq,
    hash, prev_hash and to_stage, with ``digest`` giving each one's recomputed hash);
    None when intact. ``name``: the township's, for the messages."""
    recompute = digest or (lambda ev: hashlib.sha256(canonical(ev)).hexdigest())
    who = chain_label(chain, name)
    prev_hash = GENESIS
    expected_seq = 1
    all_seqs = {ev.seq for ev in events}
    seen_seqs: set[int] = set()
    last: Any = None
    for ev in events:
        if ev.seq < expected_seq:
            if ev.seq in seen_seqs:
                return _problem(
                    who,
                    chain,
                    ev,
                    "inserted",
                    "事件#{i}（序号{s}）是插入的：序号重复",
                    "event #{i} (seq {s}) was inserted: its sequence number repeats",
                )
            return _problem(
                who,
                chain,
                ev,
                "reordered",
                "事件#{i}（序号{s}）顺序被调换",
                "event #{i} (seq {s}) is out of order",
            )
        if ev.seq > expected_seq:
            if expected_seq in all_seqs:
                later = next(e for e in events if e.seq == expected_seq)
                if version is not None and len(events) > version:
                    return _problem(
                        who,
                        chain,
                        later,
                        "inserted",
                        "事件#{i}（序号{s}）是插入的：事件数多于版本",
                        "event #{i} (seq {s}) was inserted: more events than the township's version",
                    )
                return _problem(
                    who,
                    chain,
                    ev,
                    "reordered",
                    "事件#{i}（序号{s}）顺序被调换",
                    "event #{i} (seq {s}) is out of order",
                )
            return _problem(
                who,
                chain,
                ev,
                "deleted",
                f"事件#{{i}}（序号{{s}}）之前的序号{expected_seq}至{ev.seq - 1}被删除",
                f"events with seq {expected_seq} to {ev.seq - 1} before event #{{i}} "
                f"(seq {{s}}) were deleted",
            )
        if recompute(ev) != ev.hash:
            return _problem(
                who,
                chain,
                ev,
                "edited",
                "事件#{i}（序号{s}）内容被修改：哈希不符",
                "event #{i} (seq {s}) was edited: its content does not match its hash",
            )
        if ev.prev_hash != prev_hash:
            return _problem(
                who,
                chain,
                ev,
                "edited",
                "事件#{i}（序号{s}）与前一事件的链接不符：前一事件被修改或替换",
                "event #{i} (seq {s}) does not link to the event before it: "
                "that event was edited or replaced",
            )
        seen_seqs.add(ev.seq)
        prev_hash = ev.hash
        expected_seq += 1
        last = ev
    count = expected_seq - 1
    if version is not None and version != count:
        if version > count:
            return Problem(
                chain,
                last.id if last else None,
                count + 1,
                "deleted",
                Text(
                    who.zh + f"版本为{version}，但只有{count}个事件：末尾事件被删除",
                    who.en + f"version {version} but only {count} events: events at the end were deleted",
                ),
            )
        return Problem(
            chain,
            last.id if last else None,
            version + 1,
            "inserted",
            Text(
                who.zh + f"版本为{version}，但有{count}个事件：末尾有插入的事件",
                who.en + f"version {version} but {count} events: events were inserted at the end",
            ),
        )
    if head and last is not None and head != last.hash:
        return Problem(
            chain,
            last.id,
            last.seq,
            "state",
            Text(
                who.zh + f"乡镇记录的链头与最后事件#{last.id}的哈希不符",
                who.en + f"the township's recorded head does not match the hash of its last event #{last.id}",
            ),
        )
    if stage is not None and last is not None and last.to_stage and last.to_stage != stage:
        return Problem(
            chain,
            last.id,
            last.seq,
            "state",
            Text(
                who.zh + f"当前阶段{stage}与最后事件的{last.to_stage}不符",
                who.en + f"current stage {stage} differs from the last event's {last.to_stage}",
            ),
        )
    return None


def _problem(who: Text, chain: str, ev: Any, what: str, zh: str, en: str) -> Problem:
    return Problem(
        chain,
        ev.id,
        ev.seq,
        what,
        Text(who.zh + zh.format(i=ev.id, s=ev.seq), who.en + en.format(i=ev.id, s=ev.seq)),
    )
