"""The ``workflow tui`` and ``workflow serve`` commands (Textual is imported only
when they run)."""

from __future__ import annotations

import shlex
import sys
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from workflow.i18n import Lang, parse_lang, tr

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
    data is built first if the database is empty (the current user becomes its admin).
    A database that is not initialised, or a user it does not know, is refused here,
    before the screen opens. Only SQLAlchemy Core is loaded: the ORM and the service
    follow once the first rows are on screen."""
    from workflow.app.access import Access
    from workflow.domain.definition import default_definition
    from workflow.ledger.witness import Witness
    from workflow.store.db import is_initialised, open_engine

    # Every township runs on its district's recorded definition; ``definition`` (the
    # global --definition) decides no rule here.
    url = db if db else (demo_url() if demo else None)
    access = Access(open_engine(url), user, default_definition())
    if demo:
        empty = not is_initialised(access.engine)
        if not empty:
            from workflow.store import sql as store_sql

            with store_sql.read(access.engine) as conn:
                empty = conn.one("SELECT 1 FROM district LIMIT 1", {}) is None
        if empty:
            from workflow.app.demo import build_demo

            typer.echo(tr("正在生成演示数据", "building the demo data")(lang), err=True)
            build_demo(access.service())
    access.check()
    access.witness = Witness(autosave=True)
    return access


def _lang(value: str | None, default: Lang) -> Lang:
    if value is None:
        return default
    found = parse_lang(value)
    if found is None:
        from workflow.errors import BadInput

        raise BadInput(
            tr("--lang 应为 zh 或 en，而不是「{v}」", "--lang must be zh or en, not '{v}'", v=value)
        )
    return found


def register(app: typer.Typer) -> None:
    """Add the TUI commands to the CLI."""

    @app.command()
    def tui(
        demo: Annotated[
            bool, typer.Option("--demo", help="Open the demo database (built on first use)")
        ] = False,
        db: Annotated[str | None, typer.Option("--db", help="SQLAlchemy URL or SQLite file")] = None,
        as_user: Annotated[str | None, typer.Option("--as", help="Act as this user")] = None,
        lang: Annotated[str | None, typer.Option("--lang", help="zh or en")] = None,
    ) -> None:
        """The terminal UI / 终端界面."""
        from workflow.cli.options import OPTS

        chosen = _lang(lang, OPTS.lang)
        access = open_access(db or OPTS.db, (as_user or OPTS.user).strip(), OPTS.definition, demo, chosen)
        from workflow.tui.app import WorkflowApp

        app_ = WorkflowApp(access, chosen)
        app_.run()
        if app_.return_code:
            raise typer.Exit(app_.return_code)

    @app.command()
    def serve(
        host: Annotated[str, typer.Option("--host", help="Address to bind")] = "127.0.0.1",
        port: Annotated[int, typer.Option("--port", help="Port to listen on")] = 8000,
        demo: Annotated[bool, typer.Option("--demo", help="Serve the demo database")] = False,
    ) -> None:
        """The same UI in a browser (textual-serve), on loopback by default / 浏览器界面."""
        from workflow.cli.options import OPTS

        command = [sys.executable, "-m", "workflow", "--as", OPTS.user, "--lang", OPTS.lang]
        if OPTS.db:
            command += ["--db", OPTS.db]
        if OPTS.definition:
            command += ["--definition", str(OPTS.definition.resolve())]
        command.append("tui")
        if demo:
            command.append("--demo")
        from textual_serve.server import Server

        typer.echo(tr("在 http://{h}:{p} 提供界面", "serving on http://{h}:{p}", h=host, p=port)(OPTS.lang))
        Server(shlex.join(command), host=host, port=port, title="workflow").serve()
