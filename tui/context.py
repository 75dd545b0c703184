"""What every screen and dialog needs from the running app: the app itself, typed,
and the user's language."""

from __future__ import annotations

from typing import TYPE_CHECKING, cast

from textual.message_pump import MessagePump

from workflow.i18n import Lang, tr

if TYPE_CHECKING:
    from workflow.tui.app import WorkflowApp


def wf(node: MessagePump) -> WorkflowApp:
    """The running :class:`WorkflowApp`."""
    return cast("WorkflowApp", node.app)


def lang(node: MessagePump) -> Lang:
    return wf(node).lang


def say(node: MessagePump, zh: str, en: str, /, **values: object) -> str:
    """A message in the user's language, from two templates."""
    return tr(zh, en, **values)(lang(node))
