"""The one-line bar at the top of every screen."""

from __future__ import annotations

from rich.cells import cell_len, set_cell_size
from rich.text import Text as RichText
from textual.widgets import Static

from workflow.tui.context import say, wf
from workflow.tui.labels import role_label


class TitleBar(Static):
    """The process name, who is acting (and as what), and the day the app runs on.

    Re-rendered when the acting user has been loaded."""

    DEFAULT_CSS = """
    TitleBar {
        dock: top;
        height: 1;
        background: $primary;
        color: $text;
        padding: 0 1;
    }
    """

    def render(self) -> RichText:
        app = wf(self)
        d = app.access.definition
        title = d.zh if app.lang == "zh" else d.en
        viewer = app.viewer
        name = viewer.name if viewer else app.access.actor_name
        role = f"{name}（{role_label(viewer.role, app.lang)}）" if viewer and app.lang == "zh" else name
        if viewer and app.lang == "en":
            role = f"{name} ({role_label(viewer.role, app.lang)})"
        day = app.access.today().isoformat()
        return fit_title(
            title,
            [say(self, "用户：{u}", "user: {u}", u=role), role, name],
            [say(self, "今天：{d}", "today: {d}", d=day), day],
            max(self.size.width - 2, 20) if self.size.width else 200,
        )


def fit_title(title: str, who: list[str], day: list[str], width: int) -> RichText:
    """The title, who and the day in ``width`` cells: the day is never cut, then who is
    acting, shortened step by step (``who`` and ``day`` go from long to short forms), and
    only then the title, ending in an ellipsis."""
    for gap in ("    ", "  "):
        for w in who:
            for d in day:
                if cell_len(title) + cell_len(gap + w + gap + d) <= width:
                    out = RichText(title, style="bold")
                    out.append(f"{gap}{w}{gap}{d}")
                    return out
    tail = f"  {who[-1]}  {day[-1]}"
    room = max(width - cell_len(tail), 4)
    short = title if cell_len(title) <= room else set_cell_size(title, room - 1) + "…"
    out = RichText(short, style="bold")
    out.append(tail)
    return out
