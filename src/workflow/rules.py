"""Who may record which fact and who may read what, as plain rules on an
:class:`~workflow.access.Actor` (no SQL): facts name the roles that record them
(``recorded_by`` in the definition); coordinators read the districts of their own
townships only; violation reports' notes are for reviewers, auditors and admins."""

from __future__ import annotations

from workflow.access import ROLE_LABELS, Actor
from workflow.definition import Fact
from workflow.errors import NotPermitted
from workflow.i18n import Text

NOTE_READERS = ("reviewer", "auditor", "admin")


def may_record(role: str, fact: Fact) -> bool:
    return role in fact.recorded_by


def require_record(actor: Actor, fact: Fact) -> None:
    """Refuse a fact the actor's role may not record (exit 4)."""
    if may_record(actor.role, fact):
        return
    zh_roles = "、".join(ROLE_LABELS[r].zh for r in fact.recorded_by)
    raise NotPermitted(
        Text(
            f"{actor.name}（{ROLE_LABELS[actor.role].zh}）无权记录「{fact.zh}」：只有{zh_roles}可以记录",
            f"{actor.name} ({actor.role}) may not record {fact.name}: only {', '.join(fact.recorded_by)} may",
        )
    )


def sees_notes(role: str) -> bool:
    """Whether violation reports' notes are shown to this role (a coordinator sees
    only that a report is open)."""
    return role in NOTE_READERS


def hidden_note(note: str, role: str) -> str:
    """A violation report's note as this role may see it."""
    return note if sees_notes(role) else ""


def not_your_district(actor: Actor, what: str) -> NotPermitted:
    return NotPermitted(
        Text(
            f"{actor.name}（协调员）只能查看自己负责乡镇所在的区：「{what}」不在其中",
            f"{actor.name} (coordinator) reads only the districts of their own townships: '{what}' is not one",
        )
    )
