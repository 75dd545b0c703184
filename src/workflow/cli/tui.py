"""The ``workflow tui`` and ``workflow serve`` commands (Textual is imported only
when they run)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from workflow.i18n import Lang, tr

if TYPE_CHECKING:
    from workflow.app.access import Access


def demo_url() -> str:
    """The demo database in the default data directory."""
    from workflow.store.db import default_db_path

    path = default_db_path().parent / "demo.db"
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


def open_access(db: str | None, user: str, definition: Path | None, demo: bool, lang: Lang) -> Access:
    """The database, user and definition the UI will run on; with ``demo``, the demo
    data is built first if the database is empty (its demo admin is the admin, and the
    database is marked a demo). A database that is not initialised, or a user it does
    not know, is refused here, before the screen opens (``user`` empty: nobody yet,
    the sign-in screen comes first). Only SQLAlchemy Core is loaded: the ORM and the
    service follow once the first rows are on screen."""
    from workflow.app.access import Access
    from workflow.domain.definition import default_definition
    from workflow.ledger.witness import Witness
    from workflow.store.db import is_initialised, open_engine

    # Every township runs on its district's recorded definition; ``definition`` (the
    # global --definition) decides no rule here.
    url = db if db else (demo_url() if demo else None)
    access = Access(open_engine(url), user, default_definition())
    if demo:
        from workflow.app.demo_signin import DEMO_ADMIN, is_demo

        empty = not is_initialised(access.engine)
        if not empty and is_demo(access.engine):  # a real database never gets demo data here
            from workflow.store import sql as store_sql

            with store_sql.read(access.engine) as conn:
                empty = conn.one("SELECT 1 FROM district LIMIT 1", {}) is None
        if empty:
            from workflow.app.demo import build_demo

            print(tr("正在生成演示数据", "building the demo data")(lang), file=sys.stderr)
            from workflow.app.service import Service

            build_demo(Service(access.engine, DEMO_ADMIN, access.definition))
    if user:
        access.check()
    else:
        from workflow.store.db import check_schema

        check_schema(access.engine)
    access.witness = Witness(autosave=True)
    return access


def start_app(access: Access, lang: Lang, demo: bool, demo_user: str | None, browser: bool) -> None:
    """Sign in the way the command asked, then run the UI: on a demo database, as the
    demo admin or ``demo_user`` without a password; else with this machine's valid
    session, or (always, in a browser) on the sign-in screen."""
    from workflow.app import auth
    from workflow.app.demo_signin import DEMO_ADMIN, demo_sign_in, is_demo
    from workflow.errors import NotPermitted

    on_demo = is_demo(access.engine)
    token = ""
    sign_in = False
    if demo or demo_user:
        signed = demo_sign_in(access.engine, demo_user or DEMO_ADMIN, save=not browser)
        access.actor_name, token = signed.user, signed.token
    elif browser:
        sign_in = True
    else:
        try:
            current = auth.current_session(access.engine)
            access.actor_name = current.user
            token = auth.load_token(current.database_id) or ""
        except NotPermitted:
            sign_in = True
    if not sign_in:
        access.check()
    from workflow.tui.app import WorkflowApp

    app = WorkflowApp(
        access,
        lang,
        sign_in=sign_in,
        browser=browser,
        demo_database=on_demo,
        session_token=token,
    )
    from workflow.cli.options import start_collecting

    # The screen's first frame is built before the collector runs again (after it,
    # Textual's and the screen's objects are frozen out of its passes).
    app.call_after_refresh(start_collecting)
    app.run()
    if app.return_code:
        from workflow.cli.options import Exit

        raise Exit(app.return_code)


def is_loopback(host: str) -> bool:
    import ipaddress

    if host.lower() == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def check_listen(host: str, port: int, allow_remote: bool, lang: Lang) -> None:
    """Refuse a non-loopback address without ``allow_remote`` (and warn with it), and a
    port that cannot be bound; both exit 2."""
    import socket

    from workflow.errors import BadInput

    if not is_loopback(host):
        if not allow_remote:
            raise BadInput(
                tr(
                    "拒绝在 {h} 上提供服务：只允许本机地址。若确需远程访问，请加 --allow-remote，"
                    "并置于 TLS 反向代理之后",
                    "refusing to serve on {h}: only loopback addresses are allowed. For remote access "
                    "add --allow-remote and put it behind a TLS reverse proxy",
                    h=host,
                )
            )
        print(
            tr(
                "警告：textual-serve 不支持 TLS，密码和数据以明文传输。必须置于 TLS（https）反向代理之后，"
                "并只让代理访问 {h}:{p}",
                "warning: textual-serve has no TLS; passwords and data cross the network in clear. "
                "It must sit behind a TLS (https) reverse proxy, and only the proxy may reach {h}:{p}",
                h=host,
                p=port,
            )(lang),
            file=sys.stderr,
        )
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (OSError, UnicodeError) as e:
        raise BadInput(tr("无法解析地址 {h}：{e}", "cannot resolve address {h}: {e}", h=host, e=e)) from e
    family, _, _, _, address = infos[0]
    with socket.socket(family, socket.SOCK_STREAM) as s:
        s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            s.bind(address)
        except OSError as e:
            raise BadInput(
                tr(
                    "无法监听 {h}:{p}：{e}（端口已被占用？请换一个 --port）",
                    "cannot listen on {h}:{p}: {e} (port in use? choose another --port)",
                    h=host,
                    p=port,
                    e=e.strerror or e,
                )
            ) from e


def tui(demo: bool, user: str | None, browser: bool) -> None:
    """The terminal UI; without a session it opens on the sign-in screen (``--db`` and
    ``--lang`` are the global options, given before or after the command)."""
    from workflow.cli.options import OPTS

    access = open_access(OPTS.db, "", OPTS.definition, demo, OPTS.lang)
    try:
        start_app(access, OPTS.lang, demo, user.strip() if user else None, browser)
    finally:
        if demo and not OPTS.db:
            print(demo_hint(demo_url(), OPTS.lang), file=sys.stderr)


def demo_hint(url: str, lang: Lang) -> str:
    """Where the demo database is, and the one line that points the command line at it."""
    path = url.removeprefix("sqlite:///")
    return tr(
        "演示数据库：{p}\n用命令行操作它：export WORKFLOW_DB={q}（或每条命令加 --db {q}）",
        "the demo database: {p}\nto use it from the command line: export WORKFLOW_DB={q} (or add --db {q} to a command)",
        p=path,
        q=shlex.quote(path),
    )(lang)


def serve(host: str, port: int, demo: bool, allow_remote: bool) -> None:
    """The same UI in a browser (textual-serve), on loopback by default; every
    connection signs in on its own."""
    from workflow.cli.options import OPTS

    check_listen(host, port, allow_remote, OPTS.lang)
    command = [sys.executable, "-m", "workflow", "--lang", OPTS.lang]
    if OPTS.db:
        command += ["--db", OPTS.db]
    if OPTS.definition:
        command += ["--definition", str(OPTS.definition.resolve())]
    command += ["tui", "--browser"]
    if demo:  # built now, so that connections do not race to build it
        open_access(OPTS.db or demo_url(), "", OPTS.definition, True, OPTS.lang)
        command += ["--db", OPTS.db or demo_url()]
    from textual_serve.server import Server

    print(
        tr("在 http://{h}:{p} 提供界面", "serving on http://{h}:{p}", h=host, p=port)(OPTS.lang), flush=True
    )
    Server(shlex.join(command), host=host, port=port, title="workflow").serve()
