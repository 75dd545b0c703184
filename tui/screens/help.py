"""The help screen: every key, what it does and where."""

from __future__ import annotations

from typing import ClassVar

from rich.table import Table
from rich.text import Text as RichText
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import VerticalScroll
from textual.screen import Screen
from textual.widgets import Static

from workflow.i18n import tr
from workflow.tui.context import lang, say, wf
from workflow.tui.keys import EXTRA_HELP, KEYS, bindings, key_shown, localise, may_use
from workflow.tui.widgets.footer import KeyFooter
from workflow.tui.widgets.title_bar import TitleBar


class HelpScreen(Screen[None]):
    """Lists the keys of the key table that the acting user may use (remappable by id).

    | Key | Action |
    |---|---|
    | escape, ? | back |
    """

    BINDINGS: ClassVar[list[BindingType]] = [
        *bindings("back"),
        Binding("question_mark", "back", show=False, id="help.close"),
    ]

    def compose(self) -> ComposeResult:
        t = lang(self)
        app = wf(self)
        may_change, may_review = app.may_change_any(), app.may_review()
        table = Table(box=None, expand=False, pad_edge=False)
        table.add_column(tr("按键", "Key")(t), style="bold", no_wrap=True)
        table.add_column(tr("作用", "Does")(t))
        table.add_column(tr("适用于", "Where")(t))
        table.add_column(tr("编号（用于重新映射）", "Id (for remapping)")(t), style="dim", no_wrap=True)
        for k in KEYS.values():
            if may_use(k.id, may_change, may_review):
                table.add_row(key_shown(k, app.keymap), k.label(t), k.where(t), k.id)
        for key, does, where in EXTRA_HELP:
            table.add_row(key, does(t), where(t), "")
        self.table = table
        yield TitleBar()
        with VerticalScroll(id="help-body"):
            yield Static(RichText(say(self, "按键一览", "Keys"), style="bold"))
            yield Static(table, id="help-keys")
            yield Static(
                say(
                    self,
                    "\n只读用户（审计员）看不到修改类按键；协调员只在自己负责的乡镇看到。\n"
                    "总览中按空格选择多个乡镇，再按 a 一起推进：每个乡镇分别检查、分别记录。\n"
                    "筛选词：名称、区名、阶段名或步骤（如 4/8），以及 逾期 受阻 就绪 豁免 违纪 我的。",
                    "\nRead-only users (auditors) see no key that changes anything; coordinators see them "
                    "on their own townships only.\nOn the dashboard, space selects townships and a "
                    "advances them together, each checked and recorded on its own.\n"
                    "Filter words: a name, a district, a stage name or "
                    "step (4/8), and overdue blocked ready waived violation mine.",
                )
                + say(
                    self,
                    '\n\n重新映射按键：在 {p} 中写\n[keys]\nadvance = "ctrl+a"\n'
                    "（左边是上表的编号，右边是新按键；重启后生效）。",
                    '\n\nTo remap a key, write in {p}\n[keys]\nadvance = "ctrl+a"\n'
                    "(the id from the table above, then the new key; read when the program starts).",
                    p=str(app.keymap_file),
                ),
                markup=False,
                id="help-notes",
            )
        yield KeyFooter()

    def on_mount(self) -> None:
        localise(self, lang(self))

    def action_back(self) -> None:
        self.dismiss(None)
