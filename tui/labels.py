"""How the UI names things in both languages: stages with their step number,
gate states, deadlines, check results and event kinds. Text only, no widgets."""

from __future__ import annotations

import datetime as dt
import json
from typing import TYPE_CHECKING

from workflow.app.dashboard import GateState, days_overdue
from workflow.domain.definition import Definition
from workflow.domain.gates import CheckResult
from workflow.domain.text import visible
from workflow.i18n import Lang, Text, tr

if TYPE_CHECKING:
    from workflow.app.service import BulkOutcome
    from workflow.app.views import Event
from workflow.app.actors import ROLE_LABELS

EVENT_KINDS: dict[str, Text] = {
    "create": Text("创建", "create"),
    "record": Text("记录", "record"),
    "advance": Text("推进", "advance"),
    "return": Text("退回", "return"),
    "revert": Text("回退", "revert"),
    "waive": Text("豁免", "waive"),
    "import": Text("导入名册", "import"),
    "violation_open": Text("登记举报", "violation opened"),
    "violation_resolve": Text("处理举报", "violation resolved"),
    "attach": Text("附加文件", "document attached"),
}

OUTCOMES: dict[str, Text] = {
    "advanced": Text("已推进", "advanced"),
    "ready": Text("可推进", "ready"),
    "blocked": Text("受阻", "blocked"),
    "not_permitted": Text("无权执行", "not permitted"),
    "conflict": Text("已被他人修改", "changed by someone else"),
    "bad_input": Text("输入有误", "bad input"),
    "unavailable": Text("数据库不可用", "database unavailable"),
    "not_tried": Text("未尝试（数据库不可用）", "not tried (database unavailable)"),
}
"""What a bulk step did with one township."""

CHOICE_LABELS: dict[str, Text] = {
    "approved": Text("通过", "approved"),
    "returned": Text("退回", "returned"),
}


def stage_name(d: Definition, stage: str | None, lang: Lang) -> str:
    """The stage's name, or its id if the definition does not know it."""
    if stage is None:
        return "-"
    return d.stage(stage).label()(lang) if d.has_stage(stage) else stage


def stage_step(d: Definition, stage: str | None, lang: Lang) -> str:
    """'4/8 推选党代表': the step as text, not colour alone; the final stage unnumbered."""
    if stage is None or not d.has_stage(stage):
        return stage or "-"
    s = d.stage(stage)
    if s.id == d.final:
        return s.label()(lang)
    return f"{s.order}/{len(d.working_stages())} {s.label()(lang)}"


def role_label(role: str, lang: Lang) -> str:
    return ROLE_LABELS[role](lang) if role in ROLE_LABELS else role


def days_in_stage(since: dt.date | None, today: dt.date) -> str:
    return "-" if since is None else str((today - since).days)


def deadline(d: Definition, stage: str, since: dt.date | None, today: dt.date, lang: Lang) -> str:
    """'on time' or 'overdue by n days', or '-' when the stage has no deadline."""
    late = days_overdue(d, stage, since, today)
    if late is None:
        return "-"
    if late == 0:
        return tr("按期", "on time")(lang)
    return tr("逾期{n}天", "overdue by {n} days", n=late)(lang)


def due_date(d: Definition, stage: str, since: dt.date | None) -> dt.date | None:
    """The day the stage is due: entered plus the stage's deadline days."""
    if since is None or not d.has_stage(stage) or stage == d.final:
        return None
    limit = d.stage(stage).deadline_days
    return None if limit is None else since + dt.timedelta(days=limit)


def due_text(d: Definition, stage: str, since: dt.date | None, today: dt.date, lang: Lang) -> str:
    """'2026-12-01, due in 5 days' / 'due today' / 'overdue by 3 days'; '-' without a
    deadline. A person plans by the day and by how many days are left."""
    due = due_date(d, stage, since)
    if due is None:
        return "-"
    left = (due - today).days
    if left > 0:
        when = tr("还剩{n}天", "due in {n} days", n=left) if left > 1 else tr("还剩1天", "due in 1 day")
    elif left == 0:
        when = tr("今天到期", "due today")
    else:
        n = -left
        when = tr("逾期{n}天", "overdue by {n} days", n=n) if n > 1 else tr("逾期1天", "overdue by 1 day")
    return tr("{d}，{w}", "{d}, {w}", d=due.isoformat(), w=when(lang))(lang)


def gate_text(g: GateState | None, lang: Lang) -> str:
    if g is None:
        return tr("计算中", "computing")(lang)
    if g.final:
        return "-"
    if g.failing:
        return tr("受阻：{n}项未通过", "blocked: {n} failing", n=g.failing)(lang)
    if g.waived:
        return tr("可推进（{n}项已豁免）", "ready ({n} waived)", n=g.waived)(lang)
    return tr("可推进", "ready")(lang)


def check_mark(c: CheckResult, lang: Lang) -> str:
    if c.passed:
        return tr("[通过]", "[pass]")(lang)
    if c.waived:
        return tr("[已豁免]", "[waived]")(lang)
    return tr("[未通过]", "[FAIL]")(lang)


def event_kind(kind: str, lang: Lang) -> str:
    return EVENT_KINDS[kind](lang) if kind in EVENT_KINDS else kind


def event_flags(e: Event, lang: Lang) -> list[str]:
    """Marks for returns, waivers and backdated events (effective before recorded)."""
    payload = json.loads(e.payload or "{}")
    flags = []
    if e.kind in ("return", "revert"):
        flags.append(tr("[退回]", "[returned]")(lang))
    if e.kind == "waive" or payload.get("waived"):
        flags.append(tr("[豁免]", "[waived]")(lang))
    if e.effective_date.isoformat() < e.recorded_at[:10]:
        flags.append(tr("[补记]", "[backdated]")(lang))
    return flags


def event_detail(e: Event, d: Definition, lang: Lang, full: bool = False) -> str:
    """What the event concerns: the fact, the file and hash (all 64 digits with
    ``full``), the check; and the note."""
    payload = json.loads(e.payload or "{}")
    parts: list[str] = []
    if e.kind == "record":
        fact = str(payload.get("fact", ""))
        parts.append(d.facts[fact].label()(lang) if fact in d.facts else fact)
    elif e.kind == "import":
        parts.append(
            tr(
                "{f}（{n}行，sha256 {h}）",
                "{f} ({n} rows, sha256 {h})",
                f=payload.get("file", ""),
                n=payload.get("rows", "?"),
                h=str(payload.get("sha256", "")) if full else str(payload.get("sha256", ""))[:12] + "…",
            )(lang)
        )
    elif e.kind == "waive":
        parts.append(str(payload.get("check", "")))
    elif e.kind in ("violation_open", "violation_resolve"):
        parts.append(f"#{payload.get('violation', '')}")
    elif e.kind == "attach":
        fact = str(payload.get("fact", ""))
        sha = str(payload.get("sha256", ""))
        parts.append(
            f"{d.facts[fact].label()(lang) if fact in d.facts else fact}: "
            f"{visible(str(payload.get('name', '')))} (sha256 {sha if full else sha[:12] + '…'})"
        )
    if e.note and e.note not in parts:
        parts.append(visible(e.note))
    return " ".join(parts)


def recorded(at: str) -> str:
    """'2026-11-26T01:00:01.000000Z' as '2026-11-26 01:00:01'."""
    return at[:19].replace("T", " ")


def outcome_label(outcome: str, lang: Lang) -> str:
    return OUTCOMES[outcome](lang) if outcome in OUTCOMES else outcome


def bulk_report(outcomes: list[BulkOutcome], lang: Lang) -> list[str]:
    """How many advanced (and which), then each township that did not with its reason:
    for a blocked one its failing checks, for the others the service's message."""
    done = [o.township for o in outcomes if o.outcome == "advanced"]
    left = [o for o in outcomes if o.outcome != "advanced"]
    sep = "、" if lang == "zh" else ", "
    lines = [tr("已推进 {n} 个乡镇", "Townships advanced: {n}", n=len(done))(lang)]
    if done:
        lines[0] += tr("：{s}", " ({s})", s=sep.join(done))(lang)
    if not left:
        return lines
    lines += ["", tr("未推进 {n} 个乡镇：", "Not advanced: {n}", n=len(left))(lang)]
    for o in left:
        lines.append(tr("{n}（{k}）", "{n} ({k})", n=o.township, k=outcome_label(o.outcome, lang))(lang))
        if o.outcome == "blocked" and o.failing:
            for c in o.failing:
                lines.append(
                    tr(
                        "  - {m}（{i}：实际 {a}，要求 {r}）",
                        "  - {m} ({i}: actual {a}, required {r})",
                        m=c.message(lang).replace("\n", "\n    "),
                        i=c.id,
                        a=c.actual,
                        r=c.required,
                    )(lang)
                )
        elif o.reason is not None:
            lines += [f"  {line}" for line in o.reason(lang).splitlines()]
    return lines
