"""The Textual app: who is acting, in which language, on which database; the screens
do the rest. Run it with ``workflow tui``."""

from __future__ import annotations

import os
from collections.abc import Callable
from contextlib import suppress
from pathlib import Path
from typing import TYPE_CHECKING, ClassVar, cast

from rich.text import Text as RichText
from textual import work
from textual.app import App
from textual.binding import BindingType
from textual.command import CommandPalette, SearchIcon
from textual.message import Message

from workflow.app.access import Access
from workflow.app.actors import Actor
from workflow.app.dashboard import Dashboard
from workflow.errors import WorkflowError
from workflow.i18n import Lang, tr
from workflow.tui.commands import WorkflowCommands
from workflow.tui.keys import bindings, keymap_path, load_keymap, localise
from workflow.tui.markup import escaped
from workflow.tui.screens.dashboard import DashboardScreen
from workflow.tui.widgets.message import MessageDialog, ProblemDialog
from workflow.tui.widgets.title_bar import TitleBar

if TYPE_CHECKING:
    from workflow.app.service import Service


class Palette(CommandPalette):
    """Textual's command palette with a plain-text search mark (its own is an emoji)."""

    def on_mount(self) -> None:
        self.query_one(SearchIcon).icon = ">"


class WorkflowApp(App[None]):
    """The terminal UI for coordinators, reviewers and auditors.

    | Key | Action |
    |---|---|
    | ? | help |
    | ctrl+p | command palette |
    | q | quit |
    | ctrl+c | quit, after asking |
    | f5, ctrl+r | refresh the screen |
    """

    CSS_PATH = "workflow.tcss"
    HORIZONTAL_BREAKPOINTS = [(0, "-narrow"), (100, "-normal"), (160, "-wide")]  # noqa: RUF012
    """Screen classes by width: layouts give way by priority below 100 columns."""
    BINDINGS: ClassVar[list[BindingType]] = bindings(
        "help", "palette", "quit", "quit_ask", "refresh", "refresh_alt"
    )
    COMMANDS = {WorkflowCommands}  # noqa: RUF012 (Textual declares it a plain class attribute)

    class ViewerLoaded(Message):
        def __init__(self, viewer: Actor) -> None:
            super().__init__()
            self.viewer = viewer

    class ViewerFailed(Message):
        def __init__(self, error: WorkflowError) -> None:
            super().__init__()
            self.error = error

    def __init__(
        self,
        source: Access | Service,
        lang: Lang = "zh",
        keymap_file: Path | None = None,
        *,
        sign_in: bool = False,
        browser: bool = False,
        demo_database: bool = False,
        session_token: str = "",
    ) -> None:
        """``source``: an :class:`Access` (the service is then loaded after the first
        rows are on screen) or a service. ``keymap_file``: the key remapping file (by
        default ``keys.toml`` in the user's config directory). With ``sign_in`` the app
        opens on the sign-in screen and acts as nobody until then. ``browser``: run by
        ``workflow serve`` for one browser connection: its session lives only in memory
        and ends with the app, exports are downloads and imports are refused."""
        super().__init__()
        self.access = source if isinstance(source, Access) else Access.of(source)
        self.needs_sign_in = sign_in
        self.browser = browser
        self.demo_database = demo_database
        self.session_token = session_token
        self.offered_name = "" if sign_in else self.access.actor_name
        self.board = Dashboard(self.access)
        self.lang: Lang = lang
        self.viewer: Actor | None = None
        self._viewer_asked = False
        self._problem_shown = False
        self._retries: list[Callable[[], object]] = []
        d = self.access.definition
        self.title = d.zh if lang == "zh" else d.en
        localise(self, lang)
        self.keymap_file = keymap_file if keymap_file is not None else keymap_path()
        self.keymap, self.keymap_problems = load_keymap(self.keymap_file)
        if self.keymap:
            self.set_keymap(self.keymap)

    @property
    def service(self) -> Service:
        """The service (built on first use: the first screen shows its rows without it)."""
        return self.access.service()

    def on_mount(self) -> None:
        # The dashboard asks for the viewer once its first rows are on screen, so
        # that reading them does not wait behind this (see DashboardScreen).
        if self.needs_sign_in:
            from workflow.tui.screens.sign_in import SignInScreen

            self.push_screen(SignInScreen())
        else:
            self.push_screen(DashboardScreen())
        for problem in self.keymap_problems:
            self.notify(escaped(problem(self.lang)), severity="warning", timeout=10)

    def signed_in(self, user: str, token: str) -> None:
        """The sign-in screen accepted ``user``: act as them from now on."""
        self.access.actor_name = user
        self.access._service = None
        self.access._reads = None
        self.session_token = token
        self.viewer = None
        self._viewer_asked = False
        self.needs_sign_in = False
        self.switch_screen(DashboardScreen())

    def check_session(self) -> None:
        """Refuse (exit-4 error) when this app's session has expired or was ended since
        it signed in; called before each change a form submits."""
        if self.session_token:
            from workflow.app.auth import check_token

            check_token(self.access.engine, self.session_token)

    def on_unmount(self) -> None:
        """A browser connection's session ends with it."""
        if self.browser and self.session_token:
            from workflow.app.auth import end_token

            with suppress(Exception):  # the app is closing: never let this stop it
                end_token(self.access.engine, self.session_token)
            self.session_token = ""

    def want_viewer(self) -> None:
        """Read who is acting, unless that is known or being read."""
        if self.viewer is None and not self._viewer_asked:
            self._viewer_asked = True
            self.load_viewer()

    @work(thread=True, exclusive=True, group="viewer")
    def load_viewer(self) -> None:
        try:
            viewer = self.board.viewer()
        except WorkflowError as e:
            self.post_message(self.ViewerFailed(e))
            return
        self.post_message(self.ViewerLoaded(viewer))

    def on_workflow_app_viewer_loaded(self, message: ViewerLoaded) -> None:
        self.viewer = message.viewer
        if self.screen_stack:  # not when the app has already closed
            for bar in self.screen.query(TitleBar):
                bar.refresh()
            self.refresh_bindings()

    def on_workflow_app_viewer_failed(self, message: ViewerFailed) -> None:
        self._viewer_asked = False
        self.show_problem(message.error, self.want_viewer)

    # ------------------------------------------------------------ errors

    def show_problem(self, error: WorkflowError, retry: Callable[[], object] | None = None) -> None:
        """Show an error. One that may persist (the database is unavailable) is shown
        once, with retry and quit, however many screens and workers meet it meanwhile;
        the others in a dialog that stays until dismissed."""
        from workflow.errors import Unavailable

        if not isinstance(error, Unavailable):
            self.push_screen(MessageDialog.for_error(error, self.lang))
            return
        if retry is not None:
            self._retries.append(retry)
        if self._problem_shown:
            return
        self._problem_shown = True

        def chosen(choice: str | None) -> None:
            self._problem_shown = False
            retries, self._retries = self._retries, []
            if choice == "quit":
                self.exit(return_code=7)
            elif choice == "retry":
                for again in retries:
                    again()

        self.push_screen(ProblemDialog(error, self.lang), chosen)

    def _handle_exception(self, error: Exception) -> None:
        """The last guard: an error that reached Textual. A database or file error is
        shown as the project's own and the app goes on; anything else ends the app with
        one line and status 1 (a traceback only with WORKFLOW_DEBUG=1, and masked),
        never Textual's traceback with its locals, where a database password may be."""
        from workflow.app.faults import explain, masked

        known = explain(error, self.access.engine.url)
        if known is not None:
            self.show_problem(known)
            return
        self._return_code = 1
        if self._exception is None:
            self._exception = error
            self._exception_event.set()
        line = tr(
            "内部错误：{e}（请报告此问题）",
            "internal error: {e} (please report it)",
            e=masked(f"{type(error).__name__}: {str(error).splitlines()[0] if str(error) else ''}")[:300],
        )(self.lang)
        if os.environ.get("WORKFLOW_DEBUG") == "1":
            import traceback

            line = masked("".join(traceback.format_exception(error))) + line
        self._exit_renderables.append(RichText(line))
        self._close_messages_no_wait()

    # ------------------------------------------------------------ who may do what

    def may_change(self, township_id: int) -> bool:
        """Whether the acting user may change this township (the service decides anyway)."""
        v = self.viewer
        if v is None:
            return False
        return v.role in ("admin", "reviewer") or (v.role == "coordinator" and township_id in v.townships)

    def may_change_any(self) -> bool:
        """Whether the acting user may change some township: selecting rows to advance
        together is offered only then (never to auditors)."""
        v = self.viewer
        if v is None:
            return False
        return v.role in ("admin", "reviewer") or (v.role == "coordinator" and bool(v.townships))

    def may_review(self) -> bool:
        """Return, revert, waive and resolve: reviewers and admins."""
        return self.viewer is not None and self.viewer.role in ("admin", "reviewer")

    # ------------------------------------------------------------ navigation

    def _to_dashboard(self) -> None:
        while len(self.screen_stack) > 2 and not isinstance(self.screen, DashboardScreen):
            self.pop_screen()

    def open_township(self, township_id: int) -> None:
        self._to_dashboard()
        from workflow.tui.screens.township import TownshipScreen  # loaded on first use: start-up stays lean

        self.push_screen(TownshipScreen(township_id))

    def open_history(self, township_id: int) -> None:
        from workflow.tui.screens.history import HistoryScreen

        self.push_screen(HistoryScreen(township_id))

    def action_refresh(self) -> None:
        """F5 / ctrl+r: read the current screen again. A message, or a form the service
        refused because someone else changed the township, is closed first."""
        from workflow.tui.widgets.service_form import ServiceForm

        screen = self.screen
        if isinstance(screen, MessageDialog) or (isinstance(screen, ServiceForm) and screen.conflict):
            screen.dismiss(None)
            self.call_later(self.action_refresh)
            return
        refresh = getattr(screen, "action_refresh", None)
        if callable(refresh):
            refresh()

    def action_ask_quit(self) -> None:
        """ctrl+c: ask, in the user's language, then quit."""
        from workflow.tui.widgets.confirm import ConfirmQuit

        if isinstance(self.screen, ConfirmQuit):
            self.exit()
            return

        def answered(yes: bool | None) -> None:
            if yes:
                self.exit()

        self.push_screen(ConfirmQuit(self.lang), answered)

    def action_help_quit(self) -> None:
        """Textual's own ctrl+c (an English toast) asks in the user's language instead."""
        self.action_ask_quit()

    def action_help(self) -> None:
        from workflow.tui.screens.help import HelpScreen

        if not isinstance(self.screen, HelpScreen):
            self.push_screen(HelpScreen())

    def action_command_palette(self) -> None:
        if self.use_command_palette and not CommandPalette.is_open(cast("App[object]", self)):
            placeholder = tr("搜索命令或乡镇名称", "Search for a command or a township")(self.lang)
            self.push_screen(Palette(placeholder=placeholder, id="--command-palette"))
