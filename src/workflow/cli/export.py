"""The ``workflow export`` commands: ``timeline`` in six formats and ``history`` for
auditors. Thin wrappers over :mod:`workflow.app.exporters`; a progress bar (rich) on
standard error when it is a terminal."""

from __future__ import annotations

import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated

import typer

from workflow.errors import BadInput
from workflow.i18n import parse_lang, tr

export_app = typer.Typer(no_args_is_help=True, help="Export timelines and history / 导出时间线和审计记录")


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


def _set_lang(value: str | None) -> None:
    """``--lang`` given after the command overrides the global one."""
    from workflow.cli.options import OPTS

    if value is None:
        return
    lang = parse_lang(value)
    if lang is None:
        raise BadInput(
            tr("--lang 应为 zh 或 en，而不是「{v}」", "--lang must be zh or en, not '{v}'", v=value)
        )
    OPTS.lang = lang


@export_app.command("timeline")
def timeline(
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv|json|ics|xlsx|html|mermaid")],
    output: Annotated[str, typer.Option("-o", "--output", help="File to write, or - for standard output")],
    district: Annotated[str | None, typer.Option("--district", help="Only this district")] = None,
    township: Annotated[
        list[str] | None, typer.Option("--township", help="Only these townships (repeatable)")
    ] = None,
    date_from: Annotated[str | None, typer.Option("--from", help="Spans touching this date or later")] = None,
    date_to: Annotated[str | None, typer.Option("--to", help="Spans touching this date or earlier")] = None,
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en (headers and names)")] = None,
) -> None:
    """One row per township and stage visited: entered, left, days, deadline, flags."""
    from workflow.app.exporters import plan_timeline, write_timeline
    from workflow.cli.options import OPTS, say

    _set_lang(lang)
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


@export_app.command("history")
def history(
    township: str,
    fmt: Annotated[str, typer.Option("--format", "-f", help="csv|json")] = "csv",
    output: Annotated[
        str, typer.Option("-o", "--output", help="File to write, or - for standard output")
    ] = "-",
    lang: Annotated[str | None, typer.Option("--lang", help="zh or en (headers)")] = None,
) -> None:
    """A township's raw audit events, oldest first, with their hashes."""
    from workflow.app.exporters import export_history
    from workflow.cli.options import OPTS, say

    _set_lang(lang)
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


def register(app: typer.Typer) -> None:
    """Add the export commands to the CLI."""
    app.add_typer(export_app, name="export")
