"""Commands that change a township: record, advance, return, waive, violation reports, roster import."""

from __future__ import annotations

import json
import sys
from typing import TYPE_CHECKING

from workflow.cli.options import OPTS, check_line, emit_json, kv_pairs, say, stage_name
from workflow.errors import BadInput
from workflow.i18n import tr

if TYPE_CHECKING:
    from pathlib import Path


def record(
    township: str,
    fact: str,
    values: list[str] | None,
    on: str | None,
    note: str,
    expect_version: int | None,
) -> None:
    """Record a fact, e.g. record 东湖镇 draft title=工作报告 date=2021-04-12"""
    r = OPTS.service().record(township, fact, kv_pairs(values or []), on, note, expect_version)
    say(tr("已记录「{t}」的 {f}", "recorded {f} for '{t}'", t=r.township, f=fact))


def advance(
    township: str | None,
    to: str | None,
    on: str | None,
    note: str,
    expect_version: int | None,
    district: str | None,
    stage: str | None,
    dry_run: bool,
) -> None:
    """Step a township to its next stage when its exit gate holds; or, with --district
    and --stage, every township of a district at that stage whose gate holds."""
    if district or stage or dry_run:
        if township or to or expect_version is not None or not (district and stage):
            raise BadInput(
                tr(
                    "批量前进用法：workflow advance --district 区 --stage 阶段 [--dry-run] [--on 日期]",
                    "bulk usage: workflow advance --district NAME --stage STAGE [--dry-run] [--on DATE]",
                )
            )
        _bulk_advance(district, stage, on, note, dry_run)
        return
    if township is None:
        raise BadInput(
            tr(
                "请指定乡镇，或用 --district 与 --stage 批量前进",
                "name a township, or use --district and --stage",
            )
        )
    r = OPTS.steps().advance(township, to, on, note, expect_version)
    say(
        tr(
            "「{t}」：{a} → {b}",
            "'{t}': {a} -> {b}",
            t=r.township,
            a=stage_name(r.from_stage),
            b=stage_name(r.to_stage),
        )
    )


def _bulk_advance(district: str, stage: str, on: str | None, note: str, dry_run: bool) -> None:
    from workflow.app.base import BulkInterrupted
    from workflow.errors import Blocked

    interrupted: BulkInterrupted | None = None
    try:
        outcomes = OPTS.steps().bulk_advance(district, stage, on, note, dry_run)
    except BulkInterrupted as e:
        interrupted, outcomes = e, e.outcomes
    labels = {
        "advanced": tr("已前进", "advanced"),
        "ready": tr("可前进", "ready"),
        "blocked": tr("受阻", "blocked"),
        "not_permitted": tr("无权", "not permitted"),
        "conflict": tr("冲突", "conflict"),
        "bad_input": tr("输入有误", "bad input"),
        "unavailable": tr("数据库不可用", "database unavailable"),
        "not_tried": tr("未尝试", "not tried"),
    }
    lines: list[str] = []  # written at once: thousands of townships, one write
    for o in outcomes:
        lines.append(f"{labels[o.outcome](OPTS.lang)}\t{o.township}")
        lines += [check_line(c) for c in o.failing]
        if o.reason is not None and not o.failing:
            lines.append(f"  {o.reason(OPTS.lang)}")
    if lines:
        say("\n".join(lines))
    done = sum(o.outcome in ("advanced", "ready") for o in outcomes)
    summary = (
        tr(
            "{n}个乡镇处于该阶段：{d}个可前进，{b}个受阻",
            "{n} townships at that stage: {d} ready, {b} not",
            n=len(outcomes),
            d=done,
            b=len(outcomes) - done,
        )
        if dry_run
        else tr(
            "{n}个乡镇处于该阶段：{d}个已前进，{b}个未前进",
            "{n} townships at that stage: {d} advanced, {b} not",
            n=len(outcomes),
            d=done,
            b=len(outcomes) - done,
        )
    )
    say(summary)
    if interrupted is not None:
        raise interrupted
    if done < len(outcomes):
        raise Blocked(tr("部分乡镇未前进（见上）", "some townships were not advanced (see above)"))


def return_cmd(township: str, to: str, reason: str, on: str | None, expect_version: int | None) -> None:
    """Send a township back to an earlier stage (reviewers and admins)."""
    r = OPTS.steps().return_(township, to, reason, on, expect_version)
    say(
        tr(
            "「{t}」已退回：{a} → {b}",
            "'{t}' returned: {a} -> {b}",
            t=r.township,
            a=stage_name(r.from_stage),
            b=stage_name(r.to_stage),
        )
    )


def waive(township: str, check: str, reason: str) -> None:
    """Let one check of one township pass (reviewers and admins)."""
    OPTS.service().waive_check(township, check, reason)
    say(tr("已豁免「{t}」的检查 {c}", "check {c} of '{t}' waived", t=township, c=check))


def violation_open(township: str, note: str) -> None:
    """Record a violation report; it blocks every forward step until resolved."""
    v, _ = OPTS.service().open_violation(township, note)
    say(tr("已登记违纪举报 #{i}", "violation report #{i} opened", i=v.id))


def violation_resolve(violation_id: int, note: str) -> None:
    """Resolve a violation report (reviewers and admins)."""
    v, _ = OPTS.service().resolve_violation(violation_id, note)
    say(tr("违纪举报 #{i} 已处理", "violation report #{i} resolved", i=v.id))


def violation_list(township: str | None, as_json: bool) -> None:
    """List violation reports."""
    rows = OPTS.service(reading=True).violations(township)
    if as_json:
        emit_json(
            [
                {
                    "id": v.id,
                    "township": n,
                    "status": v.status,
                    "note": v.opened_note,
                    "opened_on": v.opened_on,
                    "resolved_note": v.resolved_note,
                    "resolved_on": v.resolved_on,
                }
                for v, n in rows
            ]
        )
        return
    for v, n in rows:
        say(f"#{v.id}\t{n}\t{v.status}\t{v.opened_on}\t{v.opened_note}")


def import_cmd(
    township: str | None,
    kind: str | None,
    file: Path | None,
    replace: bool,
    template: str | None,
    output: str | None,
) -> None:
    """Import a roster (CSV or XLSX), all or nothing; or write a template."""
    from pathlib import Path

    from workflow.domain.rosters import roster_kind, template_csv

    if template:
        text = template_csv(roster_kind(template))
        if output == "-":
            sys.stdout.write(text)
            return
        path = Path(output or f"{template}.csv")
        if path.exists():
            raise BadInput(tr("文件已存在：{p}", "file exists: {p}", p=path))
        path.write_text("\ufeff" + text, encoding="utf-8")
        say(tr("已写出模板 {p}", "template written to {p}", p=path))
        return
    if not (township and kind and file):
        raise BadInput(
            tr(
                "用法：workflow import 乡镇 名册类型 文件 [--replace]，或 --template 类型",
                "usage: workflow import TOWNSHIP KIND FILE [--replace], or --template KIND",
            )
        )
    r = OPTS.service().import_roster(township, kind, file, replace)
    payload = json.loads(r.event.payload)
    say(
        tr(
            "已导入「{t}」的{k}名册：{n}行（{f}，sha256 {h}）",
            "imported {n} {k} rows for '{t}' ({f}, sha256 {h})",
            t=r.township,
            k=kind,
            n=payload["rows"],
            f=payload["file"],
            h=payload["sha256"][:16],
        )
    )


def roster(township: str, kind: str, as_json: bool) -> None:
    """List a township's roster of one kind."""
    rows = OPTS.service(reading=True).roster(township, kind)
    if as_json:
        emit_json(rows)
        return
    for r in rows:
        say("\t".join("" if v is None else str(v) for v in r.values()))
