"""The ``workflow tui`` and ``workflow serve`` commands (Textual is imported only
when they run)."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the TUI commands to the CLI."""
