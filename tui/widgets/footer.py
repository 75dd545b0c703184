"""The footer of every screen: Textual's, compact on a narrow terminal so that the
keys fit (the help screen lists them all)."""

from __future__ import annotations

from textual import events
from textual.widgets import Footer

NARROW = 100
"""Below this many columns the footer drops the padding between keys."""


class KeyFooter(Footer):
    """The footer, without the command palette key (ctrl+p is in the help)."""

    def __init__(self) -> None:
        super().__init__(show_command_palette=False)

    def on_mount(self) -> None:
        self.compact = self.app.size.width < NARROW

    def on_resize(self, event: events.Resize) -> None:
        self.compact = self.app.size.width < NARROW
