"""The one-line bar at the top of every screen."""

from __future__ import annotations

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
        who = (
            say(
                self,
                "用户：{u}（{r}）",
                "user: {u} ({r})",
                u=viewer.name,
                r=role_label(viewer.role, app.lang),
            )
            if viewer
            else say(self, "用户：{u}", "user: {u}", u=app.access.actor_name)
        )
        day = say(self, "今天：{d}", "today: {d}", d=app.access.today().isoformat())
        out = RichText(title, style="bold")
        out.append(f"    {who}    {day}")
        return out
