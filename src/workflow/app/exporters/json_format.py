"""JSON, schema 1: one object written piece by piece, one township per line, so that
an export of any size is streamed. The shape is documented in the README."""

from __future__ import annotations

import json
from collections.abc import Iterable
from typing import IO, Any

from workflow.app.exporters.common import SCHEMA, ExportContext, Progress
from workflow.domain.definition import Definition
from workflow.domain.timeline import TownshipTimeline
from workflow.ledger.chain import event_dict


def _dump(value: Any) -> bytes:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def stages_of(d: Definition) -> list[dict[str, Any]]:
    return [
        {"id": s.id, "order": s.order, "zh": s.zh, "en": s.en, "deadline_days": s.deadline_days}
        for s in d.stages
    ]


def township_dict(t: TownshipTimeline) -> dict[str, Any]:
    return {
        "id": t.township_id,
        "district": t.district,
        "township": t.township,
        "stage": t.stage,
        "spans": [s.as_dict() for s in t.spans],
    }


def write_timeline(
    ctx: ExportContext, timelines: Iterable[TownshipTimeline], out: IO[bytes], progress: Progress | None
) -> int:
    head = {
        "schema": SCHEMA,
        "kind": "timeline",
        "generated_at": ctx.generated_at,
        "today": ctx.today.isoformat(),
        "filters": ctx.filters,
        "districts": [
            {"id": s.district_id, "name": s.name, "stages": stages_of(ctx.definitions[s.district_id])}
            for s in ctx.scopes
        ],
    }
    out.write(_dump(head)[:-1] + b',\n"townships":[')
    spans = towns = 0
    for towns, t in enumerate(timelines, start=1):
        out.write((b"\n" if towns == 1 else b",\n") + _dump(township_dict(t)))
        spans += len(t.spans)
        if progress is not None:
            progress(towns, ctx.township_count)
    out.write(b'\n],\n"totals":' + _dump({"townships": towns, "spans": spans}) + b"}\n")
    return spans


def write_history(head: dict[str, Any], events: Iterable[Any], out: IO[bytes]) -> int:
    out.write(_dump({"schema": SCHEMA, "kind": "history", **head})[:-1] + b',\n"events":[')
    n = 0
    for n, e in enumerate(events, start=1):
        out.write((b"\n" if n == 1 else b",\n") + _dump(event_dict(e)))
    out.write(b"\n]}\n")
    return n
