"""The process definitions in force, as the database records them.

A district's rules are the TOML *text* recorded on the system chain (with its SHA-256)
when an admin added the district or changed its definition; the projection tables
``definitiontext`` (text by SHA-256) and ``districtdefinition`` (district -> SHA-256 and
the event that set it) hold what those events say. Nothing here reads a file on a
township's path: a file is read only when an admin records it (``district add``,
``district set-definition``, ``init``), so swapping a file on disk changes nothing."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from workflow.domain.definition import DEFAULT_NAME, Definition, loads, shipped_bytes
from workflow.errors import AuditFailure, BadInput
from workflow.i18n import Text, tr
from workflow.store import sql as hot

DEFAULT_META_KEY = "default_definition"
"""The ``meta`` key naming the SHA-256 of the definition new districts get (set by
``init --definition``); without it, the shipped definition."""

_BY_SHA: dict[str, Definition] = {}
"""Parsed definitions by the SHA-256 of their text (the text never changes under a hash)."""

SHA_OF_DISTRICT = "SELECT sha256 FROM districtdefinition WHERE district_id = :id"
TEXT_OF_SHA = "SELECT text FROM definitiontext WHERE sha256 = :sha"


@dataclass(frozen=True, slots=True)
class Recorded:
    """A definition's text as it is (or will be) recorded: its hash, where it came from
    and the parsed definition."""

    text: str
    sha256: str
    source: str
    definition: Definition


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


def shipped_text() -> str:
    """The text of the definition shipped with the program."""
    return shipped_bytes().decode("utf-8")


def from_text(text: str, source: str) -> Recorded:
    """Validate ``text`` (a definition file's content) and hash it."""
    definition = loads(text.encode("utf-8"), source)
    sha = sha256_text(text)
    _BY_SHA.setdefault(sha, definition)
    return Recorded(text, sha, source, definition)


def from_file(path: Path) -> Recorded:
    """Read and validate a definition file (only an admin's command calls this)."""
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BadInput(
            tr(
                "无法读取流程定义文件 {f}：{e}",
                "cannot read definition file {f}: {e}",
                f=path,
                e=e.strerror or e,
            )
        ) from e
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise BadInput(tr("{f}：不是 UTF-8 文本", "{f}: not UTF-8 text", f=path)) from None
    return from_text(text, str(path))


def default_for_new_districts(db: hot.Db) -> Recorded:
    """What a district added without a definition runs on: the database's default
    (recorded by ``init --definition``), else the shipped definition."""
    raw = hot.raw(db)
    row = raw.one("SELECT value FROM meta WHERE key = :k", {"k": DEFAULT_META_KEY})
    if row is not None:
        text = text_of(raw, str(row[0]), Text("数据库默认流程定义", "the database's default definition"))
        return Recorded(text, str(row[0]), "database default", by_sha(str(row[0]), text))
    return from_text(shipped_text(), f"states/{DEFAULT_NAME}")


def by_sha(sha: str, text: str) -> Definition:
    found = _BY_SHA.get(sha)
    if found is None:
        found = _BY_SHA[sha] = loads(text.encode("utf-8"), f"sha256:{sha[:16]}")
    return found


def text_of(raw: hot.Raw, sha: str, whose: Text) -> str:
    row = raw.one(TEXT_OF_SHA, {"sha": sha})
    if row is None:
        raise AuditFailure(
            Text(
                f"{whose.zh}的流程定义文本（sha256 {sha[:16]}…）不在数据库中",
                f"the definition text of {whose.en} (sha256 {sha[:16]}...) is missing from the database",
            )
        )
    text = str(row[0])
    if sha256_text(text) != sha:
        raise AuditFailure(
            Text(
                f"{whose.zh}的流程定义文本与其记录的 SHA-256 不符：文本被修改",
                f"the definition text of {whose.en} does not match its recorded SHA-256: the text was edited",
            )
        )
    return text


def definition_of_district(db: hot.Db, district_id: int) -> Definition | None:
    """The definition recorded for a district (cached by SHA-256), or None when the
    district has none recorded."""
    raw = hot.raw(db)
    row = raw.one(SHA_OF_DISTRICT, {"id": district_id})
    if row is None:
        return None
    sha = str(row[0])
    found = _BY_SHA.get(sha)
    if found is not None:
        return found
    text = text_of(raw, sha, Text(f"区#{district_id}", f"district #{district_id}"))
    return by_sha(sha, text)


def own_definitions(db: hot.Db) -> dict[int, Definition]:
    """District id -> definition, for the districts whose recorded definition is not the
    shipped one (few: most districts run on the default)."""
    raw = hot.raw(db)
    shipped = sha256_text(shipped_text())
    out: dict[int, Definition] = {}
    for did, sha in raw.all("SELECT district_id, sha256 FROM districtdefinition", {}):
        if sha == shipped:
            continue
        found = _BY_SHA.get(str(sha))
        if found is None:
            text = text_of(raw, str(sha), Text(f"区#{did}", f"district #{did}"))
            found = by_sha(str(sha), text)
        out[int(did)] = found
    return out


def payload(rec: Recorded, **extra: Any) -> dict[str, Any]:
    """The part of a system event that records a definition: text and hash."""
    return {
        "definition_sha256": rec.sha256,
        "definition_text": rec.text,
        "definition_source": rec.source,
    } | extra


# ---------------------------------------------------------------- parameters and their diff


def parameters(text: str) -> dict[str, Any]:
    """Every parameter of a definition as ``dotted.path -> value``; items of a list that
    carry an ``id`` (stages, checks) or a ``name`` (facts, fields) are keyed by it."""
    import tomllib

    out: dict[str, Any] = {}
    _flatten(tomllib.loads(text), "", out)
    return out


def _flatten(value: Any, prefix: str, out: dict[str, Any]) -> None:
    if isinstance(value, Mapping):
        for k, v in value.items():
            _flatten(v, f"{prefix}.{k}" if prefix else str(k), out)
    elif isinstance(value, list) and value and all(isinstance(v, Mapping) for v in value):
        for i, v in enumerate(value):
            key = v.get("id") or v.get("name") or str(i)
            _flatten(v, f"{prefix}[{key}]", out)
    else:
        out[prefix] = value


def diff(old_text: str, new_text: str) -> list[dict[str, Any]]:
    """The parameters that differ: each with its old and new value (None when absent)."""
    old, new = parameters(old_text), parameters(new_text)
    return [
        {"parameter": k, "old": old.get(k), "new": new.get(k)}
        for k in sorted(old.keys() | new.keys())
        if old.get(k) != new.get(k)
    ]


def summary(d: Definition, sha: str) -> list[Text]:
    """What ``definition check`` prints about a valid definition."""
    lines = [
        Text(f"流程定义有效：{d.zh}（{d.id}）", f"definition is valid: {d.en} ({d.id})"),
        Text(f"SHA-256：{sha}", f"SHA-256: {sha}"),
        Text(
            f"阶段（{len(d.stages)}）：{d.order_text().zh}", f"stages ({len(d.stages)}): {d.order_text().en}"
        ),
    ]
    checks = sum(len(s.checks) for s in d.stages)
    lines.append(Text(f"检查{checks}项，事实{len(d.facts)}项", f"{checks} checks, {len(d.facts)} facts"))
    return lines


def dump_changes(changed: list[dict[str, Any]]) -> list[str]:
    """One line per changed parameter, for the CLI."""
    return [
        f"  {c['parameter']}: {json.dumps(c['old'], ensure_ascii=False)} -> {json.dumps(c['new'], ensure_ascii=False)}"
        for c in changed
    ]
