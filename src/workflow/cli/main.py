"""The ``workflow`` command. A thin front end over :mod:`workflow.app`; it never imports
Textual (``workflow tui`` imports it on demand). The command modules register on the
apps in :mod:`workflow.cli.options` when imported here."""

from __future__ import annotations

import os
import sys

import typer

from workflow.cli import audit, export, reads, setup, steps, tui
from workflow.cli.options import OPTS, app, user_app
from workflow.errors import BadRows, WorkflowError
from workflow.i18n import detect_lang, tr

COMMAND_MODULES = (setup, reads, steps, audit, export, tui)


# ---------------------------------------------------------------- entry point


def _register_commands() -> None:
    from workflow.cli import anchors as anchor_commands
    from workflow.cli import evidence, users

    users.register(app, user_app)
    tui.register(app)
    export.register(app)
    anchor_commands.register(app)
    evidence.register(app)


def _print_error(e: WorkflowError) -> None:
    stream = sys.stderr
    print(e.text(OPTS.lang), file=stream)
    if isinstance(e, BadRows):
        for p in e.problems:
            print(f"  {p(OPTS.lang)}", file=stream)


def _debug_traceback(e: BaseException) -> None:
    """With WORKFLOW_DEBUG=1, the traceback (and its causes) on standard error, with
    every password masked."""
    if os.environ.get("WORKFLOW_DEBUG") != "1":
        return
    import traceback

    from workflow.store.errors import mask

    print(mask("".join(traceback.format_exception(e))), file=sys.stderr)


def _unexpected(e: Exception) -> int:
    """An error that is not the project's own: a usage error of the command line, a
    driver or OS error (through the one mapping), else a one-line internal error.
    Never a traceback, unless WORKFLOW_DEBUG=1 asks for it; never a password."""
    from workflow.store.errors import is_mappable, mask, translate

    show = getattr(e, "show", None)
    if callable(show):  # a usage error of the command line (typer's click)
        show()
        return 2
    _debug_traceback(e)
    if is_mappable(e):
        mapped = translate(e, OPTS.db)
        _print_error(mapped)
        return mapped.exit_code
    print(
        tr(
            "内部错误：{e}（请报告此问题）",
            "internal error: {e} (please report it)",
            e=mask(f"{type(e).__name__}: {str(e).splitlines()[0] if str(e) else ''}")[:300],
        )(OPTS.lang),
        file=sys.stderr,
    )
    return 1


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and exits with) the documented exit code."""
    OPTS.lang = detect_lang(None)
    try:
        app(args=argv, standalone_mode=False)
        code = 0
    except WorkflowError as e:
        _debug_traceback(e)
        _print_error(e)
        code = e.exit_code
    except typer.Exit as e:
        code = e.exit_code
    except typer.Abort:
        code = 1
    except KeyboardInterrupt:
        code = 130
    except Exception as e:
        code = _unexpected(e)
    from workflow.ledger.witness import save_all

    save_all()
    if argv is None:
        sys.exit(code)
    return code


_register_commands()
