"""The one mapping from driver and OS errors to the project's errors."""

from __future__ import annotations

from workflow.errors import BadInput
from workflow.i18n import tr


def db_error(e: Exception) -> BadInput:
    """A database error as the user sees it (the driver's first line)."""
    return BadInput(
        tr("数据库错误：{e}", "database error: {e}", e=str(getattr(e, "orig", e)).splitlines()[0])
    )
