"""Commands that read a township: status, history, the process diagram."""

from __future__ import annotations

from workflow.cli.options import OPTS, check_line, emit_json, say, stage_name
from workflow.errors import AuditFailure
from workflow.i18n import tr


def status(township: str, as_json: bool) -> None:
    """A township's stage, next stage, and each check of its exit gate."""
    v = OPTS.reads().status(township)
    if as_json:
        emit_json(
            {
                "township": v.township,
                "district": v.district,
                "stage": v.stage,
                "next_stage": v.next_stage,
                "version": v.version,
                "stage_since": v.stage_since,
                "ready": v.ready,
                "checks": [
                    c.as_dict(OPTS.lang) | ({"waiver_reason": c.waiver_reason} if c.waived else {})
                    for c in v.checks
                ],
                "open_violations": [
                    {"id": x.id, "note": x.opened_note, "opened_on": x.opened_on, "opened_by": x.opened_by}
                    for x in v.open_violations
                ],
                "waivers": [{"check": w.check_id, "reason": w.reason, "by": w.actor} for w in v.waivers],
                "facts": v.facts,
                "rosters": v.roster_counts,
            }
        )
        return
    say(f"{v.township}（{v.district}）" if OPTS.lang == "zh" else f"{v.township} ({v.district})")
    say(
        tr(
            "当前阶段：{s}（自 {d}）",
            "stage: {s} (since {d})",
            s=stage_name(v.stage, v.definition),
            d=v.stage_since or "-",
        )
    )
    say(tr("下一阶段：{s}", "next stage: {s}", s=stage_name(v.next_stage, v.definition)))
    if v.checks:
        say(tr("出口检查：", "exit gate:"))
        for c in v.checks:
            say(check_line(c))
    for x in v.open_violations:  # a coordinator is shown no note, only that a report is open
        say(
            tr("未处理的违纪举报 #{i}：{n}", "open violation report #{i}: {n}", i=x.id, n=x.opened_note)
            if x.opened_note
            else tr("未处理的违纪举报 #{i}", "open violation report #{i}", i=x.id)
        )


def history(township: str, as_json: bool) -> None:
    """Every event of a township, oldest first, and whether its chain verifies."""
    import json

    from workflow.domain.text import visible
    from workflow.ledger.chain import event_dict

    _town, events, problem = OPTS.service(reading=True).history(township)
    if as_json:
        emit_json([event_dict(e) for e in events])
        if problem is not None:
            raise AuditFailure(problem.text)
        return
    for e in events:
        payload = json.loads(e.payload)
        flags = []
        if e.kind in ("return", "revert"):
            flags.append(tr("[退回]", "[returned]")(OPTS.lang))
        if e.kind == "waive" or payload.get("waived"):
            flags.append(tr("[豁免]", "[waived]")(OPTS.lang))
        if e.effective_date.isoformat() < e.recorded_at[:10]:
            flags.append(tr("[补记]", "[backdated]")(OPTS.lang))
        extra = ""
        if e.kind == "import":
            extra = f" {payload.get('file')} sha256={payload.get('sha256', '')[:16]}…"
        if e.kind == "record":
            extra = " " + str(payload.get("fact"))
        if e.kind == "waive":
            extra = " " + str(payload.get("check"))
        say(
            f"{e.seq:>3} {e.effective_date} {e.recorded_at} {e.actor} {e.kind}"
            f" {stage_name(e.from_stage)} -> {stage_name(e.to_stage)}{extra}"
            f"{' ' + visible(e.note) if e.note else ''} {' '.join(flags)}".rstrip()
        )
    if problem is None:
        say(tr("审计链校验：通过（{n}个事件）", "audit chain verifies ({n} events)", n=len(events)))
    else:  # the events are listed for the auditor, then the command fails
        raise AuditFailure(tr("审计链校验：失败：{p}", "audit chain FAILS: {p}", p=problem.text(OPTS.lang)))


def diagram() -> None:
    """Print the process as a Mermaid stateDiagram-v2."""
    from workflow.domain.diagram import mermaid

    say(mermaid(OPTS.loaded_definition(), OPTS.lang))
