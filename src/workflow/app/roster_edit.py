"""One roster row added, changed or removed, and a roster written back as the CSV that
imports it unchanged. Pure functions: the change goes through the service as a whole
replacement import (one audited event naming the row), so every rule of an import
holds for a single row too."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Mapping, Sequence
from typing import Any

from workflow.domain.fields import FieldSpec
from workflow.domain.rosters import ParsedRoster, RosterKind, parse_bytes


def cell_text(spec: FieldSpec, value: Any) -> str:
    """A stored value as the import reads it back."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, list):
        return ";".join(str(v) for v in value)
    return str(value)


def row_texts(kind: RosterKind, rows: Sequence[Mapping[str, Any]]) -> list[dict[str, str]]:
    return [{c.name: cell_text(c, r.get(c.name)) for c in kind.columns} for r in rows]


def roster_csv(kind: RosterKind, rows: Sequence[Mapping[str, str]]) -> bytes:
    """The CSV (header of column names, one line a row) the importer accepts."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow([c.name for c in kind.columns])
    for r in rows:
        writer.writerow([r.get(c.name, "") for c in kind.columns])
    return out.getvalue().encode("utf-8")


def export_csv(kind: RosterKind, rows: Sequence[Mapping[str, Any]]) -> bytes:
    """A stored roster as a CSV that imports back to the same rows."""
    return roster_csv(kind, row_texts(kind, rows))


def changed(
    kind: RosterKind,
    rows: Sequence[Mapping[str, Any]],
    index: int | None,
    values: Mapping[str, str] | None,
    today: dt.date,
) -> ParsedRoster:
    """The roster with row ``index`` replaced by ``values`` (``index`` None: ``values``
    added at the end; ``values`` None: the row removed), validated as an import would
    be. The file name says which row and what was done, for the audit event."""
    texts = row_texts(kind, rows)
    if index is None:
        assert values is not None
        texts.append({c.name: values.get(c.name, "") for c in kind.columns})
        what = f"row{len(texts)}-added"
    elif values is None:
        del texts[index]
        what = f"row{index + 1}-removed"
    else:
        texts[index] = {c.name: values.get(c.name, "") for c in kind.columns}
        what = f"row{index + 1}-edited"
    return parse_bytes(roster_csv(kind, texts), f"{kind.name}-{what}.csv", kind, today)
