"""The sign-in and user commands: ``login``, ``logout``, ``whoami`` and the ``user``
group (``add``, ``list``, ``set-role``, ``assign``, ``unassign``, ``disable``,
``enable``, ``reset``, ``passwd``). Passwords are read from a prompt or, for
scripts, from standard input; never from the command line or the environment."""

from __future__ import annotations

import getpass
import sys
from typing import Any

from workflow.errors import BadInput
from workflow.i18n import Text, tr


def _read_stdin_lines(n: int) -> list[str]:
    lines = [sys.stdin.readline().rstrip("\r\n") for _ in range(n)]
    if any(not x for x in lines):
        raise BadInput(
            tr(
                "标准输入应有{n}行（密码）",
                "standard input must hold {n} line(s) (the password)",
                n=n,
            )
        )
    return lines


def ask_secret(label: Text, lang: str) -> str:
    """A hidden prompt; empty input or end of input is bad input."""
    try:
        value = getpass.getpass(f"{label(lang)}: ")  # type: ignore[arg-type]
    except EOFError:
        value = ""
    if not value:
        raise BadInput(tr("未输入", "nothing was entered"))
    return value


def ask_new_password(lang: str) -> str:
    """A new password, typed twice."""
    first = ask_secret(tr("新密码", "new password"), lang)
    second = ask_secret(tr("再次输入新密码", "new password again"), lang)
    if first != second:
        raise BadInput(tr("两次输入的密码不同：未做更改", "the two passwords differ: nothing changed"))
    return first


def read_new_password(from_stdin: bool, lang: str) -> str:
    """A new password from standard input (one line) or typed twice."""
    if from_stdin:
        return _read_stdin_lines(1)[0]
    return ask_new_password(lang)


def login(name: str | None, password_stdin: bool, hours: float, demo: bool) -> None:
    """Sign in; the session is kept in your config directory."""
    from workflow.app import auth
    from workflow.cli.options import OPTS, prompt, say
    from workflow.store.db import check_schema

    if not 0 < hours <= 24 * 31:
        raise BadInput(tr("--hours 应在 0 到 744 之间", "--hours must be between 0 and 744"))
    engine = OPTS.engine()
    check_schema(engine)
    who = (name or OPTS.login_name or "").strip()
    if not who:
        if password_stdin:
            raise BadInput(tr("请写出用户名：workflow login 名字", "name the user: workflow login NAME"))
        who = prompt(tr("用户名", "name")).strip()
    if demo:
        from workflow.app.demo_signin import demo_sign_in

        signed = demo_sign_in(engine, who, hours=hours)
    elif auth.needs_setup(engine, who):
        if password_stdin:
            code, new = _read_stdin_lines(2)
        else:
            say(
                tr(
                    "首次登录：输入管理员给你的设置码，再设置密码",
                    "first sign-in: enter the set-up code an admin gave you, then choose a password",
                )
            )
            code = ask_secret(tr("设置码", "set-up code"), OPTS.lang)
            new = ask_new_password(OPTS.lang)
        signed = auth.sign_in(engine, who, code.strip(), new_password=new, hours=hours)
    else:
        secret = _read_stdin_lines(1)[0] if password_stdin else ask_secret(tr("密码", "password"), OPTS.lang)
        signed = auth.sign_in(engine, who, secret, hours=hours)
    if signed.password_set:
        say(tr("已设置密码", "password set"))
    say(
        tr(
            "已登录：{u}（{r}），有效至 {e}",
            "signed in as {u} ({r}) until {e}",
            u=signed.user,
            r=signed.role,
            e=auth.shown(signed.expires),
        )
    )


def logout() -> None:
    """End this machine's session for the database."""
    from workflow.app import auth
    from workflow.cli.options import OPTS, say
    from workflow.store.db import check_schema

    engine = OPTS.engine()
    check_schema(engine)
    who = auth.sign_out(engine)
    if who is None:
        say(tr("本机没有此数据库的会话", "no session for this database on this machine"))
    else:
        say(tr("已退出：{u}", "signed out: {u}", u=who))


def whoami(as_json: bool) -> None:
    """Who is signed in, with role, townships and session expiry."""
    from workflow.app import auth
    from workflow.app.access import Access
    from workflow.cli.options import OPTS, emit_json, say

    name = OPTS.acting()
    current = auth.current_session(OPTS.engine())
    actor = Access(OPTS.engine(), name, OPTS.loaded_definition()).actor()
    towns = _township_names(OPTS.engine(), actor.townships)
    if as_json:
        emit_json({"user": name, "role": actor.role, "townships": towns, "expires": current.expires})
        return
    say(
        tr(
            "{u}（{r}），会话有效至 {e}",
            "{u} ({r}), session until {e}",
            u=name,
            r=actor.role,
            e=auth.shown(current.expires),
        )
    )
    if towns:
        say(tr("负责乡镇：{t}", "townships: {t}", t=", ".join(towns)))


def user_add(name: str, role: str, township: list[str] | None) -> None:
    """Add a user with a role; prints their one-time set-up code (admins)."""
    from workflow.app.users import add_user
    from workflow.cli.options import OPTS, say

    u, code = add_user(OPTS.service(), name, role, township or [])
    say(tr("已添加用户「{u}」（{r}）", "user '{u}' added ({r})", u=u.name, r=u.role))
    _say_code(say, u.name, code)


def user_list(as_json: bool) -> None:
    """Every user: role, townships, disabled, last sign-in (admins)."""
    from workflow.app.users import list_users
    from workflow.cli.options import OPTS, emit_json, say

    rows = list_users(OPTS.service())
    if as_json:
        emit_json([u.as_dict() for u in rows])
        return
    off = tr("已停用", "disabled")(OPTS.lang)
    never = tr("从未登录", "never signed in")(OPTS.lang)
    for u in rows:
        say(
            "\t".join(
                [
                    u.name,
                    u.role,
                    ",".join(u.townships) or "-",
                    off if u.disabled else "-",
                    u.last_signin.replace("T", " ").replace("Z", "") if u.last_signin else never,
                ]
            )
        )


def user_set_role(name: str, role: str) -> None:
    """Change a user's role (admins)."""
    from workflow.app.users import set_role
    from workflow.cli.options import OPTS, say

    old, new = set_role(OPTS.service(), name, role)
    say(tr("「{u}」：{a} → {b}", "'{u}': {a} -> {b}", u=name, a=old, b=new))


def user_assign(name: str, township: list[str]) -> None:
    """Assign townships to a user (admins)."""
    from workflow.app.users import assign
    from workflow.cli.options import OPTS, say

    changed = assign(OPTS.service(), name, township, add=True)
    say(tr("已为「{u}」分配：{t}", "assigned to '{u}': {t}", u=name, t=", ".join(changed)))


def user_unassign(name: str, township: list[str]) -> None:
    """Take townships from a user (admins)."""
    from workflow.app.users import assign
    from workflow.cli.options import OPTS, say

    changed = assign(OPTS.service(), name, township, add=False)
    say(tr("已取消「{u}」的：{t}", "unassigned from '{u}': {t}", u=name, t=", ".join(changed)))


def user_disable(name: str) -> None:
    """Disable a user; their sessions end at once (admins)."""
    from workflow.app.users import set_disabled
    from workflow.cli.options import OPTS, say

    n = set_disabled(OPTS.service(), name, True)
    say(tr("已停用「{u}」，结束{n}个会话", "'{u}' disabled; {n} session(s) ended", u=name, n=n))


def user_enable(name: str) -> None:
    """Enable a disabled user (admins)."""
    from workflow.app.users import set_disabled
    from workflow.cli.options import OPTS, say

    set_disabled(OPTS.service(), name, False)
    say(tr("已启用「{u}」", "'{u}' enabled", u=name))


def user_reset(name: str) -> None:
    """Clear a user's password and sessions; prints a new set-up code (admins)."""
    from workflow.app.users import reset
    from workflow.cli.options import OPTS, say

    code = reset(OPTS.service(), name)
    _say_code(say, name, code)


def user_passwd(password_stdin: bool) -> None:
    """Change your own password (old, then new)."""
    from workflow.app.users import passwd
    from workflow.cli.options import OPTS, say

    svc = OPTS.service()
    if password_stdin:
        old, new = _read_stdin_lines(2)
    else:
        old = ask_secret(tr("原密码", "old password"), OPTS.lang)
        new = ask_new_password(OPTS.lang)
    passwd(svc, old, new)
    say(tr("密码已修改", "password changed"))


def _say_code(say: Any, name: str, code: str) -> None:
    say(
        tr(
            "一次性设置码（只显示这一次）：{c}\n请交给「{u}」，由其运行 workflow login {u} 设置密码",
            "one-time set-up code (shown only now): {c}\ngive it to '{u}', who runs 'workflow login {u}' to set a password",
            c=code,
            u=name,
        )
    )


def _township_names(engine: Any, ids: frozenset[int]) -> list[str]:
    if not ids:
        return []
    from workflow.store import sql as hot

    with hot.read(engine) as db:
        rows = hot.raw(db).all("SELECT id, name FROM township ORDER BY id", {})
    return [str(n) for i, n in rows if int(i) in ids]


def upgrade_to_sign_in(engine: Any, say: Any) -> tuple[str | None, str]:
    """``db upgrade`` of a database from before sign-in existed (no one can sign in to
    it yet): migrate, then print a one-time set-up code for each admin."""
    from workflow.app.service import Service
    from workflow.app.users import issue_codes_for_admins
    from workflow.ledger.upgrade import commit_existing
    from workflow.store import sql as hot
    from workflow.store.migrate import HEAD, current, upgrade

    before = current(engine)
    upgrade(engine)
    svc = Service(engine, "db upgrade")
    with hot.write(engine) as db:  # the rows older releases left out of the log
        commit_existing(db, svc.actor_name, svc.clock, svc.today())
    svc.store_gate_states()
    for name, code in issue_codes_for_admins(svc):
        _say_code(say, name, code)
    return before, HEAD
