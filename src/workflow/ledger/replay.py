"""Verification by replay: the whole log (or the system chain and some townships'
chains) applied from scratch to an empty in-memory projection with the very
``apply`` the write path uses, then every projected row compared, field by field,
with the tables. Each difference names the table, the township, the row, the field,
the stored value, the value the log implies and the event that last set it."""

from __future__ import annotations

import dataclasses
import datetime as dt
import hashlib
import json
from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workflow.domain.rosters import roster_lines_of
from workflow.i18n import Text
from workflow.ledger.apply import UnknownKind, apply
from workflow.ledger.chain import Link, Problem, canonical_parsed, event_hash, verify_chain
from workflow.ledger.events import SYSTEM_CHAIN, attached_row, recorded
from workflow.ledger.projection import Projection
from workflow.store import projection as tables
from workflow.store.sql import HASHED_FIELDS, Raw, date_of

TABLE_NAMES = {
    "district": Text("区", "district"),
    "user": Text("用户", "user"),
    "usertownship": Text("用户分管乡镇", "user assignment"),
    "township": Text("乡镇", "township"),
    "fact": Text("事实", "fact"),
    "roster": Text("名册", "roster"),
    "waiver": Text("豁免", "waiver"),
    "violation": Text("违纪举报", "violation report"),
    "gatestate": Text("下一关状态", "next gate's state"),
    "event": Text("事件", "event"),
    "attachment": Text("附件", "attachment"),
    "document": Text("文件库", "documents store"),
}

ABSENT = "(none)"
PRESENT = "present"
SHOWN = {ABSENT: Text("（无此行）", "(no such row)"), PRESENT: Text("（有此行）", "(the row is there)")}


@dataclass(frozen=True, slots=True)
class Difference:
    """One projected row or field that the tables do not hold as the log implies."""

    table: str
    township: str
    row: str
    field: str
    stored: str
    implied: str
    event_id: int | None

    @property
    def text(self) -> Text:
        if self.table == "document":
            return self._document_text()
        where = TABLE_NAMES.get(self.table, Text(self.table, self.table))
        town_zh = f"乡镇「{self.township}」，" if self.township else ""
        town_en = f"township '{self.township}', " if self.township else ""
        ev_zh = f"（最后由事件#{self.event_id}设定）" if self.event_id else "（日志中没有设定它的事件）"
        ev_en = (
            f" (last set by event #{self.event_id})" if self.event_id else " (no event in the log sets it)"
        )
        stored, implied = (SHOWN.get(v, Text(v, v)) for v in (self.stored, self.implied))
        if self.field == "(row)":
            return Text(
                f"表{self.table}（{where.zh}）：{town_zh}{self.row}：存储中{stored.zh}，日志推出{implied.zh}{ev_zh}",
                f"table {self.table} ({where.en}): {town_en}{self.row}: stored {stored.en}, "
                f"the log implies {implied.en}{ev_en}",
            )
        return Text(
            f"表{self.table}（{where.zh}）：{town_zh}{self.row}，字段 {self.field}：存储值 {stored.zh}，"
            f"日志推出的值 {implied.zh}{ev_zh}",
            f"table {self.table} ({where.en}): {town_en}{self.row}, field {self.field}: stored "
            f"{stored.en}, the log implies {implied.en}{ev_en}",
        )

    def _document_text(self) -> Text:
        """A stored document that is not the one its event names: missing, or other
        content (altered, or swapped for another file)."""
        ev_zh = f"（由事件#{self.event_id}附加）" if self.event_id else ""
        ev_en = f" (attached by event #{self.event_id})" if self.event_id else ""
        if self.stored == ABSENT:
            return Text(
                f"文件库：乡镇「{self.township}」，{self.row}：文件缺失（应为 sha256 {self.implied}）{ev_zh}",
                f"documents store: township '{self.township}', {self.row}: the file is missing "
                f"(expected sha256 {self.implied}){ev_en}",
            )
        return Text(
            f"文件库：乡镇「{self.township}」，{self.row}：文件已被改动或替换：内容的 sha256 为 {self.stored}，"
            f"日志记载为 {self.implied}{ev_zh}",
            f"documents store: township '{self.township}', {self.row}: the file was altered or replaced: "
            f"its content has sha256 {self.stored}, the log says {self.implied}{ev_en}",
        )

    def as_dict(self) -> dict[str, Any]:
        return {
            "table": self.table,
            "township": self.township,
            "row": self.row,
            "field": self.field,
            "stored": self.stored,
            "implied": self.implied,
            "event_id": self.event_id,
            "message": self.text.as_dict(),
        }


def _obj(text: str) -> dict[str, Any]:
    """A stored row's JSON object, or, where it is not one, its raw text as one field."""
    try:
        value = json.loads(text)
    except ValueError:
        return {"(data)": text}
    return value if isinstance(value, dict) else {"(data)": text}


def _show(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    return json.dumps(value, ensure_ascii=False, sort_keys=True, default=str)


@dataclass(frozen=True, slots=True)
class VerifyReport:
    chains: int
    events: int
    problems: list[Problem]
    differences: list[Difference] = dataclasses.field(default_factory=list)
    """What the replayed log implies and the tables do not hold."""

    @property
    def ok(self) -> bool:
        return not self.problems and not self.differences


COLUMNS = tables.EVENT_COLUMNS.replace(" ", "").split(",")


def replay(
    db: Raw, township_ids: Sequence[int] | None = None
) -> tuple[Projection, list[Difference], int, dict[str, list[Link]]]:
    """The log folded into a fresh projection, in one pass that also recomputes each
    event's hash; the events that could not be applied; the number of events read;
    each chain's links."""
    p = Projection(digests=False)
    problems: list[Difference] = []
    links: dict[str, list[Link]] = defaultdict(list)
    chains = None if township_ids is None else [SYSTEM_CHAIN, *(str(t) for t in township_ids)]
    count = 0
    for row in tables.events(db, chains):
        count += 1
        fields = dict(zip(COLUMNS, row, strict=True))
        try:
            payload = json.loads(fields["payload"] or "{}")
        except ValueError as e:
            payload = None
            problems.append(
                Difference("event", "", f"#{fields['id']}", "payload", _show(str(e)[:80]), "valid JSON", None)
            )
        computed = "" if payload is None else _computed_hash(fields, payload)
        links[str(fields["chain"])].append(
            Link(
                int(fields["id"]),
                int(fields["seq"]),
                str(fields["hash"]),
                str(fields["prev_hash"]),
                fields["to_stage"],
                computed,
            )
        )
        if payload is None:
            continue
        try:
            ev = recorded(int(fields["id"]), fields, payload)
        except (ValueError, TypeError, KeyError) as e:
            problems.append(
                Difference("event", "", f"#{fields['id']}", "fields", _show(str(e)[:80]), "valid", None)
            )
            continue
        try:
            apply(p, ev)
        except UnknownKind:
            problems.append(
                Difference("event", "", f"#{ev.id}", "kind", _show(ev.kind), "a known kind", ev.id)
            )
        except (KeyError, ValueError, TypeError) as e:
            problems.append(
                Difference(
                    "event", "", f"#{ev.id} ({ev.kind})", "payload", _show(str(e)[:80]), "complete", ev.id
                )
            )
    return p, problems, count, links


def _computed_hash(fields: Mapping[str, Any], payload: Any) -> str:
    """An event's hash recomputed from its content: its payload text set into place as
    stored, as the write path hashes it (no parsing and writing again of a large
    payload); only when that gives another hash (a payload not stored in the canonical
    form, by an older release or by hand) from the parsed payload written canonically,
    as it was always checked."""
    spliced = event_hash(**{f: fields[f] for f in HASHED_FIELDS}, payload_is_canonical=True)
    if spliced == fields["hash"]:
        return spliced
    return hashlib.sha256(canonical_parsed(fields, payload)).hexdigest()


def compare(
    db: Raw, p: Projection, stored_towns: dict[int, Sequence[Any]], township_ids: Sequence[int] | None = None
) -> list[Difference]:
    """Every difference between the tables and the projection ``p``."""
    out: list[Difference] = []
    wanted = None if township_ids is None else set(township_ids)
    names = {tid: t.name for tid, t in p.townships.items()}
    for r in stored_towns.values():
        names.setdefault(int(r[0]), str(r[1]))

    def town(tid: int) -> str:
        return names.get(tid, f"#{tid}")

    # districts and users: the whole system chain
    stored_districts = {int(r[0]): (str(r[1]), r[2]) for r in tables.stored(db, "district")}
    for did, (name, definition) in stored_districts.items():
        known = p.districts.get(did)
        if known is None:
            out.append(Difference("district", "", f"#{did} {name}", "(row)", PRESENT, ABSENT, None))
            continue
        for field, s, i in (("name", name, known[0]), ("definition_path", definition, known[1])):
            if s != i:
                out.append(Difference("district", "", f"#{did}", field, _show(s), _show(i), known[2]))
    for did, known in p.districts.items():
        if did not in stored_districts:
            out.append(Difference("district", "", f"#{did} {known[0]}", "(row)", ABSENT, PRESENT, known[2]))

    stored_rows = list(tables.stored(db, "user"))
    stored_users = {str(r[0]): str(r[1]) for r in stored_rows}
    for name, role, off in stored_rows:
        known_user = p.users.get(str(name))
        if known_user is None:
            out.append(Difference("user", "", str(name), "(row)", PRESENT, ABSENT, None))
            continue
        if known_user[0] != role:
            out.append(
                Difference("user", "", str(name), "role", _show(role), _show(known_user[0]), known_user[1])
            )
        implied_off, ev_off = p.disabled.get(str(name), (False, known_user[1]))
        if bool(off) != implied_off:
            out.append(
                Difference("user", "", str(name), "disabled", _show(bool(off)), _show(implied_off), ev_off)
            )
    for name, (_role, ev) in p.users.items():
        if name not in stored_users:
            out.append(Difference("user", "", name, "(row)", ABSENT, PRESENT, ev))

    stored_assign = {(str(r[0]), int(r[1])) for r in tables.stored(db, "usertownship", township_ids)}
    implied_assign = {k: v for k, v in p.assignments.items() if wanted is None or k[1] in wanted}
    for user, tid in sorted(stored_assign - set(implied_assign)):
        out.append(Difference("usertownship", town(tid), user, "(row)", PRESENT, ABSENT, None))
    for (user, tid), ev in sorted(implied_assign.items()):
        if (user, tid) not in stored_assign:
            out.append(Difference("usertownship", town(tid), user, "(row)", ABSENT, PRESENT, ev))

    out += _definitions(db, p)
    out += _townships(stored_towns, p, wanted, town)
    out += _facts(db, p, township_ids, wanted, town)
    out += _rosters(db, p, township_ids, wanted, town)
    out += _waivers(db, p, township_ids, wanted, town)
    out += _violations(db, p, township_ids, wanted, town)
    out += _attachments(db, p, township_ids, wanted, town)
    out += documents(db, p, wanted, town)
    return out


ATTACHMENT_FIELDS = (
    "township_id",
    "fact",
    "sha256",
    "size",
    "media_type",
    "name",
    "note",
    "actor",
    "recorded_at",
    "supersedes",
    "event_id",
)


def _attachments(
    db: Raw, p: Projection, ids: Sequence[int] | None, wanted: set[int] | None, town: Any
) -> list[Difference]:
    out: list[Difference] = []
    seen: set[int] = set()
    for r in tables.stored(db, "attachment", ids):
        aid = int(r[0])
        seen.add(aid)
        known = p.attachments.get(aid)
        if known is None:
            out.append(Difference("attachment", town(int(r[1])), f"#{aid}", "(row)", PRESENT, ABSENT, None))
            continue
        stored_row = attached_row(r)
        for field, s, i in ((f, getattr(stored_row, f), getattr(known, f)) for f in ATTACHMENT_FIELDS):
            if s != i:
                out.append(
                    Difference(
                        "attachment",
                        town(known.township_id),
                        f"#{aid}",
                        field,
                        _show(s),
                        _show(i),
                        known.event_id,
                    )
                )
    for aid, known in p.attachments.items():
        if (wanted is None or known.township_id in wanted) and aid not in seen:
            out.append(
                Difference(
                    "attachment", town(known.township_id), f"#{aid}", "(row)", ABSENT, PRESENT, known.event_id
                )
            )
    return out


def documents(db: Raw, p: Projection, wanted: set[int] | None, town: Any) -> list[Difference]:
    """Every document the log names, re-hashed from the documents store: a missing
    file, or one whose content is not the one attached (altered, or swapped for another
    file even of the same size), named with its township, fact and file name."""
    from workflow.store.documents import store_for

    store = store_for(db)
    out: list[Difference] = []
    found: dict[str, str | None] = {}
    for aid, a in sorted(p.attachments.items()):
        if wanted is not None and a.township_id not in wanted:
            continue
        if a.sha256 not in found:
            got = store.examine(a.sha256, db) if store is not None else None
            found[a.sha256] = got.sha256 if got is not None and got.present else None
        actual = found[a.sha256]
        if actual == a.sha256:
            continue
        row = f"{a.fact} #{aid} {json.dumps(a.name, ensure_ascii=False)}"
        out.append(
            Difference("document", town(a.township_id), row, "sha256", actual or ABSENT, a.sha256, a.event_id)
        )
    return out


def _definitions(db: Raw, p: Projection) -> list[Difference]:
    """Each definition text (by its SHA-256), each district's pointer to one, and the
    database's default for new districts."""
    out: list[Difference] = []
    stored_texts = {str(sha): str(text) for sha, text in tables.stored(db, "definitiontext")}
    for sha, text in stored_texts.items():
        known = p.texts.get(sha)
        if known is None:
            out.append(Difference("definitiontext", "", sha[:16], "(row)", PRESENT, ABSENT, None))
        elif known[0] != text:
            out.append(
                Difference(
                    "definitiontext", "", sha[:16], "text", _show(text[:60]), _show(known[0][:60]), known[1]
                )
            )
    for sha, (_text, ev) in p.texts.items():
        if sha not in stored_texts:
            out.append(Difference("definitiontext", "", sha[:16], "(row)", ABSENT, PRESENT, ev))
    stored_ptr = {int(d): (str(s), int(e)) for d, s, e in tables.stored(db, "districtdefinition")}
    for did, (sha, ev) in stored_ptr.items():
        implied = p.district_definitions.get(did)
        if implied is None:
            out.append(
                Difference("districtdefinition", "", f"district #{did}", "(row)", PRESENT, ABSENT, None)
            )
        else:
            if implied[0] != sha:
                out.append(
                    Difference(
                        "districtdefinition",
                        "",
                        f"district #{did}",
                        "sha256",
                        _show(sha),
                        _show(implied[0]),
                        implied[1],
                    )
                )
            if implied[1] != ev:
                out.append(
                    Difference(
                        "districtdefinition",
                        "",
                        f"district #{did}",
                        "event_id",
                        _show(ev),
                        _show(implied[1]),
                        implied[1],
                    )
                )
    for did, (_sha, ev) in p.district_definitions.items():
        if did not in stored_ptr:
            out.append(Difference("districtdefinition", "", f"district #{did}", "(row)", ABSENT, PRESENT, ev))
    stored_default = {str(k): str(v) for k, v in tables.stored(db, "meta")}.get("default_definition")
    implied_default = p.default_definition[0] if p.default_definition else None
    if stored_default != implied_default:
        out.append(
            Difference(
                "meta",
                "",
                "default_definition",
                "value",
                _show(stored_default),
                _show(implied_default),
                p.default_definition[1] if p.default_definition else None,
            )
        )
    return out


def _townships(
    stored_towns: dict[int, Sequence[Any]], p: Projection, wanted: set[int] | None, town: Any
) -> list[Difference]:
    out: list[Difference] = []
    fields = (
        "name",
        "district_id",
        "stage",
        "stage_since",
        "version",
        "head_hash",
        "updated_at",
        "updated_by",
    )
    for tid, r in stored_towns.items():
        known = p.townships.get(tid)
        if known is None:
            out.append(
                Difference(
                    "township",
                    town(tid),
                    f"#{tid}",
                    "(row)",
                    PRESENT,
                    ABSENT,
                    None,
                )
            )
            continue
        stored_values = (
            str(r[1]),
            int(r[2]),
            str(r[3]),
            date_of(r[4]),
            int(r[5]),
            str(r[6] or ""),
            str(r[7] or ""),
            str(r[8] or ""),
        )
        implied = (
            known.name,
            known.district_id,
            known.stage,
            known.stage_since,
            known.version,
            known.head_hash,
            known.updated_at,
            known.updated_by,
        )
        for field, s, i in zip(fields, stored_values, implied, strict=True):
            if s != i:
                out.append(
                    Difference("township", town(tid), f"#{tid}", field, _show(s), _show(i), known.event_id)
                )
    for tid, known in p.townships.items():
        if (wanted is None or tid in wanted) and tid not in stored_towns:
            out.append(
                Difference("township", known.name, f"#{tid}", "(row)", ABSENT, PRESENT, known.event_id)
            )
    return out


def _facts(
    db: Raw, p: Projection, ids: Sequence[int] | None, wanted: set[int] | None, town: Any
) -> list[Difference]:
    out: list[Difference] = []
    seen: set[tuple[int, str]] = set()
    for tid, name, data in tables.stored(db, "fact", ids):
        key = (int(tid), str(name))
        seen.add(key)
        known = p.facts.get(key)
        if known is None:
            out.append(Difference("fact", town(key[0]), key[1], "(row)", PRESENT, ABSENT, None))
            continue
        if data == tables.fact_text(known[0]):
            continue  # stored exactly as the write path writes it: no field differs
        out += _fields("fact", town(key[0]), key[1], json.loads(data), known[0], known[1])
    for key, (_data, ev) in p.facts.items():
        if (wanted is None or key[0] in wanted) and key not in seen:
            out.append(Difference("fact", town(key[0]), key[1], "(row)", ABSENT, PRESENT, ev))
    return out


def _fields(
    table: str, township: str, row: str, stored: dict[str, Any], implied: dict[str, Any], ev: int
) -> list[Difference]:
    return [
        Difference(table, township, row, f, _show(stored.get(f)), _show(implied.get(f)), ev)
        for f in sorted(set(stored) | set(implied))
        if f not in stored or f not in implied or _show(stored[f]) != _show(implied[f])  # 1 is not true
    ]


def _rosters(
    db: Raw, p: Projection, ids: Sequence[int] | None, wanted: set[int] | None, town: Any
) -> list[Difference]:
    """Each stored roster against the event that set it last: the row names that event
    (whose lines, vouched for by the chain, are the roster's rows) and counts its rows.
    A roster holding lines of its own (rows that no event carries) is compared line by
    line with its event's, so that a difference names the line and the field; one whose
    event did not carry its rows (an older release's import) waits for ``db upgrade``."""
    out: list[Difference] = []
    seen: set[tuple[int, str]] = set()
    for tid, kind, rows, ev_id, lines in tables.stored(db, "roster", ids):
        key = (int(tid), str(kind))
        seen.add(key)
        where = town(key[0])
        known = p.rosters.get(key)
        if known is None:
            out.append(Difference("roster", where, key[1], "(row)", PRESENT, ABSENT, None))
            continue
        digest, ev = known
        if int(ev_id) != ev:
            out.append(Difference("roster", where, key[1], "event_id", str(ev_id), str(ev), ev))
        if digest is None:
            continue  # an import of an older release that did not carry its rows
        if int(rows) != digest.count:
            out.append(Difference("roster", where, key[1], "rows", str(rows), str(digest.count), ev))
        if lines is not None:  # rows of its own: line by line against its event's
            out += _roster_lines(db, key, str(lines).split("\n") if lines else [], ev, town)
    for key, (digest, ev) in p.rosters.items():
        if (wanted is None or key[0] in wanted) and key not in seen and digest and digest.count:
            out.append(Difference("roster", town(key[0]), key[1], "(row)", ABSENT, PRESENT, ev))
    return out


def _roster_lines(db: Raw, key: tuple[int, str], own: list[str], ev: int, town: Any) -> list[Difference]:
    """The lines a roster holds that are not as event ``ev`` (the one that set it) says."""
    out: list[Difference] = []
    found = db.one("SELECT payload FROM event WHERE id = :id", {"id": ev})
    carried = roster_lines_of(json.loads(found[0] or "{}"), key[1]) if found else None
    rows = list(carried or [])
    where = town(key[0])
    for line, row in enumerate(rows, start=1):
        if line > len(own):
            out.append(Difference("roster", where, f"{key[1]} #{line}", "(row)", ABSENT, PRESENT, ev))
        elif own[line - 1] != row:  # the stored form itself, else field by field
            out += _fields("roster", where, f"{key[1]} #{line}", _obj(own[line - 1]), _obj(row), ev)
    for line in range(len(rows) + 1, len(own) + 1):
        out.append(Difference("roster", where, f"{key[1]} #{line}", "(row)", PRESENT, ABSENT, ev))
    return out


def _waivers(
    db: Raw, p: Projection, ids: Sequence[int] | None, wanted: set[int] | None, town: Any
) -> list[Difference]:
    out: list[Difference] = []
    seen: set[tuple[int, str]] = set()
    for tid, check, reason, actor, event_id in tables.stored(db, "waiver", ids):
        key = (int(tid), str(check))
        seen.add(key)
        known = p.waivers.get(key)
        if known is None:
            out.append(Difference("waiver", town(key[0]), key[1], "(row)", PRESENT, ABSENT, None))
            continue
        for field, s, i in (
            ("reason", reason, known[0]),
            ("actor", actor, known[1]),
            ("event_id", int(event_id), known[2]),
        ):
            if s != i:
                out.append(Difference("waiver", town(key[0]), key[1], field, _show(s), _show(i), known[2]))
    for key, known in p.waivers.items():
        if (wanted is None or key[0] in wanted) and key not in seen:
            out.append(Difference("waiver", town(key[0]), key[1], "(row)", ABSENT, PRESENT, known[2]))
    return out


def _violations(
    db: Raw, p: Projection, ids: Sequence[int] | None, wanted: set[int] | None, town: Any
) -> list[Difference]:
    out: list[Difference] = []
    seen: set[int] = set()
    fields = (
        "township_id",
        "status",
        "opened_note",
        "opened_by",
        "opened_on",
        "resolved_note",
        "resolved_by",
        "resolved_on",
    )
    for r in tables.stored(db, "violation", ids):
        vid = int(r[0])
        seen.add(vid)
        known = p.violations.get(vid)
        if known is None:
            out.append(Difference("violation", town(int(r[1])), f"#{vid}", "(row)", PRESENT, ABSENT, None))
            continue
        stored_values = (
            int(r[1]),
            str(r[2]),
            str(r[3]),
            str(r[4]),
            date_of(r[5]),
            str(r[6] or ""),
            str(r[7] or ""),
            date_of(r[8]),
        )
        implied = (
            known.township_id,
            known.status,
            known.opened_note,
            known.opened_by,
            known.opened_on,
            known.resolved_note,
            known.resolved_by,
            known.resolved_on,
        )
        for field, s, i in zip(fields, stored_values, implied, strict=True):
            if s != i:
                out.append(
                    Difference(
                        "violation",
                        town(known.township_id),
                        f"#{vid}",
                        field,
                        _show(s),
                        _show(i),
                        known.event_id,
                    )
                )
    for vid, known in p.violations.items():
        if (wanted is None or known.township_id in wanted) and vid not in seen:
            out.append(
                Difference(
                    "violation",
                    town(known.township_id),
                    f"#{vid}",
                    "(row)",
                    ABSENT,
                    PRESENT,
                    known.event_id,
                )
            )
    return out


def verify(db: Raw, township_ids: Sequence[int] | None = None) -> VerifyReport:
    """Every chain checked and the log replayed and compared, in one read of the log."""
    p, event_problems, count, links = replay(db, township_ids)
    stored_towns = {int(r[0]): r for r in tables.stored(db, "township", township_ids)}
    broken: list[Problem] = []
    for chain, chain_links in links.items():
        town = stored_towns.get(int(chain)) if chain.isdigit() else None
        problem = verify_chain(
            chain,
            chain_links,
            int(town[5]) if town else None,
            str(town[3]) if town else None,
            str(town[6] or "") if town else None,
            digest=lambda link: str(link.computed),
            name=str(town[1]) if town else None,
        )
        if problem:
            broken.append(problem)
    for tid, town in stored_towns.items():
        if str(tid) not in links and int(town[5]) > 0:
            broken.append(
                Problem(
                    str(tid),
                    None,
                    1,
                    "deleted",
                    Text(
                        f"链{tid}：版本为{town[5]}，但没有任何事件：事件被删除",
                        f"chain {tid}: version {town[5]} but no events: events were deleted",
                    ),
                )
            )
    differences = event_problems + compare(db, p, stored_towns, township_ids)
    return VerifyReport(len(links), count, broken, differences)
