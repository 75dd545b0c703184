"""The ``workflow`` command. A thin front end over :mod:`workflow.app`: the parser
(:mod:`workflow.cli.parser`, from the table in :mod:`workflow.cli.commands`) is built
when it runs and only as far as the command named, and a command's module is imported
only when that command runs; it never imports Textual (``workflow tui`` imports it on
demand)."""

from __future__ import annotations

import os
import sys

from workflow.cli.options import OPTS, Exit, hold_collecting, set_options, start_collecting
from workflow.errors import BadRows, WorkflowError
from workflow.i18n import detect_lang, tr

# ---------------------------------------------------------------- entry point


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
    """An error that is not the project's own: a driver or OS error (through the one
    mapping), else a one-line internal error. Never a traceback, unless
    WORKFLOW_DEBUG=1 asks for it; never a password."""
    from workflow.store.errors import is_mappable, mask, translate

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


def _run(args: list[str]) -> int:
    from workflow.cli.parser import ParseExit, UsageError, parse, wanted_lang

    OPTS.lang = wanted_lang(args, detect_lang(None))
    try:
        call = parse(args, OPTS.lang)
    except ParseExit as e:
        return e.code
    except UsageError as e:
        e.show()
        return 2
    o = call.options
    set_options(o["db"], o["as"], o["lang"], o["definition"], o["read_only"])
    command = call.function()
    if call.run not in STARTS_COLLECTING:
        start_collecting()
    command(**call.kwargs)
    return 0


STARTS_COLLECTING = frozenset({"workflow.cli.tui:tui"})
"""The commands that turn garbage collection back on themselves, once their start-up
is over (the terminal UI: once its first screen is built, see ``start_app``)."""


def main(argv: list[str] | None = None) -> int:
    """Run the CLI; returns (and, without ``argv``, exits with) the documented exit code."""
    OPTS.lang = detect_lang(None)
    if argv is None:  # this process is the command's own
        hold_collecting()
    try:
        code = _run(sys.argv[1:] if argv is None else list(argv))
    except WorkflowError as e:
        _debug_traceback(e)
        _print_error(e)
        code = e.exit_code
    except Exit as e:
        code = e.code
    except KeyboardInterrupt:
        code = 130
    except Exception as e:
        code = _unexpected(e)
    if "workflow.ledger.witness" in sys.modules:  # what this machine witnessed, if anything
        from workflow.ledger.witness import save_all

        save_all()
    if argv is None:
        sys.exit(code)
    return code


if __name__ == "__main__":
    main()
