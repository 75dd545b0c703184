"""Every key of the terminal UI in one table: the bindings of each screen are built
from it (each with an ``id`` so a keymap can remap it), their footer text follows the
user's language, and the help screen lists it."""

from __future__ import annotations

from dataclasses import dataclass, replace

from textual.binding import Binding, BindingType
from textual.dom import DOMNode

from workflow.i18n import Lang, Text


@dataclass(frozen=True, slots=True)
class Key:
    """One key: its binding id, key, action, label, where it works, footer or not."""

    id: str
    key: str
    action: str
    label: Text
    where: Text
    show: bool = True
    display: str | None = None


EVERYWHERE = Text("全局", "everywhere")
DASHBOARD = Text("总览", "dashboard")
TOWNSHIP = Text("乡镇", "township")
LISTS = Text("总览、乡镇、历史", "dashboard, township, history")

KEYS: dict[str, Key] = {
    k.id: k
    for k in (
        Key("open", "enter", "open", Text("打开", "open"), DASHBOARD, display="enter"),
        Key(
            "back",
            "escape",
            "back",
            Text("返回", "back"),
            Text("乡镇、历史、帮助", "township, history, help"),
        ),
        Key("down", "j", "cursor_down", Text("下移", "down"), LISTS, show=False),
        Key("up", "k", "cursor_up", Text("上移", "up"), LISTS, show=False),
        Key("filter", "slash", "filter", Text("筛选", "filter"), DASHBOARD, display="/"),
        Key("refresh", "f5", "refresh", Text("刷新", "refresh"), DASHBOARD, show=False),
        Key("select", "space", "toggle_select", Text("选择", "select"), DASHBOARD, display="space"),
        Key(
            "advance_selected",
            "a",
            "advance_selected",
            Text("推进所选乡镇", "advance selected townships"),
            DASHBOARD,
        ),
        Key("advance", "a", "advance", Text("推进", "advance"), TOWNSHIP),
        Key("record", "r", "record", Text("记录", "record"), TOWNSHIP),
        Key("import", "i", "import_roster", Text("导入名册", "import"), TOWNSHIP),
        Key("return", "b", "return_stage", Text("退回", "return"), TOWNSHIP),
        Key("waive", "w", "waive", Text("豁免", "waive"), TOWNSHIP),
        Key("violations", "v", "violations", Text("违纪举报", "violations"), TOWNSHIP),
        Key("export", "e", "export", Text("导出", "export"), TOWNSHIP),
        Key("history", "h", "history", Text("历史", "history"), Text("总览、乡镇", "dashboard, township")),
        Key("help", "question_mark", "help", Text("帮助", "help"), EVERYWHERE, display="?"),
        Key("palette", "ctrl+p", "command_palette", Text("命令", "commands"), EVERYWHERE, display="ctrl+p"),
        Key("quit", "q", "quit", Text("退出", "quit"), EVERYWHERE),
    )
}
"""The keys, in the order the help screen lists them."""

EXTRA_HELP: tuple[tuple[str, Text, Text], ...] = (
    ("up / down", Text("上下移动", "move up and down"), LISTS),
    (
        "pageup / pagedown",
        Text("翻页（总览滚动到底时自动加载更多）", "page (the dashboard loads more at the end)"),
        LISTS,
    ),
    ("escape", Text("取消选择；没有选择时清除筛选", "clear the selection, else the filter"), DASHBOARD),
    ("y / n", Text("确认 / 取消", "confirm / cancel"), Text("确认对话框", "confirmations")),
    ("ctrl+s", Text("提交表单", "submit a form"), Text("表单", "forms")),
)
"""Keys that belong to Textual widgets or dialogs, listed on the help screen too."""


def bindings(*ids: str, priority: bool = False) -> list[BindingType]:
    """The bindings with these ids, described in Chinese until localised."""
    out: list[BindingType] = []
    for i in ids:
        k = KEYS[i]
        out.append(
            Binding(
                k.key,
                k.action,
                k.label.zh,
                show=k.show,
                key_display=k.display,
                id=k.id,
                priority=priority,
            )
        )
    return out


def localise(node: DOMNode, lang: Lang) -> None:
    """Give ``node``'s bindings their footer text in ``lang``."""
    table = node._bindings.key_to_bindings
    for key, found in table.items():
        table[key] = [replace(b, description=KEYS[b.id].label(lang)) if b.id in KEYS else b for b in found]
