"""The ``workflow export`` commands."""

from __future__ import annotations

import typer


def register(app: typer.Typer) -> None:
    """Add the export commands to the CLI."""
