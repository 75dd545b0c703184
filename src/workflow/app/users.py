"""User management: list, add with a one-time set-up code, change role, assign and
unassign townships, disable and enable, reset, and a person's own password change.
Each change is checked (admins only, ``passwd`` aside) and written with its event on
the system chain in one transaction, through the service."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from workflow.app import auth
from workflow.app.actors import check_role
from workflow.app.service import Service
from workflow.errors import BadInput, NotPermitted
from workflow.i18n import tr
from workflow.store.db import read_session

if TYPE_CHECKING:
    from sqlmodel import Session

    from workflow.store.tables import User


@dataclass(frozen=True, slots=True)
class UserInfo:
    """One user as ``workflow user list`` shows it (never a hash)."""

    name: str
    role: str
    townships: list[str]
    disabled: bool
    last_signin: str
    has_password: bool
    locked_until: str

    def as_dict(self) -> dict[str, object]:
        return {
            "name": self.name,
            "role": self.role,
            "townships": self.townships,
            "disabled": self.disabled,
            "last_signin": self.last_signin or None,
            "password_set": self.has_password,
            "locked_until": self.locked_until or None,
        }


def _find(session: Session, name: str) -> User:
    from sqlmodel import select

    from workflow.store.tables import User

    user = session.exec(select(User).where(User.name == name.strip())).first()
    if user is None:
        raise BadInput(tr("未找到用户「{u}」", "no user named '{u}'", u=name))
    return user


def _admin(svc: Service, session: Session) -> None:
    svc._require(svc.actor(session), "admin")


def _keep_an_admin(session: Session, user: User) -> None:
    """Refuse to leave the database without an enabled admin."""
    from sqlmodel import col, select

    from workflow.store.tables import User

    others = session.exec(
        select(User).where(User.role == "admin", col(User.disabled).is_(False), User.id != user.id)
    ).first()
    if user.role == "admin" and not user.disabled and others is None:
        raise BadInput(
            tr(
                "「{u}」是唯一可用的管理员：请先让另一位用户成为管理员",
                "'{u}' is the only enabled admin: make another user admin first",
                u=user.name,
            )
        )


def list_users(svc: Service) -> list[UserInfo]:
    """Every user with role, townships, disabled and last sign-in (admins)."""
    from sqlmodel import col, select

    from workflow.store.tables import Township, User, UserTownship

    svc.ensure_schema()
    with read_session(svc.engine) as session:
        _admin(svc, session)
        towns: dict[int, list[str]] = {}
        for ut, tname in session.exec(
            select(UserTownship, Township.name).join(Township).order_by(col(Township.id))
        ):
            towns.setdefault(ut.user_id, []).append(tname)
        return [
            UserInfo(
                u.name,
                u.role,
                towns.get(u.id or 0, []),
                u.disabled,
                u.last_signin,
                bool(u.password_hash),
                u.locked_until,
            )
            for u in session.exec(select(User).order_by(col(User.id)))
        ]


def add_user(svc: Service, name: str, role: str, townships: Sequence[str] = ()) -> tuple[User, str]:
    """Add a user with a one-time set-up code (stored only hashed); the code."""
    code = auth.new_setup_code()
    user = svc.add_user(name, role, townships, setup_hash=auth.hash_secret(code))
    return user, code


def set_role(svc: Service, name: str, role: str) -> tuple[str, str]:
    """Change a user's role; the old and new role."""
    check_role(role)
    svc.ensure_schema()
    with svc._write() as session:
        _admin(svc, session)
        user = _find(session, name)
        old = user.role
        if old == role:
            raise BadInput(tr("「{u}」已是{r}", "'{u}' already has role {r}", u=user.name, r=role))
        if role != "admin":
            _keep_an_admin(session, user)
        svc._system_event(session, "user_role", "", {"user": user.name, "from": old, "to": role})  # applied
        return old, role


def assign(svc: Service, name: str, townships: Sequence[str], add: bool = True) -> list[str]:
    """Assign (or with ``add=False`` unassign) townships; the townships changed."""
    from sqlmodel import select

    from workflow.store.tables import UserTownship

    if not townships:
        raise BadInput(tr("请用 --township 指定乡镇", "name townships with --township"))
    svc.ensure_schema()
    with svc._write() as session:
        _admin(svc, session)
        user = _find(session, name)
        assert user.id is not None
        have = {
            ut.township_id for ut in session.exec(select(UserTownship).where(UserTownship.user_id == user.id))
        }
        changed: list[str] = []
        ids: list[int | None] = []
        for ref in townships:
            town = svc.find_township(session, ref)
            if (add and town.id not in have) or (not add and town.id in have):
                if add:
                    have.add(town.id)
                else:
                    have.discard(town.id)
                changed.append(town.name)
                ids.append(town.id)
        if not changed:
            raise BadInput(tr("没有需要更改的乡镇", "nothing to change: the townships were already so"))
        svc._system_event(  # applied: the user's townships
            session,
            "user_assign" if add else "user_unassign",
            "",
            {"user": user.name, "townships": changed, "township_ids": ids},
        )
        return changed


def set_disabled(svc: Service, name: str, off: bool) -> int:
    """Disable (ending every session of the user at once) or enable; sessions ended."""
    svc.ensure_schema()
    with svc._write() as session:
        _admin(svc, session)
        user = _find(session, name)
        if user.disabled == off:
            raise BadInput(
                tr("「{u}」已停用", "'{u}' is already disabled", u=user.name)
                if off
                else tr("「{u}」未停用", "'{u}' is not disabled", u=user.name)
            )
        if off:
            _keep_an_admin(session, user)
        svc._system_event(
            session, "user_disable" if off else "user_enable", "", {"user": user.name}
        )  # applied
        return auth.end_sessions(svc, session, user, "disabled") if off else 0


def reset(svc: Service, name: str) -> str:
    """Clear a user's password, end their sessions, lift a lock-out and issue a new
    one-time set-up code; the code."""
    code = auth.new_setup_code()
    hashed = auth.hash_secret(code)
    svc.ensure_schema()
    with svc._write() as session:
        _admin(svc, session)
        user = _find(session, name)
        user.password_hash = None
        user.setup_hash = hashed
        user.failures = 0
        user.failures_since = ""
        user.locked_until = ""
        session.add(user)
        svc._system_event(session, "user_reset", "", {"user": user.name})
        auth.end_sessions(svc, session, user, "reset")
    return code


def passwd(svc: Service, old: str, new: str) -> None:
    """The signed-in user changes their own password (the old one checked first); their
    other sessions stay open."""
    auth.check_new_password(new)
    svc.ensure_schema()
    with read_session(svc.engine) as session:
        user = _find(session, svc.actor_name)
        ok = auth.verify_secret(user.password_hash, old)
    if not ok:
        raise NotPermitted(tr("原密码错误：未做更改", "the old password is wrong: nothing changed"))
    hashed = auth.hash_secret(new)
    with svc._write() as session:
        user = _find(session, svc.actor_name)
        user.password_hash = hashed
        session.add(user)
        svc._system_event(session, "password_change", "", {"user": user.name})


def issue_codes_for_admins(svc: Service) -> list[tuple[str, str]]:
    """After an upgrade from a release without sign-in: a set-up code for each admin
    (others get theirs from an admin with ``workflow user reset``)."""
    from sqlmodel import col, select

    from workflow.store.tables import User

    out: list[tuple[str, str]] = []
    with svc._write() as session:
        for user in session.exec(select(User).where(User.role == "admin", col(User.password_hash).is_(None))):
            code = auth.new_setup_code()
            user.setup_hash = auth.hash_secret(code)
            session.add(user)
            svc._system_event(session, "user_reset", "", {"user": user.name, "why": "upgrade"})
            out.append((user.name, code))
    return out
