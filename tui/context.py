"""What every screen and dialog needs from the running app: the app itself, typed,
and the user's language."""

from __future__ import annotations

from typing import TYPE_CHECKING, Protocol, cast

from textual.message_pump import MessagePump

from workflow.i18n import Lang, tr

if TYPE_CHECKING:
    from collections.abc import Callable
    from pathlib import Path

    from workflow.app.access import Access
    from workflow.app.actors import Actor
    from workflow.app.dashboard import Dashboard
    from workflow.app.service import Service
    from workflow.errors import WorkflowError


class Host(Protocol):
    """What screens and dialogs use of the running app (``workflow.tui.app.WorkflowApp``
    provides it); a protocol, so that no screen imports the app that imports it."""

    lang: Lang
    access: Access
    board: Dashboard
    viewer: Actor | None
    browser: bool
    """A browser session (``workflow serve``): exports are downloads, no import."""
    demo_database: bool
    offered_name: str
    keymap: dict[str, str]
    keymap_file: Path

    def signed_in(self, user: str, token: str) -> None: ...

    def check_session(self) -> None: ...

    @property
    def service(self) -> Service: ...

    def want_viewer(self) -> None: ...

    def may_change(self, township_id: int) -> bool: ...

    def may_change_any(self) -> bool: ...

    def may_review(self) -> bool: ...

    def open_township(self, township_id: int) -> None: ...

    def open_history(self, township_id: int) -> None: ...

    def show_problem(self, error: WorkflowError, retry: Callable[[], object] | None = None) -> None: ...


def wf(node: MessagePump) -> Host:
    """The running app, as the screens see it."""
    return cast("Host", node.app)


def lang(node: MessagePump) -> Lang:
    return wf(node).lang


def say(node: MessagePump, zh: str, en: str, /, **values: object) -> str:
    """A message in the user's language, from two templates."""
    return tr(zh, en, **values)(lang(node))
