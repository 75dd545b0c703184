"""Sign-in: password hashing, sessions, lock-out, and the token files.

Passwords and one-time set-up codes are stored only as **argon2id** hashes made by
argon2-cffi's ``PasswordHasher`` with the parameters the OWASP Password Storage Cheat
Sheet lists first for argon2id at its minimum memory: m = 19 MiB (19456 KiB), t = 2,
p = 1 (16-byte salt, 32-byte hash). That costs about 30 ms and 19 MiB per sign-in on
one core, which a small shared server can afford for many people signing in at once,
while every guess costs an attacker the same memory (argon2id resists GPU and
side-channel attacks; see :data:`HASHER`).

A session is a random 256-bit token (:func:`secrets.token_urlsafe`) written to the
person's own config directory (``platformdirs.user_config_dir``, or
``WORKFLOW_CONFIG_DIR``), one file per database id and mode 0600; the database keeps
only its SHA-256, the user, created, expires (12 hours by default), last used and
revoked. Sign-ins, failures, lock-outs, password changes and session ends are events
on the system chain; no event holds a password, a hash or a token.

The per-command check (:func:`session_user`) is plain SQL on the driver, so
``workflow status`` still runs without the ORM; argon2 and the ORM are imported only
to sign in or out."""

from __future__ import annotations

import contextlib
import datetime as dt
import hashlib
import os
import secrets
from collections.abc import Sequence
from contextlib import suppress
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.app.actors import disabled
from workflow.errors import BadInput, NotPermitted, Unavailable, WorkflowError
from workflow.i18n import Text, tr
from workflow.store import meta
from workflow.store import sql as hot

if TYPE_CHECKING:
    from argon2 import PasswordHasher
    from sqlmodel import Session

    from workflow.app.service import Service
    from workflow.store.connect import Database
    from workflow.store.tables import User

CONFIG_ENV = "WORKFLOW_CONFIG_DIR"
SESSION_HOURS = 12.0
MAX_FAILURES = 5
FAILURE_WINDOW = dt.timedelta(minutes=15)
LOCK_TIME = dt.timedelta(minutes=15)
LAST_USED_EVERY = dt.timedelta(seconds=60)
MIN_PASSWORD = 8

# OWASP Password Storage Cheat Sheet, argon2id: m=19 MiB, t=2, p=1.
TIME_COST = 2
MEMORY_COST_KIB = 19456
PARALLELISM = 1

SIGN_IN = Text("请登录：workflow login", "sign in: workflow login")
WRONG = Text("用户名或密码错误", "name or password wrong")


def _hasher() -> PasswordHasher:
    from argon2 import PasswordHasher, Type

    return PasswordHasher(
        time_cost=TIME_COST,
        memory_cost=MEMORY_COST_KIB,
        parallelism=PARALLELISM,
        hash_len=32,
        salt_len=16,
        type=Type.ID,
    )


def hash_secret(secret: str) -> str:
    """An argon2id hash (PHC string: algorithm, parameters, salt and hash)."""
    return _hasher().hash(secret)


@cache
def _dummy_hash() -> str:
    return hash_secret(secrets.token_hex(16))


def verify_secret(stored: str | None, secret: str) -> bool:
    """Whether ``secret`` matches the argon2id hash ``stored`` (constant time in
    argon2); a missing hash never matches."""
    from argon2.exceptions import InvalidHashError, VerificationError

    if not stored:
        return False
    try:
        return _hasher().verify(stored, secret)
    except (VerificationError, InvalidHashError):
        return False


# ---------------------------------------------------------------- times


def utcnow() -> dt.datetime:
    return dt.datetime.now(dt.UTC)


def stamp(t: dt.datetime) -> str:
    """A UTC time as stored (fixed width, so stored times compare as text)."""
    return t.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def shown(value: str) -> str:
    """A stored time as a person reads it."""
    return value.replace("T", " ").replace("Z", " UTC")


# ---------------------------------------------------------------- messages


def not_signed_in() -> NotPermitted:
    return NotPermitted(
        Text(
            f"本机没有此数据库的有效会话。{SIGN_IN.zh}",
            f"no session for this database on this machine. {SIGN_IN.en}",
        )
    )


def expired(when: str) -> NotPermitted:
    return NotPermitted(
        Text(
            f"会话已于{shown(when)}过期。{SIGN_IN.zh}",
            f"your session expired at {shown(when)}. {SIGN_IN.en}",
        )
    )


def revoked() -> NotPermitted:
    return NotPermitted(
        Text(
            f"会话已结束（已退出或被管理员撤销）。{SIGN_IN.zh}",
            f"your session was ended (signed out or revoked). {SIGN_IN.en}",
        )
    )


def wrong() -> NotPermitted:
    return NotPermitted(WRONG)


def locked(until: str) -> NotPermitted:
    return NotPermitted(
        Text(
            f"{WRONG.zh}：登录失败次数过多，{shown(until)}前不能登录",
            f"{WRONG.en}: too many failed sign-ins, locked until {shown(until)}",
        )
    )


# ---------------------------------------------------------------- token files


def config_dir() -> Path:
    """Where this person's session tokens live: ``WORKFLOW_CONFIG_DIR`` (used for
    nothing else), else the platform's user config directory."""
    value = os.environ.get(CONFIG_ENV)
    if value:
        return Path(value).expanduser()
    from platformdirs import user_config_dir

    return Path(user_config_dir("workflow", appauthor=False))


def token_path(database_id: str) -> Path:
    return config_dir() / "sessions" / f"{database_id}.token"


def save_token(database_id: str, token: str) -> Path:
    """Write the token (mode 0600, in a 0700 folder), replacing any earlier one."""
    path = token_path(database_id)
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    tmp = path.with_suffix(f".{secrets.token_hex(4)}.tmp")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, token.encode())
    finally:
        os.close(fd)
    os.replace(tmp, path)
    return path


def load_token(database_id: str) -> str | None:
    try:
        return token_path(database_id).read_text(encoding="ascii").strip() or None
    except (OSError, UnicodeDecodeError):
        return None


def remove_token(database_id: str) -> None:
    with contextlib.suppress(FileNotFoundError):
        token_path(database_id).unlink()


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def new_token() -> str:
    """256 random bits."""
    return secrets.token_urlsafe(32)


def new_setup_code() -> str:
    """A one-time set-up code a person can read out and type: 4 groups of 5 letters
    and digits (about 100 bits)."""
    alphabet = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"
    chars = "".join(secrets.choice(alphabet) for _ in range(20))
    return "-".join(chars[i : i + 5] for i in range(0, 20, 5))


# ---------------------------------------------------------------- the check on every command


def database_id(db: hot.Db) -> str:
    """The database's id (its sessions' token files are named after it)."""
    found = meta.database_id(db)
    if found is None:
        raise BadInput(
            tr(
                "数据库没有标识：请运行 workflow db upgrade",
                "the database has no id: run 'workflow db upgrade'",
            )
        )
    return found


SESSION_ROW = (
    'SELECT s.id, s.expires, s.revoked, s.last_used, u.name, u.disabled FROM "session" s '
    'JOIN "user" u ON u.id = s.user_id WHERE s.token_hash = :h'
)


@dataclass(frozen=True, slots=True)
class Current:
    """The valid session found for this machine and database."""

    session_id: int
    user: str
    expires: str
    database_id: str


def current_session(engine: Database, now: dt.datetime | None = None) -> Current:
    """The session this machine holds for the database, checked: present, known,
    not revoked, not expired, its user not disabled. Refused with exit 4 otherwise;
    its last use is written at most once a minute."""
    now = now or utcnow()
    with hot.read(engine) as db:  # driver errors are mapped by the store
        dbid = database_id(db)
        token = load_token(dbid)
        if token is None:
            raise not_signed_in()
        sid, last_used, name, expires = _checked(hot.raw(db).one(SESSION_ROW, {"h": token_hash(token)}), now)
    if last_used < stamp(now - LAST_USED_EVERY):
        try:
            with hot.write(engine) as w:
                w.run('UPDATE "session" SET last_used = :now WHERE id = :id', {"now": stamp(now), "id": sid})
        except Unavailable:
            pass  # a busy or read-only database must not stop a read; the next command tries again
    return Current(sid, name, expires, dbid)


def _checked(row: Sequence[Any] | None, now: dt.datetime) -> tuple[int, str, str, str]:
    """A session row that is present, not ended, not expired and whose user is not
    disabled: (id, last used, user, expires); refused with exit 4 otherwise."""
    if row is None:
        raise not_signed_in()
    sid, expires, ended, last_used, name, off = row
    if off:
        raise disabled(str(name))
    if ended:
        raise revoked()
    if str(expires) <= stamp(now):
        raise expired(str(expires))
    return int(sid), str(last_used), str(name), str(expires)


def check_token(engine: Database, token: str, now: dt.datetime | None = None) -> str:
    """The user of the session ``token`` (a browser session's, held in memory), checked
    as :func:`current_session` checks this machine's."""
    with hot.read(engine) as db:
        row = hot.raw(db).one(SESSION_ROW, {"h": token_hash(token)})
    return _checked(row, now or utcnow())[2]


def session_user(engine: Database) -> str:
    """The name of the signed-in user (see :func:`current_session`)."""
    return current_session(engine).user


# ---------------------------------------------------------------- signing in and out


@dataclass(frozen=True, slots=True)
class SignedIn:
    user: str
    role: str
    expires: str
    token_file: Path | None
    """Where the token was saved; None for a browser session, which keeps it in memory."""
    password_set: bool
    token: str = field(default="", repr=False)
    replaced: str = field(default="", repr=False)
    """The token this machine held before for the database (its session is ended)."""


def _system(engine: Database, actor: str) -> Service:
    from workflow.app.service import Service

    return Service(engine, actor)


def _event(svc: Service, session: Session, kind: str, payload: dict[str, Any]) -> None:
    svc._system_event(session, kind, "", payload)


def _user(session: Session, name: str) -> User | None:
    from sqlmodel import select

    from workflow.store.tables import User

    return session.exec(select(User).where(User.name == name)).first()


def check_new_password(password: str) -> str:
    if len(password) < MIN_PASSWORD or not password.strip():
        raise BadInput(
            tr(
                "密码至少{n}个字符",
                "a password needs at least {n} characters",
                n=MIN_PASSWORD,
            )
        )
    if any(ord(c) < 32 for c in password):
        raise BadInput(tr("密码不能含控制字符", "a password must not contain control characters"))
    return password


def needs_setup(engine: Database, name: str) -> bool:
    """Whether ``name`` has a set-up code and no password yet (so signing in also
    sets a password). Unknown names answer False."""
    from workflow.store.db import read_session

    with read_session(engine) as session:
        user = _user(session, name)
        return user is not None and not user.password_hash and bool(user.setup_hash)


def _safe_name(name: str) -> str:
    return "".join(c for c in name.strip() if ord(c) >= 32)[:200] or "?"


def sign_in(
    engine: Database,
    name: str,
    secret: str,
    *,
    new_password: str | None = None,
    hours: float = SESSION_HOURS,
    now: dt.datetime | None = None,
    without_password: bool = False,
    save: bool = True,
) -> SignedIn:
    """Check a password (or, for a new user, the set-up code and set ``new_password``),
    count failures and lock after :data:`MAX_FAILURES` in :data:`FAILURE_WINDOW`, and
    open a session. The failure counts and events are committed even when sign-in is
    refused. ``without_password`` is for demo databases only (see :mod:`workflow.app.demo_signin`);
    with ``save`` False (a browser session) the token is not written to this machine's
    config directory but only returned."""
    from workflow.store.db import write_session

    now = now or utcnow()
    name = _safe_name(name)
    if new_password is not None:
        check_new_password(new_password)
    svc = _system(engine, name)
    refusal: NotPermitted | None = None
    token = new_token()
    result: SignedIn | None = None
    try:
        with write_session(engine) as session:
            user = _user(session, name)
            if user is None:
                verify_secret(_dummy_hash(), secret)  # as slow as a real check: no name is told by timing
                _event(svc, session, "signin_failed", {"user": name, "reason": "unknown"})
                refusal = wrong()
            elif user.locked_until and user.locked_until > stamp(now):
                _event(svc, session, "signin_failed", {"user": name, "reason": "locked"})
                refusal = locked(user.locked_until)
            else:
                by_code = not user.password_hash and bool(user.setup_hash)
                ok = without_password or verify_secret(
                    user.setup_hash if by_code else user.password_hash, secret
                )
                if not ok:
                    refusal = _count_failure(svc, session, user, now)
                elif user.disabled:
                    _event(svc, session, "signin_failed", {"user": name, "reason": "disabled"})
                    refusal = disabled(name)
                elif by_code and not without_password and new_password is None:
                    raise BadInput(
                        tr(
                            "首次登录：请同时设置新密码",
                            "first sign-in: a new password must be set as well",
                        )
                    )
                else:
                    password_set = False
                    if by_code and new_password is not None:
                        user.password_hash = hash_secret(new_password)
                        user.setup_hash = None
                        password_set = True
                        _event(svc, session, "password_set", {"user": name, "by": "setup_code"})
                    user.failures = 0
                    user.failures_since = ""
                    user.locked_until = ""
                    user.last_signin = stamp(now)
                    session.add(user)
                    result = _open_session(svc, session, user, token, now, hours, password_set, save)
    except Exception as e:  # mapped by the store already; kept for a driver error raised outside it
        from workflow.store.errors import is_mappable, translate

        if isinstance(e, WorkflowError) or not is_mappable(e):
            raise
        raise translate(e, svc.engine.url) from e
    if refusal is not None:
        raise refusal
    assert result is not None
    if result.replaced and result.replaced != token:
        with suppress(WorkflowError):  # the new session stands even if ending the old one fails
            end_token(engine, result.replaced)
    return result


def _count_failure(svc: Service, session: Session, user: User, now: dt.datetime) -> NotPermitted:
    if not user.failures_since or user.failures_since <= stamp(now - FAILURE_WINDOW):
        user.failures = 1
        user.failures_since = stamp(now)
    else:
        user.failures += 1
    _event(
        svc, session, "signin_failed", {"user": user.name, "reason": "password", "failures": user.failures}
    )
    refusal = wrong()
    if user.failures >= MAX_FAILURES:
        user.locked_until = stamp(now + LOCK_TIME)
        user.failures = 0
        user.failures_since = ""
        _event(svc, session, "lockout", {"user": user.name, "until": user.locked_until})
        refusal = locked(user.locked_until)
    session.add(user)
    return refusal


def _open_session(
    svc: Service,
    session: Session,
    user: User,
    token: str,
    now: dt.datetime,
    hours: float,
    password_set: bool,
    save: bool,
) -> SignedIn:
    from workflow.store.tables import UserSession

    assert user.id is not None
    dbid = database_id(session)
    expires = stamp(now + dt.timedelta(hours=hours))
    row = UserSession(
        token_hash=token_hash(token),
        user_id=user.id,
        created=stamp(now),
        expires=expires,
        last_used=stamp(now),
        revoked="",
    )
    session.add(row)
    session.flush()
    _event(svc, session, "signin", {"user": user.name, "session": row.id, "expires": expires})
    old = (load_token(dbid) or "") if save else ""
    path = save_token(dbid, token) if save else None
    return SignedIn(user.name, user.role, expires, path, password_set, token, old)


def sign_out(engine: Database) -> str | None:
    """End this machine's session for the database (an event) and remove its token
    file; the user it belonged to, or None when there was none."""
    from workflow.store.db import read_session

    with read_session(engine) as s:
        dbid = database_id(s)
    token = load_token(dbid)
    if token is None:
        return None
    who = end_token(engine, token)
    remove_token(dbid)
    return who


def end_token(engine: Database, token: str) -> str | None:
    """End the session of ``token`` (an event, unless it had already ended); its user."""
    from workflow.store.db import write_session
    from workflow.store.tables import UserSession

    who: str | None = None
    with write_session(engine) as session:
        from sqlmodel import select

        from workflow.store.tables import User

        found = session.exec(
            select(UserSession, User).join(User).where(UserSession.token_hash == token_hash(token))
        ).first()
        if found is not None:
            row, user = found
            who = user.name
            if not row.revoked:
                row.revoked = stamp(utcnow())
                session.add(row)
                _event(_system(engine, user.name), session, "signout", {"user": user.name, "session": row.id})
    return who


def end_sessions(svc: Service, session: Session, user: User, why: str) -> int:
    """Revoke every open session of ``user`` in the caller's transaction (one event
    when any was open); how many ended."""
    from sqlmodel import col, select

    from workflow.store.tables import UserSession

    now = stamp(utcnow())
    rows = list(
        session.exec(
            select(UserSession).where(UserSession.user_id == user.id, col(UserSession.revoked) == "")
        )
    )
    for r in rows:
        r.revoked = now
        session.add(r)
    if rows:
        _event(svc, session, "sessions_revoked", {"user": user.name, "sessions": len(rows), "why": why})
    return len(rows)
