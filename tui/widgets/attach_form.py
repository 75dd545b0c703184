"""Attach a document to a fact: which fact, the file's path, a note."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from workflow.i18n import Lang, tr
from workflow.tui.widgets.service_form import ServiceForm

Submit = Callable[[str, Path, str], object]


class AttachForm(ServiceForm):
    """The file is checked (its type from its content, its size) and stored under its
    SHA-256; a refusal is shown here and nothing changes.

    | Key | Action |
    |---|---|
    | ctrl+s | attach |
    | escape | cancel |
    """

    def __init__(self, township: str, facts: list[tuple[str, str]], lang: Lang, submit: Submit) -> None:
        super().__init__(lang)
        self.township = township
        self.facts = facts
        """(label, fact id), the facts that need a document first."""
        self.submit = submit

    def compose(self) -> ComposeResult:
        t = self.lang
        with Vertical(classes="dialog -wide"):
            yield Label(
                tr("为「{n}」附加文件", "Attach a document to '{n}'", n=self.township)(t),
                classes="dialog-title",
            )
            yield Label(tr("事实", "Fact")(t))
            yield Select(self.facts, value=self.facts[0][1], allow_blank=False, id="fact")
            yield Label(
                tr(
                    "文件路径（PDF、JPEG、PNG、DOCX、XLSX、DOC/WPS、XLS/ET）",
                    "File path (PDF, JPEG, PNG, DOCX, XLSX, DOC/WPS, XLS/ET)",
                )(t)
            )
            yield Input("", id="path", placeholder="/path/to/scan.pdf")
            yield Label(tr("说明（可不填）", "Note (optional)")(t))
            yield Input("", id="note")
            yield Static("", id="errors", classes="form-errors", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(tr("附加 (ctrl+s)", "Attach (ctrl+s)")(t), id="submit", variant="primary")
                yield Button(tr("取消 (esc)", "Cancel (esc)")(t), id="cancel")

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self.show_errors([tr("请填写文件路径", "enter a file path")(self.lang)])
            return
        fact = self.query_one("#fact", Select).value
        assert isinstance(fact, str)
        note = self.query_one("#note", Input).value
        path = Path(raw).expanduser()
        self.call(lambda: self.submit(fact, path, note))
