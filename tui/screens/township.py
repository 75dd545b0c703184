"""One township: the stages as a stepper, the exit gate as a checklist, what the
stage recorded, and the actions the acting user may take."""

from __future__ import annotations

import datetime as dt
import io
from collections.abc import Callable
from pathlib import Path
from typing import IO, Any, ClassVar

from rich.cells import cell_len
from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text as RichText
from textual import events, work
from textual.app import App, ComposeResult
from textual.binding import BindingType
from textual.containers import Horizontal, VerticalScroll
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Static

from workflow.app.evidence import EvidenceList, shown_when
from workflow.app.reads import VIOLATION_CHECK, StatusView
from workflow.app.rules import may_record
from workflow.app.views import Event, Violation
from workflow.domain.definition import Definition
from workflow.domain.documents import label, size_text
from workflow.domain.gates import CheckResult
from workflow.domain.rosters import ROSTER_KINDS
from workflow.domain.text import visible
from workflow.errors import Unavailable, WorkflowError
from workflow.i18n import Lang, tr
from workflow.ledger.chain import Problem
from workflow.tui.context import lang, say, wf
from workflow.tui.keys import bindings, localise
from workflow.tui.labels import check_mark, days_in_stage, due_text, stage_step
from workflow.tui.widgets.confirm_advance import AdvanceRequest, ConfirmAdvance
from workflow.tui.widgets.export_form import ExportForm
from workflow.tui.widgets.fact_form import FactForm, shown_value
from workflow.tui.widgets.footer import KeyFooter
from workflow.tui.widgets.import_form import ImportForm
from workflow.tui.widgets.message import MessageDialog
from workflow.tui.widgets.reason_form import ReasonForm
from workflow.tui.widgets.title_bar import TitleBar
from workflow.tui.widgets.violations import ViolationsDialog

NARROW_STEPPER = 100
"""Below this many columns the stepper gives way (the head names the stage)."""
STEPPER_WIDTH = 40

CHANGE_ACTIONS = {"advance", "record", "import_roster"}
REVIEW_ACTIONS = {"return_stage", "waive"}


def entered_on(events: list[Event]) -> dict[str, dt.date]:
    """The day the township last entered each stage."""
    out: dict[str, dt.date] = {}
    for e in events:
        if e.to_stage and (e.kind == "create" or e.from_stage != e.to_stage):
            out[e.to_stage] = e.effective_date
    return out


def stepper(d: Definition, view: StatusView, events: list[Event], lang: Lang) -> RichText:
    """Every stage, one a line: done / current / to do, with the day it was entered."""
    entered = entered_on(events)
    current = d.stage(view.stage).order
    n = len(d.working_stages())
    out = RichText()
    for s in d.stages:
        if s.order < current:
            mark, style = tr("[已完成]", "[done]")(lang), "green"
        elif s.order == current:
            mark, style = tr("[当前]  ", "[now] ")(lang), "bold reverse"
        else:
            mark, style = tr("[未开始]", "[todo]")(lang), "dim"
        day = entered.get(s.id)
        shown = day.isoformat() if day and s.order <= current else ""
        step = s.label()(lang) if s.id == d.final else f"{s.order}/{n} {s.label()(lang)}"
        out.append(f"{mark} {step}", style=style)
        out.append(f"\n{' ' * (cell_len(mark) + 1)}{shown}\n" if shown else "\n\n", style="dim")
    return out


def deliver_export(app: App[Any], name: str, write: Callable[[IO[bytes]], object]) -> object:
    """Write an export into memory and deliver it to the browser as a download named
    ``name`` (only its last part: never a path on the server)."""
    buffer = io.BytesIO()
    summary = write(buffer)
    filename = Path(name.replace("\\", "/")).name or "export"
    app.call_from_thread(app.deliver_binary, io.BytesIO(buffer.getvalue()), save_filename=filename)
    return summary


def browser_import_refusal(township: str, lang: Lang) -> tuple[str, list[str]]:
    """Why a browser session cannot import, and what to do instead."""
    return (
        tr("浏览器中不能导入", "No import in the browser")(lang),
        [
            tr(
                "浏览器会话不能读取服务器上的文件。请在命令行导入：workflow import {t} 名册类型 文件",
                "A browser session cannot read files on the server. Import from the command line: "
                "workflow import {t} KIND FILE",
                t=township,
            )(lang)
        ],
    )


def failing_fact(d: Definition, v: StatusView, facts: list[str]) -> str | None:
    """The fact that the first failing check of the gate rests on, if it names one
    (``r`` opens the form on it), else the first fact not yet recorded."""
    by_id = {c.id: c for c in d.stage(v.stage).checks}
    for c in v.checks:
        spec = by_id.get(c.id)
        if c.ok or spec is None:
            continue
        fact = spec.params.get("fact")
        if isinstance(fact, str) and fact in facts:
            return fact
    return next((f for f in facts if f not in v.facts), None)


class TownshipScreen(Screen[None]):
    """The township's stage, gate, records and actions; everything read in workers.

    | Key | Action |
    |---|---|
    | a | advance (when permitted) |
    | r | record a fact |
    | i | import a roster |
    | o | rosters row by row: add, change, remove, export |
    | b | return / revert (reviewers) |
    | w | waive a check (reviewers) |
    | v | violation reports |
    | d | attach a document to a fact |
    | h | history |
    | e | export the timeline |
    | escape | back |
    """

    BINDINGS: ClassVar[list[BindingType]] = bindings(
        "back",
        "advance",
        "record",
        "import",
        "rosters",
        "return",
        "waive",
        "violations",
        "attach",
        "history",
        "export",
    )
    NARROW_GATE = 90
    """Below this many columns of detail the exit gate is a list, not a table."""

    class Loaded(Message):
        def __init__(
            self, view: StatusView, events: list[Event], problem: Problem | None, documents: EvidenceList
        ) -> None:
            super().__init__()
            self.view = view
            self.events = events
            self.problem = problem
            self.documents = documents

    class Failed(Message):
        """Reading the township (``reading``) or a change of it failed."""

        def __init__(self, error: WorkflowError, reading: bool = False) -> None:
            super().__init__()
            self.error = error
            self.reading = reading

    class Changed(Message):
        """A change went through; ``text`` says what."""

        def __init__(self, text: str) -> None:
            super().__init__()
            self.text = text

    def __init__(self, township_id: int) -> None:
        super().__init__()
        self.township_id = township_id
        self.view: StatusView | None = None
        self.events: list[Event] = []
        self.problem: Problem | None = None
        self.documents: EvidenceList | None = None

    def compose(self) -> ComposeResult:
        yield TitleBar()
        yield Static(say(self, "正在读取", "loading"), id="town-head", markup=False)
        with Horizontal(id="town-body"):
            yield Static("", id="stepper")
            with VerticalScroll(id="town-detail"):
                yield Static("", id="gate")
                yield Static("", id="records")
        yield KeyFooter()

    def on_mount(self) -> None:
        localise(self, lang(self))
        self.load()

    @property
    def ref(self) -> str:
        return str(self.township_id)

    # ------------------------------------------------------------ reading

    @work(thread=True, exclusive=True, group="township")
    def load(self) -> None:
        svc = wf(self).service
        try:
            view = svc.status(self.ref)
            _town, events, problem = svc.history(self.ref)
            documents = svc.evidence(self.ref)
        except WorkflowError as e:
            self.post_message(self.Failed(e, reading=True))
            return
        self.post_message(self.Loaded(view, events, problem, documents))

    def on_township_screen_loaded(self, message: Loaded) -> None:
        self.view, self.events, self.problem = message.view, message.events, message.problem
        self.documents = message.documents
        self.render_view(message.view, message.problem)
        self.refresh_bindings()

    def on_resize(self, event: events.Resize) -> None:
        if self.view is not None:
            self.render_view(self.view, self.problem)

    def action_refresh(self) -> None:
        """F5 / ctrl+r: read the township again (after a conflict, say)."""
        self.load()

    def on_township_screen_failed(self, message: Failed) -> None:
        # Shown once; after a failed read the screen reads again only when the user asks
        # (retry), never in a loop on an error that persists. After a refused change it
        # reads the township again, to show what is there now.
        wf(self).show_problem(message.error, self.load)
        if not message.reading and not isinstance(message.error, Unavailable):
            self.load()

    def on_township_screen_changed(self, message: Changed) -> None:
        self.notify(message.text, title=say(self, "已保存", "Saved"))
        self.load()

    def render_view(self, v: StatusView, problem: Problem | None) -> None:
        t = lang(self)
        app = wf(self)
        d, today = v.definition, app.access.today()
        final = v.next_stage is None
        head = f"{v.township}（{v.district}）" if t == "zh" else f"{v.township} ({v.district})"
        head += say(self, "  当前阶段 {s}", "  stage {s}", s=stage_step(d, v.stage, t))
        if v.stage_since and not final:
            head += say(
                self,
                "，{d} 起第 {n} 天，到期：{l}",
                ", since {d} ({n} days), due: {l}",
                d=v.stage_since,
                n=days_in_stage(v.stage_since, today),
                l=due_text(d, v.stage, v.stage_since, today, t),
            )
        head += say(self, "  版本 {n}", "  version {n}", n=v.version)
        chain = (
            say(self, "审计链：通过", "audit chain: verifies")
            if problem is None
            else say(self, "审计链：失败", "audit chain: FAILS")
        )
        mine = app.may_change(self.township_id)
        who = "" if mine else say(self, "  （只读）", "  (read only)")
        self.query_one("#town-head", Static).update(f"{head}\n{chain}{who}")
        self.query_one("#stepper", Static).update(stepper(d, v, self.events, t))
        self.query_one("#gate", Static).update(self.gate_panel(d, v))
        self.query_one("#records", Static).update(self.records_panel(d, v))

    def gate_panel(self, d: Definition, v: StatusView) -> RenderableType:
        t = lang(self)
        if v.next_stage is None:
            return RichText(say(self, "换届已完成，没有下一关。", "Completed: there is no next gate."))
        failing = len(v.failing)
        title = RichText(
            say(
                self,
                "出口检查：进入 {s} 之前",
                "Exit gate: before {s}",
                s=stage_step(d, v.next_stage, t),
            ),
            style="bold",
        )
        state = (
            RichText(say(self, "  受阻：{n}项未通过", "  blocked: {n} failing", n=failing), style="bold red")
            if failing
            else RichText(say(self, "  可推进", "  ready"), style="bold green")
        )
        title.append_text(state)
        detail = self.query_one("#town-detail").size.width
        width = (
            detail - 4
            if detail
            else self.app.size.width - (0 if self.app.size.width < NARROW_STEPPER else STEPPER_WIDTH) - 6
        )
        if width < self.NARROW_GATE:
            # Narrow: one check per block, so that no column is squeezed to a letter a line.
            lines = RichText()
            for c in v.checks:
                style = "green" if c.passed else ("yellow" if c.waived else "red")
                lines.append(f"{check_mark(c, t)} ", style=style)
                lines.append(f"{c.id}\n", style="bold")
                lines.append(
                    say(self, "  实际 {a}，要求 {r}", "  actual {a}, required {r}", a=c.actual, r=c.required)
                    + "\n"
                )
                lines.append(f"  {self.check_message(c)}\n")
            return Group(title, lines)
        table = Table(box=None, expand=True, show_edge=False, pad_edge=False)
        table.add_column(say(self, "结果", "Result"), no_wrap=True)
        table.add_column(say(self, "检查", "Check"), no_wrap=True)
        table.add_column(say(self, "实际", "Actual"), no_wrap=True, max_width=24, overflow="ellipsis")
        table.add_column(say(self, "要求", "Required"), no_wrap=True, max_width=20, overflow="ellipsis")
        table.add_column(say(self, "说明", "Message"), ratio=1, min_width=24, overflow="fold")
        for c in v.checks:
            style = "green" if c.passed else ("yellow" if c.waived else "red")
            table.add_row(
                RichText(check_mark(c, t), style=style),
                RichText(c.id),
                RichText(c.actual),
                RichText(c.required),
                RichText(self.check_message(c)),
            )
        return Group(title, table)

    def check_message(self, c: CheckResult) -> str:
        message = c.message(lang(self))
        if c.waived:
            message += say(self, "（豁免理由：{r}）", " (waiver: {r})", r=c.waiver_reason)
        return message

    def records_panel(self, d: Definition, v: StatusView) -> RenderableType:
        t = lang(self)
        stage = d.stage(v.stage)
        out = RichText()
        out.append("\n" + say(self, "本阶段记录", "Recorded in this stage") + "\n", style="bold")
        if not stage.facts and not stage.rosters:
            out.append(
                say(self, "（本阶段没有要记录的事实或名册）", "(nothing to record in this stage)") + "\n"
            )
        for name in stage.facts:
            spec = d.facts[name]
            data = v.facts.get(name)
            out.append(f"{spec.label()(t)} [{name}]: ", style="bold")
            if data is None:
                out.append(say(self, "未记录", "not recorded") + "\n", style="red")
                continue
            parts = [f"{f.label()(t)}={shown_value(f, data.get(f.name))}" for f in spec.fields]
            out.append(("；" if t == "zh" else "; ").join(parts) + "\n")
        for kind in stage.rosters:
            n = v.roster_counts.get(kind, 0)
            out.append(f"{ROSTER_KINDS[kind].label()(t)} [{kind}]: ", style="bold")
            if n:
                out.append(say(self, "{n}行", "{n} rows", n=n) + "\n")
            else:
                out.append(say(self, "未导入", "not imported") + "\n", style="red")
        out.append_text(self.documents_panel(d))
        if v.waivers:
            out.append("\n" + say(self, "豁免", "Waivers") + "\n", style="bold")
            for w in v.waivers:
                out.append(f"{w.check_id}: {w.reason}（{w.actor}）\n")
        if v.open_violations:
            out.append(
                "\n" + say(self, "未处理的违纪举报", "Open violation reports") + "\n", style="bold red"
            )
            for x in v.open_violations:
                out.append(f"#{x.id} {x.opened_on} {x.opened_by}: {x.opened_note}\n")
        return out

    def documents_panel(self, d: Definition) -> RichText:
        """Each fact's documents (name, size, type, who, when, hash), and the facts
        whose checks still need one."""
        t = lang(self)
        out = RichText()
        listing = self.documents
        if listing is None or not listing.facts():
            return out
        out.append("\n" + say(self, "文件（d 附加）", "Documents (d to attach)") + "\n", style="bold")
        for fact in listing.facts():
            spec = d.facts.get(fact)
            out.append(f"{spec.label()(t) if spec else fact} [{fact}]: ", style="bold")
            rows = listing.of(fact)
            if not rows:
                need = fact in listing.required
                out.append(
                    (
                        say(
                            self,
                            "需要{d}，尚未附加",
                            "needs {d}; none attached",
                            d=d.document_labels()[fact](t),
                        )
                        if need
                        else say(self, "无", "none")
                    )
                    + "\n",
                    style="red" if need else "dim",
                )
                continue
            out.append(say(self, "{n}个", "{n}", n=len(rows)) + "\n")
            for a in rows:
                line = (
                    f"  #{a.id} {visible(a.name)}  {size_text(a.size)}  {label(a.media_type)}  "
                    f"{a.actor}  {shown_when(a.recorded_at)}"
                )
                out.append(line, style="dim" if a.superseded_by else "")
                if a.superseded_by:
                    out.append(
                        say(self, "（已被 #{i} 替代）", " (superseded by #{i})", i=a.superseded_by),
                        style="dim",
                    )
                out.append(f"\n    sha256 {a.sha256}\n", style="dim")
        return out

    # ------------------------------------------------------------ permissions

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        app = wf(self)
        v = self.view
        if action == "attach_document":
            return v is not None and app.may_change(self.township_id)
        if action in CHANGE_ACTIONS:
            if v is None or not app.may_change(self.township_id):
                return False
            return v.next_stage is not None
        if action in REVIEW_ACTIONS:
            if v is None or not app.may_review():
                return False
            d = v.definition
            if action == "return_stage":
                return d.stage(v.stage).order > 1
            return any(not c.passed and c.id != VIOLATION_CHECK for c in v.checks)
        return True

    # ------------------------------------------------------------ actions

    def action_back(self) -> None:
        self.dismiss(None)

    def action_history(self) -> None:
        wf(self).open_history(self.township_id)

    def action_advance(self) -> None:
        v = self.view
        if v is None:
            return
        app = wf(self)
        d = v.definition
        if v.failing or v.next_stage is None:
            # The service refuses and says why; asking it keeps the rule in one place.
            self.submit_advance(AdvanceRequest("", ""), v.version)
            return
        t = lang(self)

        def confirmed(req: AdvanceRequest | None) -> None:
            if req is not None:
                self.submit_advance(req, v.version)

        self.app.push_screen(
            ConfirmAdvance(
                v.township, stage_step(d, v.stage, t), stage_step(d, v.next_stage, t), app.service.today(), t
            ),
            confirmed,
        )

    @work(thread=True, exclusive=True, group="change")
    def submit_advance(self, req: AdvanceRequest, version: int) -> None:
        """Ask the service to advance; a refusal changes nothing and is shown."""
        svc = wf(self).service
        try:
            r = svc.advance(self.ref, on=req.on or None, note=req.note, expected_version=version)
        except WorkflowError as e:
            self.post_message(self.Failed(e))
            return
        d = self.view.definition if self.view is not None else svc.definition
        t = lang(self)
        self.post_message(
            self.Changed(
                say(
                    self,
                    "「{n}」：{a} -> {b}",
                    "'{n}': {a} -> {b}",
                    n=r.township,
                    a=stage_step(d, r.from_stage, t),
                    b=stage_step(d, r.to_stage, t),
                )
            )
        )

    def action_export(self) -> None:
        v = self.view
        if v is None:
            return
        app = wf(self)
        svc, ref, t = app.service, f"{v.district}/{v.township}", lang(self)

        def submit(fmt: str, path: str) -> object:
            from workflow.app.exporters import export_timeline

            if app.browser:  # a download: nothing is written on the server
                return deliver_export(
                    self.app, path, lambda out: export_timeline(svc, fmt, out, townships=[ref], lang=t)
                )
            return export_timeline(svc, fmt, path, townships=[ref], lang=t)

        def exported(result: object) -> None:
            if result is not None:
                out, rows = getattr(result, "target", ""), getattr(result, "rows", "?")
                self.notify(say(self, "已导出{n}行到 {p}", "exported {n} rows to {p}", n=rows, p=out))

        self.app.push_screen(ExportForm(v.township, t, submit, download=app.browser), exported)

    def after_form(self, result: object) -> None:
        if result:
            self.post_message(self.Changed(say(self, "已保存", "saved")))

    def action_record(self) -> None:
        v = self.view
        if v is None:
            return
        app = wf(self)
        d = v.definition
        cur = d.stage(v.stage).order
        role = app.viewer.role if app.viewer else ""
        facts = [f for s in d.stages if s.order >= cur for f in s.facts if may_record(role, d.facts[f])]
        if not facts:
            self.app.push_screen(
                MessageDialog(
                    say(self, "没有可记录的事实", "Nothing to record"),
                    [
                        say(
                            self,
                            "本阶段及以后各阶段没有要记录的事实；名册用 i 导入。",
                            "This and later stages have no facts; import rosters with i.",
                        )
                    ],
                    lang(self),
                    warning=False,
                )
            )
            return
        ref, version = self.ref, v.version

        def submit(fact: str, values: dict[str, str], on: str) -> object:
            return app.service.record(ref, fact, values, on=on or None, expected_version=version)

        self.app.push_screen(
            FactForm(
                v.township,
                d,
                facts,
                v.facts,
                app.service.today(),
                lang(self),
                submit,
                first=failing_fact(d, v, facts),
            ),
            self.after_form,
        )

    def action_attach_document(self) -> None:
        v = self.view
        if v is None:
            return
        app = wf(self)
        d, t = v.definition, lang(self)
        if app.browser:
            self.app.push_screen(
                MessageDialog(
                    say(self, "浏览器中不能附加文件", "No attaching in the browser"),
                    [
                        say(
                            self,
                            "浏览器会话不能读取服务器上的文件。请在命令行附加：workflow attach {n} 事实 文件",
                            "A browser session cannot read files on the server. Attach from the command line: "
                            "workflow attach {n} FACT FILE",
                            n=v.township,
                        )
                    ],
                    t,
                )
            )
            return
        needed = list(d.evidence_facts())
        facts = needed + [f for s in d.stages for f in s.facts if f not in needed]
        ref, version = self.ref, v.version

        def submit(fact: str, path: Path, note: str) -> object:
            return app.service.attach(ref, fact, path, note=note, expected_version=version)

        from workflow.tui.widgets.attach_form import AttachForm

        self.app.push_screen(
            AttachForm(v.township, [(f"{d.facts[f].label()(t)} ({f})", f) for f in facts], t, submit),
            self.after_form,
        )

    def action_import_roster(self) -> None:
        v = self.view
        if v is None:
            return
        app = wf(self)
        d = v.definition
        cur = d.stage(v.stage).order
        kinds = [k for s in d.stages if s.order >= cur for k in s.rosters]
        if not kinds:
            self.app.push_screen(
                MessageDialog(
                    say(self, "没有可导入的名册", "No roster to import"),
                    [say(self, "本阶段及以后各阶段不需要名册。", "This and later stages need no roster.")],
                    lang(self),
                    warning=False,
                )
            )
            return
        if app.browser:
            self.app.push_screen(MessageDialog(*browser_import_refusal(v.township, lang(self)), lang(self)))
            return
        ref, version = self.ref, v.version

        def submit(kind: str, path: Path, replace: bool) -> object:
            return app.service.import_roster(ref, kind, path, replace=replace, expected_version=version)

        self.app.push_screen(
            ImportForm(v.township, kinds, v.roster_counts, lang(self), submit), self.after_form
        )

    def action_rosters(self) -> None:
        v = self.view
        if v is None:
            return
        app = wf(self)
        d = v.definition
        kinds = [k for s in d.stages for k in s.rosters]
        cur = d.stage(v.stage).order
        open_kinds = {k for s in d.stages if s.order >= cur for k in s.rosters}
        svc, ref = app.service, self.ref
        may = app.may_change(self.township_id) and v.next_stage is not None
        kinds = [k for k in kinds if k in open_kinds] if may else [k for k in kinds if v.roster_counts.get(k)]
        if not kinds:
            self.app.push_screen(
                MessageDialog(
                    say(self, "没有名册", "No roster"),
                    [
                        say(
                            self,
                            "这个乡镇没有可查看或修改的名册。",
                            "This township has no roster to show or change.",
                        )
                    ],
                    lang(self),
                    warning=False,
                )
            )
            return

        def load(kind: str) -> tuple[list[dict[str, object]], int]:
            version = svc.status(ref).version  # read first: a change after it is a conflict
            return svc.roster(ref, kind), version

        def change(
            kind: str,
            rows: list[dict[str, object]],
            index: int | None,
            values: dict[str, str] | None,
            version: int,
        ) -> object:
            from workflow.app.roster_edit import changed

            parsed = changed(ROSTER_KINDS[kind], rows, index, values, svc.today())
            return svc.import_parsed(ref, parsed, replace=True, expected_version=version)

        from workflow.tui.widgets.roster_form import RosterForm

        self.app.push_screen(
            RosterForm(v.township, kinds, lang(self), load, change if may else None), self.after_form
        )

    def action_return_stage(self) -> None:
        v = self.view
        if v is None:
            return
        app = wf(self)
        d, t = v.definition, lang(self)
        cur = d.stage(v.stage).order
        options = [(stage_step(d, s.id, t), s.id) for s in reversed(d.stages) if s.order < cur]
        ref, version = self.ref, v.version

        def submit(to: str, reason: str, on: str) -> object:
            return app.service.return_(ref, to, reason, on=on or None, expected_version=version)

        self.app.push_screen(
            ReasonForm(
                say(self, "退回或回退「{n}」", "Return or revert '{n}'", n=v.township),
                say(self, "退回到", "Back to"),
                options,
                app.service.today(),
                t,
                submit,
            ),
            self.after_form,
        )

    def action_waive(self) -> None:
        v = self.view
        if v is None:
            return
        app = wf(self)
        t = lang(self)
        options = [
            (f"{c.id}: {c.message(t)}"[:80], c.id)
            for c in v.checks
            if not c.passed and c.id != VIOLATION_CHECK
        ]
        if not options:
            return
        ref, version = self.ref, v.version

        def submit(check: str, reason: str, on: str) -> object:
            return app.service.waive_check(ref, check, reason, expected_version=version, on=on or None)

        self.app.push_screen(
            ReasonForm(
                say(self, "豁免「{n}」的一项检查", "Waive a check of '{n}'", n=v.township),
                say(self, "检查", "Check"),
                options,
                app.service.today(),
                t,
                submit,
            ),
            self.after_form,
        )

    def action_violations(self) -> None:
        v = self.view
        if v is None:
            return
        app = wf(self)
        svc, ref = app.service, self.ref

        def load() -> list[Violation]:
            return [x for x, _name in svc.violations(ref)]

        def open_fn(note: str) -> object:
            return svc.open_violation(ref, note)

        def resolve_fn(vid: int, note: str) -> object:
            return svc.resolve_violation(vid, note)

        self.app.push_screen(
            ViolationsDialog(
                v.township,
                lang(self),
                load,
                open_fn if app.may_change(self.township_id) else None,
                resolve_fn if app.may_review() else None,
            ),
            self.after_form,
        )
