"""The ``workflow export`` commands: ``timeline`` in six formats and ``history`` for
auditors. Thin wrappers over :mod:`workflow.app.exporters`; a progress bar (rich) on
standard error when it is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager

from workflow.i18n import tr


@contextmanager
def _progress(enabled: bool, label: str) -> Iterator[Callable[[int, int], None] | None]:
    """A rich progress bar on standard error, or nothing when it is not a terminal."""
    if not enabled:
        yield None
        return
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TimeRemainingColumn(),
        console=Console(stderr=True),
        transient=True,
    )
    task = bar.add_task(label, total=None)
    last = [0]

    def update(done: int, total: int) -> None:
        if done - last[0] >= 50 or done == total:
            last[0] = done
            bar.update(task, completed=done, total=total)

    with bar:
        yield update


def timeline(
    fmt: str,
    output: str,
    district: str | None,
    township: list[str] | None,
    date_from: str | None,
    date_to: str | None,
) -> None:
    """One row per township and stage visited: entered, left, days, deadline, flags
    (headers and names in ``--lang``)."""
    from workflow.app.exporters import plan_timeline, write_timeline
    from workflow.cli.options import OPTS, say

    service = OPTS.service(reading=True)
    plan = plan_timeline(
        service,
        fmt,
        districts=[district] if district else [],
        townships=township or [],
        date_from=date_from,
        date_to=date_to,
        lang=OPTS.lang,
    )
    show = sys.stderr.isatty()
    with _progress(show, tr("导出", "exporting")(OPTS.lang)) as progress:
        summary = write_timeline(service, plan, output, progress)
    if output != "-":
        say(
            tr(
                "已导出{t}个乡镇的时间线（{n}行，{f}）到 {p}",
                "timeline of {t} township(s) exported ({n} rows, {f}) to {p}",
                t=summary.townships,
                n=summary.rows,
                f=summary.fmt,
                p=output,
            )
        )


def history(township: str, fmt: str, output: str) -> None:
    """A township's raw audit events, oldest first, with their hashes (headers in
    ``--lang``)."""
    from workflow.app.exporters import export_history
    from workflow.cli.options import OPTS, say

    summary = export_history(OPTS.service(reading=True), township, fmt, output, lang=OPTS.lang)
    if output != "-":
        say(
            tr(
                "已导出{n}个事件到 {p}",
                "{n} event(s) exported to {p}",
                n=summary.rows,
                p=output,
            )
        )
