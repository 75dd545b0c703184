"""Who may record which fact and who may read what, as plain rules on an
:class:`~workflow.access.Actor` (no SQL): facts name the roles that record them
(``recorded_by`` in the definition); coordinators read the districts of their own
townships only; violation reports' notes are for reviewers, auditors and admins."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.app.actors import ROLE_LABELS, Actor
from workflow.domain.definition import Fact
from workflow.errors import NotPermitted
from workflow.i18n import Text
from workflow.store import sql as hot
from workflow.store.sql import Db

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


SCOPE = (
    'SELECT u.role, t.district_id, u.disabled FROM "user" u LEFT JOIN usertownship ut ON ut.user_id = u.id '
    "LEFT JOIN township t ON t.id = ut.township_id WHERE u.name = :name"
)


@dataclass(frozen=True, slots=True)
class Scope:
    """What one user may read: every district (``districts`` None) or, for a
    coordinator, the districts of their townships; and whether notes are shown."""

    name: str
    role: str
    districts: frozenset[int] | None

    @property
    def notes(self) -> bool:
        return sees_notes(self.role)

    def sees_district(self, district_id: int) -> bool:
        return self.districts is None or district_id in self.districts

    def sql(self, column: str) -> str:
        """A SQL condition on ``column`` (a district id) for this scope."""
        if self.districts is None:
            return "1 = 1"
        if not self.districts:
            return "1 = 0"
        return f"{column} IN ({', '.join(str(int(d)) for d in sorted(self.districts))})"

    def require(self, district_id: int, what: str) -> None:
        if not self.sees_district(district_id):
            raise NotPermitted(
                Text(
                    f"{self.name}（协调员）只能查看自己负责乡镇所在的区：「{what}」不在其中",
                    f"{self.name} (coordinator) reads only the districts of their own townships: "
                    f"'{what}' is not in one",
                )
            )


def read_scope(db: Db, name: str) -> Scope:
    """The read scope of user ``name`` (an unknown user is refused)."""
    from workflow.app.actors import unknown_user

    rows = hot.raw(db).all(SCOPE, {"name": name})
    if not rows:
        raise unknown_user(name)
    if rows[0][2]:
        from workflow.app.actors import disabled

        raise disabled(name)
    role = str(rows[0][0])
    if role != "coordinator":
        return Scope(name, role, None)
    return Scope(name, role, frozenset(int(r[1]) for r in rows if r[1] is not None))
