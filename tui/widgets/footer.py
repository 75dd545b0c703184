"""The footer of every screen: the keys the screen offers now, on one line, compact on
a narrow terminal so that more fit (the help screen lists them all).

One widget draws the whole line. Textual's ``Footer`` mounts a widget per key and
composes them again whenever the bindings change (every focus change), each styled
through the stylesheet: on the first screen that was about a tenth of the time to the
first frame. This one renders the same keys as one line of text and is drawn again
when the screen's bindings change. A click on a key presses it, as on Textual's."""

from __future__ import annotations

from dataclasses import dataclass

from rich.text import Text
from textual import events
from textual.binding import Binding
from textual.screen import Screen
from textual.widget import Widget

NARROW = 100
"""Below this many columns the footer drops the padding between keys."""


@dataclass(frozen=True)
class Shown:
    """A key on the footer line: what it presses, and where it is drawn (cells)."""

    key: str
    enabled: bool
    start: int
    end: int


class KeyFooter(Widget):
    """The shown bindings of the screen, one line: the key, then what it does."""

    ALLOW_SELECT = False
    COMPONENT_CLASSES = {"key-footer--key", "key-footer--description"}  # noqa: RUF012 (Textual's declaration)

    DEFAULT_CSS = """
    KeyFooter {
        dock: bottom;
        height: 1;
        color: $footer-foreground;
        background: $footer-background;
        text-wrap: nowrap;
        .key-footer--key {
            color: $footer-key-foreground;
            background: $footer-key-background;
            text-style: bold;
        }
        .key-footer--description {
            color: $footer-description-foreground;
            background: $footer-description-background;
        }
    }
    """

    def __init__(self) -> None:
        super().__init__()
        self.shown: list[Shown] = []
        """The keys as last drawn, for a click to find its key."""

    def on_mount(self) -> None:
        self.screen.bindings_updated_signal.subscribe(self, self._bindings_changed)

    def _bindings_changed(self, _screen: Screen[object]) -> None:
        self.refresh()

    def on_resize(self, _event: events.Resize) -> None:
        self.refresh()

    def keys(self) -> list[tuple[Binding, bool]]:
        """The shown bindings of the screen (one per action, the first bound key), and
        whether each is enabled now."""
        out: list[tuple[Binding, bool]] = []
        actions: set[str] = set()
        for _node, binding, enabled, _tooltip in self.screen.active_bindings.values():
            if binding.show and binding.action not in actions:
                actions.add(binding.action)
                out.append((binding, enabled))
        return out

    def render(self) -> Text:
        compact = self.app.size.width < NARROW
        key_style = self.get_component_rich_style("key-footer--key")
        text_style = self.get_component_rich_style("key-footer--description")
        line = Text(no_wrap=True, overflow="crop")
        self.shown = []
        for binding, enabled in self.keys():
            start, first = line.cell_len, len(line.plain)
            shown_key = self.app.get_key_display(binding)
            line.append(shown_key if compact else f" {shown_key} ", key_style)
            if binding.description:
                line.append(f" {binding.description}" if compact else f"{binding.description} ", text_style)
            if not enabled:
                line.stylize("dim", first, len(line.plain))
            self.shown.append(Shown(binding.key, enabled, start, line.cell_len))
            if compact:
                line.append(" ")
        return line

    def on_click(self, event: events.Click) -> None:
        for key in self.shown:
            if key.start <= event.x < key.end:
                event.stop()
                if key.enabled:
                    self.app.simulate_key(key.key)
                else:
                    self.app.bell()
                return
