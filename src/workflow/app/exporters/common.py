"""What every export format shares: the validated request, the column headers and
value labels in both languages, spreadsheet-safe cells, and the output file, written
to a temporary file beside the target and moved into place only when complete."""

from __future__ import annotations

import datetime as dt
import os
import sys
import tempfile
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from sqlmodel import Session

from workflow.domain.definition import Definition
from workflow.domain.timeline import RETURN_KINDS, DistrictScope, TownshipTimeline
from workflow.errors import BadInput
from workflow.i18n import Lang, Text, tr
from workflow.store.errors import mapped

Progress = Callable[[int, int], None]
"""Called with (townships done, townships in total) as an export goes."""

SCHEMA = 1
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")


@dataclass
class ExportContext:
    """Everything a format writer needs besides the timelines themselves."""

    service: Any  # workflow.service.Service (kept loose to avoid an import cycle)
    session: Session
    scopes: list[DistrictScope]
    definitions: dict[int, Definition]
    township_count: int
    today: dt.date
    generated_at: str
    lang: Lang
    date_from: dt.date | None = None
    date_to: dt.date | None = None
    filters: dict[str, Any] = field(default_factory=dict)

    def stage_name(self, d: Definition, stage_id: str | None) -> str:
        if stage_id is None:
            return ""
        if not d.has_stage(stage_id):
            return stage_id
        s = d.stage(stage_id)
        return s.zh if self.lang == "zh" else s.en


def safe(value: str) -> str:
    """A text cell a spreadsheet will not run as a formula: the one escaping of every
    text cell of every spreadsheet format (CSV and XLSX), whatever its source (user
    data, stage names from a district's definition, messages). Idempotent."""
    if value and value[0] in FORMULA_PREFIXES:
        return "'" + value
    return value


def safe_row(values: Sequence[Any]) -> list[Any]:
    """A row with :func:`safe` applied to each text cell."""
    return [safe(v) if v.__class__ is str else v for v in values]


def display_width(text: str) -> int:
    """Columns ``text`` takes in a spreadsheet: two for a wide (CJK) character."""
    import unicodedata

    return sum(2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def scope_note(ctx: ExportContext) -> str | None:
    """What a district report covers when the export is narrowed (townships or a
    period), or None when it is not: the figures are always the whole district's."""
    towns = ctx.filters.get("townships") or []
    if not towns and ctx.date_from is None and ctx.date_to is None:
        return None
    parts_zh, parts_en = [], []
    if towns:
        parts_zh.append("乡镇：" + "、".join(towns))
        parts_en.append("townships: " + ", ".join(towns))
    if ctx.date_from is not None or ctx.date_to is not None:
        a, b = ctx.date_from or "…", ctx.date_to or "…"
        parts_zh.append(f"时间 {a} 至 {b}")
        parts_en.append(f"period {a} to {b}")
    note = Text(
        f"筛选条件（{'；'.join(parts_zh)}）只作用于时间线；以下报告数字为全区所有乡镇、全部日期的数字",
        f"Filter ({'; '.join(parts_en)}) applies to the timeline only; the report figures below "
        f"are for the whole district, every township and every date",
    )
    return note(ctx.lang)


# ---------------------------------------------------------------- labels

KIND_LABELS: dict[str, Text] = {
    "create": Text("创建", "created"),
    "advance": Text("推进", "advanced"),
    "return": Text("退回", "returned"),
    "revert": Text("回退", "reverted"),
    "record": Text("记录", "recorded"),
    "import": Text("导入", "imported"),
    "waive": Text("豁免", "waived"),
    "violation_open": Text("违纪举报", "violation reported"),
    "violation_resolve": Text("举报处理", "violation resolved"),
    "attach": Text("附加文件", "document attached"),
}

YES = Text("是", "yes")
NO = Text("否", "no")


def kind_label(kind: str | None, lang: Lang) -> str:
    if kind is None:
        return ""
    label = KIND_LABELS.get(kind)
    return label(lang) if label else kind


TIMELINE_COLUMNS: tuple[tuple[str, Text, int], ...] = (
    # (JSON-style key, header, spreadsheet column width)
    ("district", Text("区", "district"), 12),
    ("township", Text("乡镇", "township"), 12),
    ("township_id", Text("乡镇编号", "township id"), 10),
    ("order", Text("阶段序号", "stage no."), 9),
    ("stage", Text("阶段代码", "stage id"), 20),
    ("stage_name", Text("阶段", "stage"), 22),
    ("visit", Text("第几次", "visit"), 7),
    ("entered", Text("进入日期", "entered"), 12),
    ("left", Text("离开日期", "left"), 12),
    ("days", Text("天数", "days"), 7),
    ("deadline_days", Text("时限（天）", "deadline (days)"), 10),
    ("deadline", Text("截止日期", "deadline"), 12),
    ("overdue_days", Text("超期天数", "overdue days"), 10),
    ("current", Text("当前阶段", "current"), 9),
    ("entered_via", Text("进入方式", "entered via"), 10),
    ("entered_by", Text("进入操作人", "entered by"), 12),
    ("left_via", Text("离开方式", "left via"), 10),
    ("left_by", Text("离开操作人", "left by"), 12),
    ("returned", Text("被退回", "returned"), 9),
    ("waived", Text("豁免检查", "waived checks"), 20),
    ("backdated", Text("补记", "backdated"), 9),
)

HISTORY_COLUMNS: tuple[tuple[str, Text, int], ...] = (
    ("district", Text("区", "district"), 12),
    ("township", Text("乡镇", "township"), 12),
    ("seq", Text("序号", "seq"), 6),
    ("kind", Text("事件", "kind"), 16),
    ("from", Text("原阶段", "from"), 20),
    ("to", Text("新阶段", "to"), 20),
    ("actor", Text("操作人", "actor"), 12),
    ("recorded_at", Text("记录时间（UTC）", "recorded at (UTC)"), 28),
    ("effective_date", Text("生效日期", "effective date"), 12),
    ("note", Text("备注", "note"), 30),
    ("payload", Text("内容", "payload"), 40),
    ("prev_hash", Text("前一哈希", "previous hash"), 20),
    ("hash", Text("哈希", "hash"), 20),
)

CHECK_COLUMNS: tuple[tuple[str, Text, int], ...] = (
    ("district", Text("区", "district"), 12),
    ("township", Text("乡镇", "township"), 12),
    ("stage", Text("当前阶段", "stage"), 22),
    ("check", Text("检查", "check"), 24),
    ("result", Text("结果", "result"), 10),
    ("actual", Text("实际", "actual"), 14),
    ("required", Text("要求", "required"), 14),
    ("message", Text("说明", "message"), 50),
    ("waiver_reason", Text("豁免理由", "waiver reason"), 30),
)


def headers(columns: Sequence[tuple[str, Text, int]], lang: Lang) -> list[str]:
    return [h(lang) for _, h, _ in columns]


class TimelineRows:
    """Timeline rows for the tabular formats; labels are looked up once, not per row.
    Dates stay dates, or with ``text_dates`` become ISO text (each date converted once:
    the same few hundred days recur on every row)."""

    def __init__(self, ctx: ExportContext, text_dates: bool = False) -> None:
        self.ctx = ctx
        self._iso: dict[dt.date, str] | None = {} if text_dates else None
        self.yes, self.no = YES(ctx.lang), NO(ctx.lang)
        self.kinds = {k: v(ctx.lang) for k, v in KIND_LABELS.items()}
        self.kinds[""] = ""
        self._names: dict[int, dict[str, str]] = {}
        self._safe: dict[str, str] = {}

    def stage_names(self, d: Definition) -> dict[str, str]:
        """Each stage's name in the export's language (built once per definition)."""
        names = self._names.get(id(d))
        if names is None:
            names = self._names[id(d)] = {s.id: safe(self.ctx.stage_name(d, s.id)) for s in d.stages}
        return names

    def _person(self, name: str | None) -> str:
        """A user's name as a safe cell (the same few names recur on every row)."""
        if not name:
            return ""
        cell = self._safe.get(name)
        if cell is None:
            cell = self._safe[name] = safe(name)
        return cell

    def _date(self, day: dt.date | None) -> Any:
        if day is None or self._iso is None:
            return day
        text = self._iso.get(day)
        if text is None:
            text = self._iso[day] = day.isoformat()
        return text

    def rows(self, t: TownshipTimeline) -> list[list[Any]]:
        yes, no, kinds, person, date = self.yes, self.no, self.kinds, self._person, self._date
        names = self.stage_names(t.definition)
        district, township, tid = safe(t.district), safe(t.township), t.township_id
        return [
            [
                district,
                township,
                tid,
                s.order,
                s.stage,
                names.get(s.stage, s.stage),
                s.visit,
                date(s.entered),
                date(s.left),
                s.days,
                s.deadline_days,
                date(s.deadline),
                s.overdue_days,
                yes if s.left is None else no,
                kinds.get(s.entered_via, s.entered_via),
                person(s.entered_by),
                kinds.get(s.left_via or "", s.left_via),
                person(s.left_by),
                yes if s.left_via in RETURN_KINDS else no,
                ";".join(s.waived),
                yes if s.backdated else no,
            ]
            for s in t.spans
        ]


# ---------------------------------------------------------------- the district report

REPORT_LABELS: dict[str, Text] = {
    "district": Text("区", "district"),
    "townships": Text("乡镇数", "townships"),
    "townships_completed": Text("完成换届的乡镇", "townships completed"),
    "first_date": Text("启动日期", "work began"),
    "last_date": Text("最后完成日期", "last completed"),
    "opinion_forms": Text("发放征求意见表（份）", "opinion forms issued"),
    "suggestions": Text("征求到意见建议（条）", "suggestions received"),
    "delegates.total": Text("选举产生党代表（名）", "delegates elected"),
    "delegates.min_per_township": Text("每个乡镇至少党代表（名）", "fewest delegates in a township"),
    "team.members": Text("班子成员（人）", "team members"),
    "team.rotated": Text("交流（人）", "rotated"),
    "team.rotation_rate": Text("交流面（%）", "rotation rate (%)"),
    "team.average_age": Text("平均年龄（岁）", "average age"),
    "team.average_age_change": Text("平均年龄变化（岁）", "average age change"),
    "team.under_35": Text("35岁以下（人）", "members under 35"),
    "team.under_35_change": Text("35岁以下变化（人）", "change in members under 35"),
    "townships_with_woman": Text("有女干部的乡镇", "townships with a woman member"),
    "townships_with_under_35": Text("有35岁以下干部的乡镇", "townships with a member under 35"),
    "violations.total": Text("违纪举报（件）", "violation reports"),
    "violations.open": Text("未处理举报（件）", "open violation reports"),
    "average_vote_rate": Text("当选人平均得票率（%）", "average vote rate of the elected (%)"),
}

CATEGORY_LABELS: dict[str, Text] = {
    "frontline": Text("农村工作一线", "front-line"),
    "professional": Text("专业技术人才和先进模范人物", "professional and model workers"),
    "migrant": Text("外出务工党员", "migrant-worker members"),
    "other": Text("其他", "other"),
}


def report_rows(
    report: Mapping[str, Any], d: Definition, lang: Lang, empty_stages: bool = True
) -> list[tuple[str, Any]]:
    """The district report's figures as (label, value) pairs, in the report's order.
    Keys without a label here (added later to the report) still appear, by key.
    ``empty_stages=False`` leaves out the stages no township is at."""
    rows: list[tuple[str, Any]] = []

    def label(key: str) -> str:
        known = REPORT_LABELS.get(key)
        return known(lang) if known else key

    def walk(prefix: str, value: Any) -> None:
        if prefix == "stages" and isinstance(value, Mapping):
            for sid, n in value.items():
                if not n and not empty_stages:
                    continue
                name = (
                    f"{d.stage(sid).order}.{d.stage(sid).zh if lang == 'zh' else d.stage(sid).en}"
                    if (d.has_stage(sid))
                    else sid
                )
                rows.append((tr("处于「{s}」的乡镇", "townships at {s}", s=name)(lang), n))
            return
        if prefix == "delegates.by_category" and isinstance(value, Mapping):
            for cat, v in value.items():
                name = CATEGORY_LABELS[cat](lang) if cat in CATEGORY_LABELS else cat
                rows.append((tr("党代表：{c}（名）", "delegates: {c}", c=name)(lang), v.get("count")))
                rows.append((tr("党代表：{c}（%）", "delegates: {c} (%)", c=name)(lang), v.get("percent")))
            return
        if prefix == "pledges_by_category" and isinstance(value, Mapping):
            for cat, n in value.items():
                rows.append((tr("承诺第{c}类（人）", "pledges, category {c}", c=cat)(lang), n))
            return
        if prefix == "violations.open_list" and isinstance(value, list):
            for v in value:
                rows.append(
                    (
                        tr("未处理举报 #{i}", "open report #{i}", i=v.get("id"))(lang),
                        f"{v.get('township')}: {v.get('note')}",
                    )
                )
            return
        if prefix == "waivers" and isinstance(value, list):
            rows.append(
                (
                    tr(
                        "豁免（项）",
                        "waivers",
                    )(lang),
                    len(value),
                )
            )
            for w in value:
                rows.append(
                    (
                        tr("豁免：{t}", "waiver: {t}", t=w.get("township"))(lang),
                        f"{w.get('check')}: {w.get('reason')} ({w.get('by')})",
                    )
                )
            return
        if isinstance(value, Mapping):
            for k, v in value.items():
                walk(f"{prefix}.{k}" if prefix else str(k), v)
            return
        if isinstance(value, list):
            rows.append((label(prefix), "; ".join(str(x) for x in value)))
            return
        rows.append((label(prefix), value))

    walk("", report)
    return rows


# ---------------------------------------------------------------- output


def check_writable(target: str | Path) -> Path | None:
    """The path to write (None for standard output), refused up front if it cannot be."""
    if str(target) == "-":
        return None
    path = Path(target).expanduser()
    if path.is_dir():
        raise BadInput(tr("输出路径是一个目录：{p}", "the output path is a folder: {p}", p=path))
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise BadInput(tr("输出目录不存在：{p}", "the output folder does not exist: {p}", p=parent))
    if not os.access(parent, os.W_OK) or (path.exists() and not os.access(path, os.W_OK)):
        raise BadInput(tr("无法写入：{p}", "cannot write to {p}", p=path))
    return path


@contextmanager
def open_output(target: str | Path | IO[bytes]) -> Iterator[IO[bytes]]:
    """A binary stream for ``target``: a file written in full or not at all, standard
    output for ``-``, or a stream the caller passed."""
    if not isinstance(target, str | Path):
        yield target
        return
    path = check_writable(target)
    if path is None:
        out = sys.stdout.buffer
        with mapped(Path("-")):
            yield out
            out.flush()
        return
    if path.exists() and not path.is_file():  # a device or a pipe (/dev/null): never replace it
        with mapped(path), path.open("wb") as stream:
            yield stream
        return
    try:
        fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".part", dir=path.parent or ".")
    except OSError as e:
        raise BadInput(tr("无法写入 {p}：{e}", "cannot write to {p}: {e}", p=path, e=e.strerror)) from e
    try:
        with mapped(path):
            with os.fdopen(fd, "wb") as f:
                yield f
            os.chmod(tmp, 0o666 & ~_umask())
            os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
