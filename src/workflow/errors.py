"""The project's exceptions: one root, a subclass per exit code."""

from __future__ import annotations

from typing import TYPE_CHECKING, ClassVar

from workflow.i18n import Text

if TYPE_CHECKING:
    from workflow.domain.gates import CheckResult


class WorkflowError(Exception):
    """Root of every error a user may see; carries its message in both languages."""

    exit_code: ClassVar[int] = 1

    def __init__(self, text: Text) -> None:
        super().__init__(text.en)
        self.text = text


class BadInput(WorkflowError):
    """Bad input or usage: nothing was changed."""

    exit_code = 2


class BadRows(BadInput):
    """A file with bad rows: every bad row is listed, nothing was changed."""

    def __init__(self, text: Text, problems: list[Text]) -> None:
        super().__init__(text)
        self.problems = problems


class Blocked(WorkflowError):
    """A step refused by a gate or by the stage order."""

    exit_code = 3

    def __init__(self, text: Text, checks: list[CheckResult] | None = None) -> None:
        super().__init__(text)
        self.checks = checks or []


class NotPermitted(WorkflowError):
    """The acting user's role does not allow this."""

    exit_code = 4


class Conflict(WorkflowError):
    """Someone else changed the township first."""

    exit_code = 5


class AuditFailure(WorkflowError):
    """The audit log failed verification."""

    exit_code = 6


class Unavailable(WorkflowError):
    """The database cannot be used now (busy past the wait, unreachable, read-only, full,
    damaged); nothing was changed. ``kind`` says which."""

    exit_code = 7

    def __init__(self, text: Text, kind: str = "unavailable") -> None:
        super().__init__(text)
        self.kind = kind
