"""CSV: UTF-8 with a byte-order mark so that Excel and WPS read Chinese correctly, one
header row, ISO dates, and text cells that cannot run as formulas."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable, Sequence
from typing import IO, Any

from workflow.app.exporters.common import (
    HISTORY_COLUMNS,
    TIMELINE_COLUMNS,
    ExportContext,
    Progress,
    TimelineRows,
    headers,
    safe,
)
from workflow.domain.timeline import TownshipTimeline
from workflow.i18n import Lang


class _Sink:
    """A csv writer whose text is encoded and written to ``out`` in large pieces
    (much cheaper than a text wrapper's write per row); starts with the BOM."""

    LIMIT = 1 << 18

    def __init__(self, out: IO[bytes]) -> None:
        self.out = out
        self.buffer = io.StringIO()
        self.buffer.write("\ufeff")
        self.writer = csv.writer(self.buffer)

    def rows(self, rows: Iterable[Sequence[Any]]) -> None:
        self.writer.writerows(rows)
        if self.buffer.tell() > self.LIMIT:
            self.flush()

    def flush(self) -> None:
        self.out.write(self.buffer.getvalue().encode("utf-8"))
        self.buffer.seek(0)
        self.buffer.truncate()


def write_timeline(
    ctx: ExportContext, timelines: Iterable[TownshipTimeline], out: IO[bytes], progress: Progress | None
) -> int:
    spans = 0
    table = TimelineRows(ctx, text_dates=True)
    sink = _Sink(out)
    sink.rows([headers(TIMELINE_COLUMNS, ctx.lang)])
    for done, t in enumerate(timelines, start=1):
        sink.rows(table.rows(t))
        spans += len(t.spans)
        if progress is not None:
            progress(done, ctx.township_count)
    sink.flush()
    return spans


def history_cells(district: str, township: str, e: Any) -> list[Any]:
    """One audit event as a row: every stored field, the payload as JSON text."""
    return [
        safe(district),
        safe(township),
        e.seq,
        e.kind,
        e.from_stage or "",
        e.to_stage or "",
        safe(e.actor),
        e.recorded_at,
        e.effective_date,
        safe(e.note),
        safe(json.dumps(json.loads(e.payload), ensure_ascii=False, sort_keys=True)),
        e.prev_hash,
        e.hash,
    ]


def write_history(district: str, township: str, events: Iterable[Any], out: IO[bytes], lang: Lang) -> int:
    n = 0
    sink = _Sink(out)
    sink.rows([headers(HISTORY_COLUMNS, lang)])
    for e in events:
        sink.rows([history_cells(district, township, e)])
        n += 1
    sink.flush()
    return n
