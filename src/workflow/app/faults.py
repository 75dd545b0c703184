"""What a front end needs of the store's error mapping: an error that escaped a screen
or a worker turned into the project's own, and text with its passwords masked."""

from __future__ import annotations

from workflow.errors import WorkflowError
from workflow.store.errors import is_mappable, mask, translate


def explain(error: BaseException, database: object) -> WorkflowError | None:
    """The project's error for ``error`` on ``database``, or None when it is not a
    database, driver or file-system error (a bug)."""
    if isinstance(error, WorkflowError):
        return error
    if is_mappable(error):
        return translate(error, database)
    return None


def masked(text: str) -> str:
    """``text`` with every password in it replaced by ***."""
    return mask(text)
