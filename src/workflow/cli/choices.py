"""The lists a command's help shows (stage ids, facts and their fields, check ids,
roster kinds, roles, export formats), read from the shipped process definition and
the modules that own them. Imported only when a help is printed."""

from __future__ import annotations

from collections.abc import Callable

from workflow.i18n import Lang, Text

Rows = list[tuple[str, str]]


def _default_note(lang: Lang) -> str:
    return Text("（默认流程定义）", " (default definition)")(lang)


def stages(lang: Lang) -> tuple[str, Rows]:
    from workflow.domain.definition import default_definition

    d = default_definition()
    rows = []
    for s in d.stages:
        label = f"{s.order}.{s.label()(lang)}"
        nxt = d.next_stage(s.id)
        if nxt:
            label += Text("，下一阶段 {n}", "; next: {n}")(lang).format(n=nxt)
        rows.append((s.id, label))
    return Text("阶段编号", "stage ids")(lang) + _default_note(lang), rows


def facts(lang: Lang) -> tuple[str, Rows]:
    from workflow.domain.definition import default_definition

    d = default_definition()
    stage_of = {f: s for s in d.stages for f in s.facts}
    rows = []
    for name, fact in d.facts.items():
        stage = stage_of.get(name)
        where = f"{stage.order}.{stage.label()(lang)}" if stage else "-"
        rows.append(
            (name, Text("{f}（阶段 {s}）", "{f} (stage {s})")(lang).format(f=fact.label()(lang), s=where))
        )
        for field in fact.fields:
            optional = "" if field.required else Text("，可不填", "; optional")(lang)
            rows.append(
                (
                    f"  {field.name}=",
                    Text("{l}：{e}{o}", "{l}: {e}{o}")(lang).format(
                        l=field.label()(lang), e=field.expected()(lang), o=optional
                    ),
                )
            )
    return Text("事实及其字段", "facts and their fields")(lang) + _default_note(lang), rows


def checks(lang: Lang) -> tuple[str, Rows]:
    from workflow.domain.definition import default_definition

    d = default_definition()
    rows = [
        (c.id, Text("阶段 {s}", "stage {s}")(lang).format(s=f"{s.order}.{s.label()(lang)}"))
        for s in d.stages
        for c in s.checks
    ]
    return Text("检查编号", "check ids")(lang) + _default_note(lang), rows


def rosters(lang: Lang) -> tuple[str, Rows]:
    from workflow.domain.rosters import ROSTER_KINDS

    rows = []
    for kind in ROSTER_KINDS.values():
        columns = Text("、", ", ")(lang).join(
            c.label()(lang) if lang == "zh" else c.name for c in kind.columns
        )
        rows.append(
            (
                kind.name,
                Text("{k}；列：{c}", "{k}; columns: {c}")(lang).format(k=kind.label()(lang), c=columns),
            )
        )
    return Text("名册类型", "roster kinds")(lang), rows


def roles(lang: Lang) -> tuple[str, Rows]:
    from workflow.app.actors import ROLE_LABELS

    what = {
        "coordinator": Text(
            "记录事实与名册，推进自己负责的乡镇", "records facts and rosters, steps their own townships"
        ),
        "reviewer": Text(
            "另可退回、豁免、处理违纪举报", "also returns, waives and resolves violation reports"
        ),
        "auditor": Text("只读、校验、导出，不做更改", "reads, verifies and exports; changes nothing"),
        "admin": Text(
            "全部权限，并管理用户、区和乡镇", "everything, and manages users, districts and townships"
        ),
    }
    rows = []
    for role, label in ROLE_LABELS.items():
        parts = [label(lang)] if label(lang) != role else []
        if role in what:
            parts.append(what[role](lang))
        rows.append((role, Text("：", ": ")(lang).join(parts)))
    return Text("角色", "roles")(lang), rows


def formats(lang: Lang) -> tuple[str, Rows]:
    from workflow.app.exporters import FORMATS

    what = {
        "csv": Text("带 BOM 的 UTF-8（Excel、WPS 可直接打开）", "UTF-8 with BOM (Excel, WPS)"),
        "json": Text("每行一个乡镇", "one township per line"),
        "ics": Text("日历：每个阶段一个全天事件", "calendar: one all-day event per stage"),
        "xlsx": Text(
            "Excel 工作簿：时间线、事件、检查、区报告",
            "Excel workbook: timeline, events, checks, district report",
        ),
        "html": Text("单个离线网页：区报告与甘特图", "one offline page: district report and Gantt chart"),
        "mermaid": Text("Mermaid 甘特图，可贴入 Markdown", "a Mermaid gantt block to paste into Markdown"),
    }
    rows = [(name, what[name](lang) if name in what else "") for name in FORMATS]
    return Text("格式", "formats")(lang), rows


SECTIONS: dict[str, Callable[[Lang], tuple[str, Rows]]] = {
    "stages": stages,
    "facts": facts,
    "checks": checks,
    "rosters": rosters,
    "roles": roles,
    "formats": formats,
}
