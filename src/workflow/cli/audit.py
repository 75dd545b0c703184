"""Audit, report, demo, schema upgrade and backup commands."""

from __future__ import annotations

from typing import TYPE_CHECKING

from workflow.cli.options import OPTS, emit_json, say
from workflow.errors import BadInput
from workflow.i18n import tr

if TYPE_CHECKING:
    from pathlib import Path

SIGN_IN_REVISION = "0007"
"""The schema revision that brought sign-in: a database older than it has no one who
can sign in, so ``db upgrade`` runs without a session (and prints set-up codes)."""


def audit_verify(
    township: str | None, as_json: bool, checkpoint: Path | None, trust: list[str] | None
) -> None:
    """Check every hash chain, replay the log against every table, check this machine's
    witness state and, with --checkpoint, that every chain still extends a signed
    checkpoint; exit 6 naming each difference."""
    from workflow.cli.anchors import fail, verify_anchors
    from workflow.errors import AuditFailure

    if checkpoint is not None:
        from workflow.app.checkpoints import read_file

        read_file(checkpoint)  # a missing or malformed file is refused before the long checks
    svc = OPTS.service(reading=True)
    report = svc.verify(township)
    anchors = verify_anchors(svc, checkpoint, trust or [])
    if anchors:
        fail([p.text for p in report.problems] + [d.text for d in report.differences] + anchors)
    if as_json:
        emit_json(
            {
                "ok": report.ok,
                "chains": report.chains,
                "events": report.events,
                "broken_chains": [
                    {
                        "chain": p.chain,
                        "event_id": p.event_id,
                        "seq": p.seq,
                        "what": p.what,
                        "message": p.text.as_dict(),
                    }
                    for p in report.problems
                ],
                "differences": [d.as_dict() for d in report.differences],
            }
        )
    else:
        for p in report.problems:
            say(p.text)
        for d in report.differences:
            say(d.text)
    if not report.ok:
        raise AuditFailure(
            tr(
                "审计日志校验失败：{n}条链有问题，{d}处数据与日志不符",
                "audit log verification failed: {n} chain(s) broken, {d} difference(s) from the log",
                n=len(report.problems),
                d=len(report.differences),
            )
        )
    if as_json:
        return
    say(
        tr(
            "审计日志完整：{c}条链，{e}个事件",
            "audit log intact: {c} chains, {e} events",
            c=report.chains,
            e=report.events,
        )
    )


def demo() -> None:
    """Fill the database with the demo districts (generated records; idempotent)."""
    from workflow.app.demo import build_demo
    from workflow.app.demo_signin import DEMO_ADMIN
    from workflow.app.service import Service
    from workflow.domain.definition import default_definition
    from workflow.store.db import is_initialised

    fresh = not is_initialised(OPTS.engine())
    svc = Service(OPTS.engine(), DEMO_ADMIN, default_definition()) if fresh else OPTS.service()
    summary = build_demo(svc)
    for name in summary.created:
        say(tr("已生成演示数据：{d}", "demo district created: {d}", d=name))
    for name in summary.skipped:
        say(tr("已存在，跳过：{d}", "already present, skipped: {d}", d=name))


def report(district: str | None, as_json: bool) -> None:
    """The district report, computed from the records."""
    from workflow.domain.report import render_text

    data = OPTS.service(reading=True).report(district)
    if as_json:
        emit_json(data)
    else:
        say(render_text(data, OPTS.lang))


def db_upgrade() -> None:
    """Bring an older database to the current schema (admins)."""
    from workflow.store.migrate import current

    if (current(OPTS.engine()) or "9") < SIGN_IN_REVISION:  # no one can sign in to it yet
        from workflow.cli.users import upgrade_to_sign_in

        r = upgrade_to_sign_in(OPTS.engine(), say)
    else:
        r = OPTS.service().upgrade_schema()
    say(tr("数据库结构：{a} → {b}", "database schema: {a} -> {b}", a=r[0] or "-", b=r[1]))


def backup(path: Path) -> None:
    """Copy the SQLite database to PATH while it is in use (admins and auditors)."""
    n = OPTS.service(reading=True).backup(path)
    say(tr("已备份到 {p}（{n}页）", "backed up to {p} ({n} pages)", p=path, n=n))


def restore(backup_file: Path, to: Path | None) -> None:
    """Put a checked backup in place of the SQLite database (admins).

    The session is checked against the backup (a copy of the same database, with the
    same id and sessions), so that a damaged database can be restored."""
    from workflow.app.auth import session_user
    from workflow.app.service import Service
    from workflow.domain.definition import default_definition
    from workflow.store.db import check_schema, open_engine

    if not backup_file.is_file():
        raise BadInput(tr("备份文件不存在：{p}", "no backup file at {p}", p=backup_file))
    source = open_engine(str(backup_file), read_only=True)
    try:
        check_schema(source)
        user = session_user(source)
    finally:
        source.dispose()
    n = Service(OPTS.engine(reading=True), user, default_definition()).restore(backup_file, to)
    say(tr("已从 {b} 恢复（{n}页）", "restored from {b} ({n} pages)", b=backup_file, n=n))
