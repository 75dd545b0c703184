"""The acting user: their role and the townships assigned to them, read in one query."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.errors import BadInput, NotPermitted
from workflow.i18n import Text, tr
from workflow.store import sql as hot

ROLE_LABELS = {
    "coordinator": Text("协调员", "coordinator"),
    "reviewer": Text("审核人", "reviewer"),
    "auditor": Text("审计员", "auditor"),
    "admin": Text("管理员", "admin"),
}

ACTOR = (
    'SELECT u.role, ut.township_id, u.disabled FROM "user" u LEFT JOIN usertownship ut ON ut.user_id = u.id '
    "WHERE u.name = :name"
)


@dataclass(frozen=True, slots=True)
class Actor:
    """The acting user with the townships assigned to them."""

    name: str
    role: str
    townships: frozenset[int]


def unknown_user(name: str) -> NotPermitted:
    return NotPermitted(
        tr(
            "用户「{u}」不存在：请管理员用 workflow user add 添加",
            "user '{u}' does not exist: an admin adds users with 'workflow user add'",
            u=name,
        )
    )


def disabled(name: str) -> NotPermitted:
    return NotPermitted(
        tr(
            "用户「{u}」已停用：请联系管理员",
            "user '{u}' is disabled: ask an admin",
            u=name,
        )
    )


def actor_of(db: hot.Db, name: str) -> Actor:
    """The user ``name`` with their townships, read on ``db`` (a disabled user is
    refused at once, in a running UI too)."""
    rows = hot.raw(db).all(ACTOR, {"name": name})
    if not rows:
        raise unknown_user(name)
    if rows[0][2]:
        raise disabled(name)
    return Actor(name, str(rows[0][0]), frozenset(int(r[1]) for r in rows if r[1] is not None))


def check_role(role: str) -> None:
    """Refuse a role that is not one of :data:`workflow.store.tables.ROLES`."""
    from workflow.store.tables import ROLES

    if role not in ROLES:
        raise BadInput(
            tr(
                "未知角色「{r}」，应为：{o}",
                "unknown role '{r}', expected one of: {o}",
                r=role,
                o=", ".join(ROLES),
            )
        )
