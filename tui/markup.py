"""The one place where text reaches the screen unparsed: township names, marks such
as ``[x]`` or ``[退回]`` and messages are data, never Rich markup."""

from __future__ import annotations

from rich.markup import escape
from rich.text import Text as RichText


def plain(text: object, style: str = "") -> RichText:
    """``text`` as it is, for a table cell or a Static (brackets stay brackets)."""
    return RichText(str(text), style=style)


def escaped(text: object) -> str:
    """``text`` escaped for a widget that parses markup (a Label's title, a toast)."""
    return escape(str(text))
