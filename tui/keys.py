"""Every key of the terminal UI in one table: the bindings of each screen are built
from it (each with an ``id`` so a keymap can remap it), their footer text follows the
user's language, and the help screen lists it."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, replace
from pathlib import Path

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
        Key("refresh", "f5", "refresh", Text("刷新", "refresh"), EVERYWHERE, show=False),
        Key("refresh_alt", "ctrl+r", "refresh", Text("刷新", "refresh"), EVERYWHERE, show=False),
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
        Key("rosters", "o", "rosters", Text("名册（逐行）", "rosters (row by row)"), TOWNSHIP),
        Key("return", "b", "return_stage", Text("退回", "return"), TOWNSHIP),
        Key("waive", "w", "waive", Text("豁免", "waive"), TOWNSHIP),
        Key("violations", "v", "violations", Text("违纪举报", "violations"), TOWNSHIP),
        Key("attach", "d", "attach_document", Text("附加文件", "attach document"), TOWNSHIP),
        Key("export", "e", "export", Text("导出", "export"), TOWNSHIP),
        Key("report", "R", "report", Text("全区报告", "district report"), DASHBOARD, display="R"),
        Key("history", "h", "history", Text("历史", "history"), Text("总览、乡镇", "dashboard, township")),
        Key("copy_hash", "c", "copy_hash", Text("复制哈希", "copy hash"), Text("历史", "history")),
        Key("help", "question_mark", "help", Text("帮助", "help"), EVERYWHERE, display="?"),
        Key("palette", "ctrl+p", "command_palette", Text("命令", "commands"), EVERYWHERE, display="ctrl+p"),
        Key("quit", "q", "quit", Text("退出", "quit"), EVERYWHERE),
        Key(
            "quit_ask",
            "ctrl+c",
            "ask_quit",
            Text("退出（先确认）", "quit (asks first)"),
            EVERYWHERE,
            show=False,
        ),
    )
}
"""The keys, in the order the help screen lists them."""

CHANGE_KEYS = {"select", "advance_selected", "advance", "record", "import", "attach"}
"""Keys for those who may change a township (not auditors)."""
REVIEW_KEYS = {"return", "waive"}
"""Keys for reviewers and admins only."""

KEYMAP_FILE = "keys.toml"
"""The remapping file's name in the user's config directory (see :func:`keymap_path`)."""


def keymap_path() -> Path:
    """Where the key remapping file lives: ``keys.toml`` in the user's config directory
    for ``workflow`` (``~/.config/workflow/keys.toml`` on Linux)."""
    from platformdirs import user_config_dir

    return Path(user_config_dir("workflow")) / KEYMAP_FILE


def load_keymap(path: Path) -> tuple[dict[str, str], list[Text]]:
    """The ``[keys]`` table of a remapping file (binding id = "key[,key]") and what is
    wrong with it; a missing file is no keymap and no problem."""
    if not path.is_file():
        return {}, []
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as e:
        return {}, [Text(f"按键文件 {path} 无法读取：{e}", f"the key file {path} cannot be read: {e}")]
    table = data.get("keys", {})
    if not isinstance(table, dict):
        return {}, [Text(f"{path}：[keys] 应为表", f"{path}: [keys] must be a table")]
    keymap: dict[str, str] = {}
    problems: list[Text] = []
    for binding_id, key in table.items():
        if binding_id not in KEYS:
            problems.append(
                Text(
                    f"{path}：没有编号为「{binding_id}」的按键",
                    f"{path}: there is no key with the id '{binding_id}'",
                )
            )
        elif not isinstance(key, str) or not key.strip():
            problems.append(
                Text(
                    f'{path}：「{binding_id}」应为按键名，如 "ctrl+a"',
                    f"{path}: '{binding_id}' must be a key name such as \"ctrl+a\"",
                )
            )
        else:
            keymap[binding_id] = key.strip()
    return keymap, problems


def key_shown(k: Key, keymap: dict[str, str]) -> str:
    """The key as the help screen shows it, remapped or not."""
    return keymap.get(k.id) or k.display or k.key


def may_use(key_id: str, may_change: bool, may_review: bool) -> bool:
    """Whether a user with these rights is offered the key at all."""
    if key_id in REVIEW_KEYS:
        return may_review
    if key_id in CHANGE_KEYS:
        return may_change
    return True


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
    ("tab / shift+tab", Text("表单中下一项 / 上一项", "next / previous field"), Text("表单", "forms")),
)
"""Keys that belong to Textual widgets or dialogs, listed on the help screen too."""


MODAL_KEYS: tuple[Binding, ...] = (
    Binding("f5", "app.refresh", show=False, id="modal.refresh"),
    Binding("ctrl+r", "app.refresh", show=False, id="modal.refresh_alt"),
    Binding("ctrl+c", "app.ask_quit", show=False, id="modal.quit_ask"),
)
"""A dialog hides the app's keys: these reach the app from inside one (F5 closes a
message or a form refused by a conflict, then reads the screen again)."""


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
