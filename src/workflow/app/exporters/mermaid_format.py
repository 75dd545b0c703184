"""Mermaid: a ``gantt`` block that renders as is, one section per township, one task
per stage span (done, active, or crit when overdue), a milestone on completion.

Mermaid renders nothing but "Maximum text size in diagram exceeded" above 50,000
characters (its default ``maxTextSize``), so the chart is built in memory (it is small
by nature) and refused with a clear message, before anything is written, when it
would be longer: export one district or fewer townships, or use the HTML chart."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from typing import IO

from workflow.app.exporters.common import ExportContext, Progress
from workflow.domain.timeline import TownshipTimeline
from workflow.errors import BadInput
from workflow.i18n import tr

MAX_TEXT = 50_000
"""Mermaid's default ``maxTextSize``: longer diagrams are not rendered."""

# Characters Mermaid's gantt grammar reads as syntax inside a name.
_UNSAFE = str.maketrans({":": "：", ";": "；", "#": "＃", "\n": " ", "\r": " ", "%": "％"})


def clean(text: str) -> str:
    return text.translate(_UNSAFE).strip() or "-"


def write_timeline(
    ctx: ExportContext, timelines: Iterable[TownshipTimeline], out: IO[bytes], progress: Progress | None
) -> int:
    title = tr("乡镇党委换届时间线", "Township Party committee re-election timeline")(ctx.lang)
    head = [
        "gantt",
        f"    title {clean(title)}",
        "    dateFormat YYYY-MM-DD",
        "    axisFormat %Y-%m-%d",
        "",
    ]
    chunks = ["\n".join(head) + "\n"]
    size = len(chunks[0])
    one = dt.timedelta(days=1)
    spans = 0
    for done, t in enumerate(timelines, start=1):
        lines = [f"    section {clean(t.district)} {clean(t.township)}"]
        for k, s in enumerate(t.spans, start=1):
            name = ctx.stage_name(t.definition, s.stage)
            task_id = f"t{t.township_id}s{k}"
            if s.final:
                lines.append(f"    {clean(name)} :milestone, {task_id}, {s.entered.isoformat()}, 0d")
                spans += 1
                continue
            label = f"{s.order}.{name}"
            if s.visit > 1:
                label += tr("（第{v}次）", " (visit {v})", v=s.visit)(ctx.lang)
            if s.waived:
                label += tr(" [豁免]", " [waived]")(ctx.lang)
            if s.overdue_days:
                label += tr(" [超期{n}天]", " [overdue {n}d]", n=s.overdue_days)(ctx.lang)
            tags = ["active" if s.current else "done"]
            if s.overdue_days:
                tags.insert(0, "crit")
            end = s.left if s.left is not None else max(ctx.today, s.entered) + one
            end = max(end, s.entered + one)
            lines.append(
                f"    {clean(label)} :{', '.join(tags)}, {task_id}, {s.entered.isoformat()}, {end.isoformat()}"
            )
            spans += 1
        chunk = "\n".join(lines) + "\n"
        size += len(chunk)
        if size > MAX_TEXT:
            raise BadInput(
                tr(
                    "Mermaid 图超过其渲染上限（{m} 字符，已到第{n}个乡镇，共{t}个）：Mermaid 只会显示"
                    "“Maximum text size in diagram exceeded”。请用 --district 或 --township 缩小范围，"
                    "或改用 --format html",
                    "the Mermaid chart is longer than Mermaid renders ({m} characters, reached at "
                    "township {n} of {t}): Mermaid would show only 'Maximum text size in diagram "
                    "exceeded'. Narrow it with --district or --township, or use --format html",
                    m=MAX_TEXT,
                    n=done,
                    t=ctx.township_count,
                )
            )
        chunks.append(chunk)
        if progress is not None:
            progress(done, ctx.township_count)
    out.write("".join(chunks).encode("utf-8"))
    return spans
