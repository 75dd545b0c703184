"""Export one township's timeline (stage spans) to a file, in any export format."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from textual.app import ComposeResult
from textual.containers import Horizontal, Vertical
from textual.widgets import Button, Input, Label, Select, Static

from workflow.i18n import Lang, tr
from workflow.tui.widgets.confirm import ConfirmOverwrite
from workflow.tui.widgets.service_form import ServiceForm
from workflow.tui.widgets.validators import Required

Submit = Callable[[str, str], object]
FORMATS = {"csv": ".csv", "json": ".json", "ics": ".ics", "xlsx": ".xlsx", "html": ".html", "mermaid": ".mmd"}
"""The timeline formats (``workflow.app.exporters.FORMATS``) and their file suffixes."""


def documents_dir() -> Path:
    """The user's documents directory (platformdirs), the default place for exports."""
    from platformdirs import user_documents_dir

    return Path(user_documents_dir())


class ExportForm(ServiceForm):
    """A format and a file path (in a browser, a download's name: nothing is written
    on the server); the export never writes to the database.

    | Key | Action |
    |---|---|
    | ctrl+s | export |
    | escape | cancel |
    """

    def __init__(
        self, township: str, lang: Lang, submit: Submit, download: bool = False, folder: Path | None = None
    ) -> None:
        super().__init__(lang)
        self.township = township
        self.submit = submit
        self.download = download
        self.folder = folder if folder is not None else documents_dir()

    def compose(self) -> ComposeResult:
        t = self.lang
        with Vertical(classes="dialog -wide"):
            yield Label(
                tr("导出「{n}」的时间线", "Export the timeline of '{n}'", n=self.township)(t),
                classes="dialog-title",
            )
            yield Select([(f, f) for f in FORMATS], value="csv", allow_blank=False, id="format")
            yield Label(
                tr("下载文件名", "Download file name")(t)
                if self.download
                else tr("输出文件（已存在时先询问）", "Output file (asks before overwriting)")(t)
            )
            yield Input(self.default_path("csv"), id="path", validators=[Required(t)])
            yield Static("", id="errors", classes="form-errors", markup=False)
            with Horizontal(classes="dialog-buttons"):
                yield Button(tr("导出 (ctrl+s)", "Export (ctrl+s)")(t), id="submit", variant="primary")
                yield Button(tr("取消 (esc)", "Cancel (esc)")(t), id="cancel")

    def default_path(self, fmt: str) -> str:
        """``<documents>/<township>-timeline.<suffix>``: the user's documents directory
        (``~/Documents`` on most systems), never the directory the program runs in."""
        return str(self.folder / f"{self.township}-timeline{FORMATS[fmt]}")

    def on_select_changed(self, event: Select.Changed) -> None:
        box = self.query_one("#path", Input)
        if isinstance(event.value, str) and Path(box.value).stem == f"{self.township}-timeline":
            box.value = str(Path(box.value).with_suffix(FORMATS[event.value]))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.action_submit()

    def action_submit(self) -> None:
        raw = self.query_one("#path", Input).value.strip()
        if not raw:
            self.show_errors([tr("请填写输出文件", "enter an output file")(self.lang)])
            return
        fmt = self.query_one("#format", Select).value
        assert isinstance(fmt, str)
        target = Path(raw).expanduser()
        if not target.is_absolute():
            target = self.folder / target  # a bare name goes to the documents directory
        path = str(target)
        if target.is_dir():
            self.show_errors(
                [tr("{p} 是目录，请写文件名", "{p} is a directory: give a file name", p=path)(self.lang)]
            )
            return
        if target.exists():

            def answered(yes: bool | None) -> None:
                if yes:
                    self.write(fmt, target)

            self.app.push_screen(ConfirmOverwrite(path, self.lang), answered)
            return
        self.write(fmt, target)

    def write(self, fmt: str, target: Path) -> None:
        target.parent.mkdir(parents=True, exist_ok=True)
        path = str(target)
        self.call(lambda: self.submit(fmt, path))
