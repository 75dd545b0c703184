"""Pilot tests of the terminal UI on the Chinese demo data (frozen today and clock)."""

from __future__ import annotations

import asyncio
import functools
import io
import json
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any, ParamSpec

import pytest
from rich.console import Console
from sqlalchemy import func
from sqlmodel import Session, select
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from tests.conftest import demo_service
from workflow.app.service import Service
from workflow.store.tables import Event, Township
from workflow.tui.app import WorkflowApp
from workflow.tui.commands import WorkflowCommands
from workflow.tui.keys import KEYS
from workflow.tui.screens.dashboard import DashboardScreen
from workflow.tui.screens.help import HelpScreen
from workflow.tui.screens.history import HistoryScreen
from workflow.tui.screens.township import TownshipScreen
from workflow.tui.widgets.confirm_advance import AdvanceRequest, ConfirmAdvance
from workflow.tui.widgets.confirm_bulk import ConfirmBulkAdvance
from workflow.tui.widgets.export_form import ExportForm
from workflow.tui.widgets.fact_form import FactForm
from workflow.tui.widgets.footer import KeyFooter
from workflow.tui.widgets.import_form import ImportForm
from workflow.tui.widgets.message import MessageDialog
from workflow.tui.widgets.reason_form import ReasonForm

SIZE = (120, 36)
P = ParamSpec("P")


def sync(test: Callable[P, Coroutine[Any, Any, None]]) -> Callable[P, None]:
    """Run an async test on a fresh event loop (no async plugin is installed)."""

    @functools.wraps(test)
    def run(*args: P.args, **kwargs: P.kwargs) -> None:
        asyncio.run(test(*args, **kwargs))

    return run


async def settle(pilot: Pilot[None], rounds: int = 6) -> None:
    """Let workers finish and their messages be handled (workers start workers)."""
    for _ in range(rounds):
        await pilot.app.workers.wait_for_complete()
        await pilot.pause()


def make_app(url: str, actor: str = "admin") -> WorkflowApp:
    return WorkflowApp(demo_service(url, actor), "zh")


def town_state(svc: Service, name: str) -> tuple[str, int, int]:
    """(stage, version, event count) of a township, read straight from the database."""
    with Session(svc.engine.sa) as s:
        town = s.exec(select(Township).where(Township.name == name)).one()
        events = s.exec(select(func.count()).select_from(Event).where(Event.township_id == town.id)).one()
        return town.stage, town.version, int(events)


def towns_table(app: WorkflowApp) -> DataTable[str]:
    return app.screen.query_one("#towns", DataTable)


def column(table: DataTable[str], key: str) -> list[str]:
    return [str(v) for v in table.get_column(key)]


def footer_keys(app: WorkflowApp) -> set[str]:
    """The binding ids the footer would show on the current screen."""
    active = app.screen.active_bindings.values()
    return {a.binding.id or "" for a in active if a.binding.show and a.enabled}


def pager(app: WorkflowApp) -> str:
    return str(app.screen.query_one("#pager", Static).render())


async def select_rows(pilot: Pilot[None], app: WorkflowApp, svc: Service, *names: str) -> None:
    """Put the cursor on each township's row and press space."""
    table = towns_table(app)
    for name in names:
        table.move_cursor(row=table.get_row_index(str(svc.status(name).township_id)), animate=False)
        await pilot.pause()
        await pilot.press("space")
        await pilot.pause()


def advance_events(svc: Service, name: str) -> int:
    with Session(svc.engine.sa) as s:
        town = s.exec(select(Township).where(Township.name == name)).one()
        query = select(func.count()).select_from(Event)
        query = query.where(Event.township_id == town.id, Event.kind == "advance")
        return int(s.exec(query).one())


@sync
async def test_dashboard_lists_both_districts_with_stages(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = towns_table(app)
        assert table.row_count == 16
        assert set(column(table, "district")) == {"某区", "演示区"}
        stages = dict(zip(column(table, "township"), column(table, "stage"), strict=True))
        assert stages["白水乡"] == "4/8 推选党代表"
        assert stages["东湖镇"] == "换届完成"
        gates = dict(zip(column(table, "township"), column(table, "gate"), strict=True))
        assert gates["白水乡"] == "受阻：2项未通过"
        deadline = dict(zip(column(table, "township"), column(table, "deadline"), strict=True))
        assert deadline["金沙镇"] == "逾期10天"
        assert deadline["青山镇"] == "按期"
        progress = app.screen.query_one("#progress", DataTable)
        assert progress.row_count == 2
        assert "已显示 16 / 共 16 个乡镇" in str(app.screen.query_one("#pager", Static).render())


@sync
async def test_a_district_on_its_own_definition_shows_its_stage_names_and_deadlines(
    demo_url: str, tmp_path: Path
) -> None:
    toml = (Path(__file__).parent.parent / "states" / "township_election.toml").read_text(encoding="utf-8")
    own = toml.replace('zh = "起草工作报告"', 'zh = "起草报告（试点）"', 1).replace(
        "deadline_days = 10", "deadline_days = 60", 1
    )
    (tmp_path / "pilot.toml").write_text(own, encoding="utf-8")
    svc = demo_service(demo_url)
    svc.add_district("试点区", str(tmp_path / "pilot.toml"))
    svc.add_township("试点镇", "试点区", since="2026-11-06")
    svc.add_township("对照镇", "某区", since="2026-11-06")
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        table = towns_table(app)
        stages = dict(zip(column(table, "township"), column(table, "stage"), strict=True))
        deadline = dict(zip(column(table, "township"), column(table, "deadline"), strict=True))
        assert stages["试点镇"] == "1/8 起草报告（试点）" and deadline["试点镇"] == "按期"
        assert stages["对照镇"] == "1/8 起草工作报告" and deadline["对照镇"] == "逾期10天"
        app.open_township(svc.status("试点镇").township_id)
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)
        assert "起草报告（试点）" in str(app.screen.query_one("#stepper", Static).render())


@sync
async def test_filter_as_you_type_and_escape_clears(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"白水")
        await pilot.pause(0.4)
        await settle(pilot)
        assert column(towns_table(app), "township") == ["白水乡"]
        await pilot.press("escape")
        await settle(pilot)
        assert towns_table(app).row_count == 16
        assert app.screen.query_one("#filter", Input).value == ""


@sync
async def test_filter_by_stage_and_state(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        for text, expected in (("逾期", ["柳河镇", "金沙镇"]), ("违纪", ["红旗镇"]), ("4/8", ["白水乡"])):
            box = app.screen.query_one("#filter", Input)
            box.value = text
            await pilot.pause(0.4)
            await settle(pilot)
            assert column(towns_table(app), "township") == expected, text


@sync
async def test_coordinator_blocked_then_records_and_advances(demo_url: str) -> None:
    svc = demo_service(demo_url, "陈协调")
    app = WorkflowApp(svc, "zh")
    before = town_state(svc, "青山镇")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("slash", *"青山")
        await pilot.pause(0.4)
        await settle(pilot)
        assert column(towns_table(app), "township") == ["青山镇"]
        await pilot.press("enter")  # the filter: back to the table
        await pilot.press("enter")  # open the township
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)

        # Advance past the failing gate: the reason stays on screen, nothing changes.
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        shown = str(app.screen.query_one("#message-text", Static).render())
        assert "不能从「对下征求意见」进入「对上审查」" in shown
        assert "consultation_recorded" in shown
        assert town_state(svc, "青山镇") == before
        await pilot.pause(1.0)
        assert isinstance(app.screen, MessageDialog)  # not a toast that vanishes
        await pilot.press("enter")
        assert isinstance(app.screen, TownshipScreen)

        # Record the missing fact through the generated form.
        await pilot.press("r")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FactForm)
        assert form.fact == "consultation"
        form.query_one("#field-forms_issued", Input).value = "160"
        form.query_one("#field-suggestions", Input).value = "5"
        form.query_one("#field-meeting_date", Input).value = "2026-11-25"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)
        _, version, events = town_state(svc, "青山镇")
        assert (version, events) == (before[1] + 1, before[2] + 1)

        # Advance: a confirmation with today's date, then one event and a new stage.
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, ConfirmAdvance)
        assert app.screen.query_one("#on", Input).value == "2026-11-26"
        await pilot.press("y")
        await settle(pilot)
        stage, version2, events2 = town_state(svc, "青山镇")
        assert stage == "upper_review"
        assert (version2, events2) == (version + 1, events + 1)
        assert "3/8 对上审查" in str(app.screen.query_one("#town-head", Static).render())

        # History: the new event is there with its actor.
        await pilot.press("h")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        table = app.screen.query_one("#events", DataTable)
        last = [str(c) for c in table.get_row_at(table.row_count - 1)]
        assert last[3] == "陈协调"
        assert last[4] == "推进"
        assert "对下征求意见 -> 3/8 对上审查" in last[6]
        head = str(app.screen.query_one("#history-head", Static).render())
        assert "审计链校验：通过" in head


@sync
async def test_fact_form_validates_as_you_type(demo_url: str) -> None:
    app = make_app(demo_url, "陈协调")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_township(demo_service(demo_url).status("青山镇").township_id)
        await settle(pilot)
        await pilot.press("r")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, FactForm)
        form.query_one("#field-forms_issued", Input).focus()
        await pilot.press(*"abc")
        await pilot.pause()
        assert "应为整数" in str(form.query_one("#error-forms_issued", Static).render())
        form.query_one("#field-meeting_date", Input).value = "2026/11/25"
        await pilot.pause()
        assert "YYYY-MM-DD" in str(form.query_one("#error-meeting_date", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FactForm)  # stays open, nothing sent
        assert "请先改正" in str(form.query_one("#errors", Static).render())


@sync
async def test_auditor_sees_no_change_action_and_a_forced_one_is_refused(demo_url: str) -> None:
    svc = demo_service(demo_url, "王审计")
    app = WorkflowApp(svc, "zh")
    before = town_state(svc, "白水乡")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_township(svc.status("白水乡").township_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TownshipScreen)
        shown = footer_keys(app)
        assert "history" in shown and "violations" in shown
        assert not shown & {"advance", "record", "import", "return", "waive"}
        for action in ("advance", "record", "import_roster", "return_stage", "waive"):
            assert screen.check_action(action, ()) is False
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, TownshipScreen)  # the key does nothing
        assert screen.view is not None
        screen.submit_advance(AdvanceRequest("", ""), screen.view.version)  # forced
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        assert "无权" in str(app.screen.query_one("#message-text", Static).render())
        assert town_state(svc, "白水乡") == before


@sync
async def test_coordinator_has_actions_only_on_own_townships(demo_url: str) -> None:
    from workflow.app.users import assign

    assign(demo_service(demo_url, "admin"), "陈协调", ["白水乡"], add=False)
    svc = demo_service(demo_url, "陈协调")  # 演示区 but 白水乡 no longer theirs
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_township(svc.status("白水乡").township_id)
        await settle(pilot)
        assert not footer_keys(app) & {"advance", "record", "import"}
        assert "只读" in str(app.screen.query_one("#town-head", Static).render())


@sync
async def test_import_lists_every_bad_row_and_changes_nothing(demo_url: str, tmp_path: Path) -> None:
    svc = demo_service(demo_url, "陈协调")
    bad = tmp_path / "delegates.csv"
    bad.write_text("name,gender,birth_date\n张三,男,1980-13-01\n李四,X,1980-01-01\n", encoding="utf-8")
    app = WorkflowApp(svc, "zh")
    before = town_state(svc, "白水乡")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_township(svc.status("白水乡").township_id)
        await settle(pilot)
        await pilot.press("i")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ImportForm)
        form.query_one("#path", Input).value = str(bad)
        await settle(pilot)
        assert "张三" in str(form.query_one("#preview", Static).render())
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, ImportForm)
        errors = str(form.query_one("#errors", Static).render())
        assert errors.count("\n") >= 2
        assert town_state(svc, "白水乡") == before


@sync
async def test_reviewer_returns_with_a_reason(demo_url: str) -> None:
    svc = demo_service(demo_url, "李审核")
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_township(svc.status("柳河镇").township_id)
        await settle(pilot)
        await pilot.press("b")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ReasonForm)
        await pilot.press("ctrl+s")
        await pilot.pause()
        assert "必须填写" in str(form.query_one("#errors", Static).render())
        form.query_one("#reason", Input).value = "材料不全，回退补充"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert town_state(svc, "柳河镇")[0] == "lower_consultation"


@sync
async def test_help_lists_every_key(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause()
        assert isinstance(app.screen, HelpScreen)
        console = Console(width=120, record=True, file=io.StringIO())
        console.print(app.screen.table)
        text = console.export_text()
        for key in KEYS.values():
            assert key.id in text
            assert key.label.zh in text
        await pilot.press("escape")
        assert isinstance(app.screen, DashboardScreen)


@sync
async def test_palette_jumps_to_a_township(demo_url: str) -> None:
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+p")
        await pilot.pause()
        await pilot.press(*"金沙")
        await pilot.pause(0.6)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)
        assert app.screen.view is not None and app.screen.view.township == "金沙镇"


@sync
async def test_english_labels(demo_url: str) -> None:
    app = WorkflowApp(demo_service(demo_url), "en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        stages = column(towns_table(app), "stage")
        assert "4/8 Nominate delegates" in stages
        assert "blocked: 2 failing" in column(towns_table(app), "gate")


def test_cli_does_not_import_textual() -> None:
    import subprocess

    code = "import sys, workflow.cli.main; print(json.dumps(sorted(m for m in sys.modules if m.startswith('textual'))))"
    out = subprocess.run(
        [sys.executable, "-c", "import json; " + code], capture_output=True, text=True, check=True
    ).stdout
    assert json.loads(out) == []


def test_tui_refuses_an_unknown_demo_user_before_opening(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from workflow.cli.main import main

    assert main(["--db", demo_url, "--lang", "en", "tui", "--demo", "--user", "nobody"]) == 4
    assert "name or password wrong" in capsys.readouterr().err


def test_tui_demo_sign_in_is_refused_on_a_real_database(
    sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    from tests.conftest import make_service
    from workflow.cli.main import main

    make_service(sqlite_url, "管理员").init()
    for args in (["tui", "--user", "管理员"], ["tui", "--demo"]):
        assert main(["--db", sqlite_url, "--lang", "en", *args]) == 4, args
        assert "not a demo database" in capsys.readouterr().err


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_serve_answers_on_loopback_with_the_app_page(demo_url: str) -> None:
    import subprocess
    import time
    import urllib.request

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "workflow", "--db", demo_url, "serve", "--port", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        page = ""
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                with urllib.request.urlopen(f"http://127.0.0.1:{port}/", timeout=2) as r:
                    page = r.read().decode("utf-8")
                    break
            except OSError:
                time.sleep(0.2)
        assert "textual" in page.lower()
        assert f"ws://127.0.0.1:{port}/ws" in page
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@sync
async def test_auditor_exports_a_timeline(demo_url: str, tmp_path: Path) -> None:
    svc = demo_service(demo_url, "王审计")
    app = WorkflowApp(svc, "zh")
    target = tmp_path / "柳河镇.csv"
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_township(svc.status("柳河镇").township_id)
        await settle(pilot)
        await pilot.press("e")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, ExportForm)
        form.query_one("#path", Input).value = str(target)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)
    text = target.read_text(encoding="utf-8-sig")
    assert "柳河镇" in text
    assert "对上审查" in text


@sync
async def test_coordinator_advances_selected_townships_and_sees_who_stayed(demo_url: str) -> None:
    svc = demo_service(demo_url, "陈协调")
    svc.record(
        "青山镇", "consultation", {"forms_issued": "160", "suggestions": "5", "meeting_date": "2026-11-24"}
    )
    qing, bai = town_state(svc, "青山镇"), town_state(svc, "白水乡")
    qing_advances = advance_events(svc, "青山镇")
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert "advance_selected" not in footer_keys(app)  # nothing selected yet
        await select_rows(pilot, app, svc, "青山镇", "白水乡")
        names = column(towns_table(app), "township")
        assert "[选] 青山镇" in names and "[选] 白水乡" in names
        assert "已选 2 个乡镇" in pager(app)
        assert {"select", "advance_selected"} <= footer_keys(app)

        await pilot.press("a")
        await pilot.pause()
        dialog = app.screen
        assert isinstance(dialog, ConfirmBulkAdvance)
        assert "2 个乡镇" in str(dialog.query_one("#summary", Static).render())
        assert dialog.query_one("#on", Input).value == "2026-11-26"
        dialog.query_one("#note", Input).value = "批量推进"
        await pilot.press("y")
        await settle(pilot)

        assert isinstance(app.screen, MessageDialog)
        shown = str(app.screen.query_one("#message-text", Static).render())
        assert "已推进 1 个乡镇：青山镇" in shown
        assert "白水乡（受阻）" in shown
        assert "差额15%" in shown
        assert town_state(svc, "青山镇")[0] == "upper_review"
        assert town_state(svc, "青山镇")[1:] == (qing[1] + 1, qing[2] + 1)
        assert advance_events(svc, "青山镇") == qing_advances + 1
        assert town_state(svc, "白水乡") == bai
        await pilot.pause(1.0)
        assert isinstance(app.screen, MessageDialog)  # stays until dismissed
        await pilot.press("enter")
        await settle(pilot)

        assert isinstance(app.screen, DashboardScreen)
        assert app.screen.chosen == {}
        assert "已选" not in pager(app)
        rows = dict(zip(column(towns_table(app), "township"), column(towns_table(app), "stage"), strict=True))
        assert rows["青山镇"] == "3/8 对上审查"


@sync
async def test_the_footer_shows_the_screen_s_keys_and_a_click_on_one_presses_it(demo_url: str) -> None:
    svc = demo_service(demo_url, "陈协调")
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        footer = app.screen.query_one(KeyFooter)
        line = footer.render().plain
        assert " / 筛选 " in line and " ? 帮助 " in line
        assert "推进所选乡镇" not in line and "a" not in [k.key for k in footer.shown]  # none selected
        await select_rows(pilot, app, svc, "青山镇")
        await pilot.pause()
        assert "a" in [k.key for k in footer.shown]  # the screen drew it again when its keys changed
        assert " a 推进所选乡镇 " in footer.render().plain
        slash = next(k for k in footer.shown if k.key == "slash")
        await pilot.click(KeyFooter, offset=(slash.start + 1, 0))
        await pilot.pause()
        assert app.focused is app.screen.query_one("#filter", Input)
        for ch in "青山":
            await pilot.press(ch)
            await pilot.pause(0.05)
        await pilot.pause(0.4)  # the filter's debounce
        await settle(pilot)
        assert column(towns_table(app), "township") == ["[选] 青山镇"]
    async with WorkflowApp(svc, "en").run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        line = pilot.app.screen.query_one(KeyFooter).render().plain
        assert line.startswith("enter open / filter space select")  # compact below 100 columns


@sync
async def test_escape_clears_the_selection_before_the_filter(demo_url: str) -> None:
    svc = demo_service(demo_url, "陈协调")
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.screen.query_one("#filter", Input).value = "演示区"
        await pilot.pause(0.4)
        await settle(pilot)
        await select_rows(pilot, app, svc, "白水乡")
        assert "已选 1 个乡镇" in pager(app)
        await pilot.press("space")  # again: not selected any more
        assert "已选" not in pager(app)
        await pilot.press("space")
        await pilot.press("escape")
        await settle(pilot)
        assert "已选" not in pager(app)
        assert "[选]" not in " ".join(column(towns_table(app), "township"))
        assert app.screen.query_one("#filter", Input).value == "演示区"
        await pilot.press("a")  # nothing selected: a does nothing on the dashboard
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen.query_one("#filter", Input).value == ""


@sync
async def test_coordinator_cannot_select_another_districts_township(demo_url: str) -> None:
    svc = demo_service(demo_url, "陈协调")
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert "东湖镇" not in column(towns_table(app), "township")  # 某区 is not theirs to read
        assert set(column(towns_table(app), "district")) == {"演示区"}
        assert screen.chosen == {}
        assert screen.check_action("advance_selected", ()) is False


@sync
async def test_palette_offers_advancing_the_selection(demo_url: str) -> None:
    svc = demo_service(demo_url, "陈协调")
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        provider = WorkflowCommands(app.screen)
        assert not [label for label, _, _ in provider.actions() if "推进所选乡镇" in label]
        await select_rows(pilot, app, svc, "白水乡")
        provider = WorkflowCommands(app.screen)
        assert [label for label, _, _ in provider.actions() if "推进所选乡镇" in label]


@sync
async def test_auditor_cannot_select_or_advance_in_bulk(demo_url: str) -> None:
    svc = demo_service(demo_url, "王审计")
    app = WorkflowApp(svc, "zh")
    before = town_state(svc, "白水乡")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, DashboardScreen)
        assert not footer_keys(app) & {"select", "advance_selected"}
        assert screen.check_action("toggle_select", ()) is False
        await select_rows(pilot, app, svc, "白水乡")
        assert screen.chosen == {}
        assert "已选" not in pager(app)
        assert "[选]" not in " ".join(column(towns_table(app), "township"))
        await pilot.press("a")
        await pilot.pause()
        assert isinstance(app.screen, DashboardScreen)
        screen.chosen[svc.status("白水乡").township_id] = ("白水乡", before[1])  # forced
        assert screen.check_action("advance_selected", ()) is False
        screen.submit_bulk(AdvanceRequest("", ""), [(svc.status("白水乡").township_id, before[1])])
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        shown = str(app.screen.query_one("#message-text", Static).render())
        assert "白水乡（无权执行）" in shown
        assert town_state(svc, "白水乡") == before


FIRST_PAINT_SCRIPT = """
import asyncio, json, sys
from textual.widgets import DataTable
from workflow.tui.app import WorkflowApp
from workflow.cli.tui import open_access

async def main() -> None:
    app = WorkflowApp(open_access(sys.argv[1], "admin", None, False, "zh"), "zh")
    async with app.run_test(size=(120, 36)) as pilot:
        while not (app.screen.query("#towns") and app.screen.query_one("#towns", DataTable).row_count):
            await pilot.pause(0.001)
        table = app.screen.query_one("#towns", DataTable)
        first = {
            "rows": [[str(c) for c in table.get_row_at(i)] for i in range(table.row_count)],
            "orm_loaded": "sqlmodel" in sys.modules or "workflow.app.service" in sys.modules,
        }
        for _ in range(6):
            await app.workers.wait_for_complete()
            await pilot.pause()
        gates = [str(v) for v in table.get_column("gate")]
    print(json.dumps({**first, "gates": gates, "orm_after_gates": "sqlmodel" in sys.modules}))

asyncio.run(main())
"""


def test_dashboard_shows_rows_and_gates_without_loading_the_orm(demo_url: str) -> None:
    """`workflow tui` shows its first rows, then the gate column, on SQLAlchemy Core
    alone: sqlmodel and the service load only when a screen needs them (a fresh
    process, as a user starts it)."""
    import subprocess

    out = subprocess.run(
        [sys.executable, "-c", FIRST_PAINT_SCRIPT, demo_url], capture_output=True, text=True, check=True
    )
    seen = json.loads(out.stdout.strip().splitlines()[-1])
    svc = demo_service(demo_url)
    expected = sorted((t.name, d) for t, d in svc.townships())
    svc.engine.dispose()
    assert sorted((r[1], r[0]) for r in seen["rows"]) == expected  # every township, with its district
    assert seen["orm_loaded"] is False
    assert seen["orm_after_gates"] is False
    assert len(seen["gates"]) == len(expected)
    assert not any(g in ("计算中", "") for g in seen["gates"])  # every gate state filled in


@sync
async def test_d_attaches_a_document_and_the_screen_lists_it(demo_url: str, tmp_path: Path) -> None:
    from workflow.app.demo_documents import minimal_pdf
    from workflow.tui.widgets.attach_form import AttachForm

    svc = demo_service(demo_url, "陈协调")
    bad = tmp_path / "批复.pdf"
    bad.write_text("只是文字", encoding="utf-8")
    good = tmp_path / "区委批复扫描件.pdf"
    good.write_bytes(minimal_pdf("区委批复", ["approval of the report"]))
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_township(svc.status("柳河镇").township_id)
        await settle(pilot)
        records = str(app.screen.query_one("#records", Static).render())
        assert "需要区委批复，尚未附加" in records
        assert "attach" in footer_keys(app)
        await pilot.press("d")
        await pilot.pause()
        form = app.screen
        assert isinstance(form, AttachForm)
        form.query_one("#path", Input).value = str(bad)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, AttachForm)  # refused: a text file is not a PDF
        assert "不是可附加的文件类型" in str(form.query_one("#errors", Static).render())
        assert svc.evidence("柳河镇").attachments == []
        form.query_one("#path", Input).value = str(good)
        form.query_one("#note", Input).value = "扫描件"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)
        records = str(app.screen.query_one("#records", Static).render())
        [a] = svc.evidence("柳河镇").attachments
        assert (a.fact, a.name, a.actor, a.note) == ("review", "区委批复扫描件.pdf", "陈协调", "扫描件")
        assert "区委批复扫描件.pdf" in records and "PDF" in records and "陈协调" in records
        assert a.sha256 in records


@sync
async def test_an_auditor_has_no_attach_key(demo_url: str) -> None:
    svc = demo_service(demo_url, "王审计")
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_township(svc.status("东湖镇").township_id)
        await settle(pilot)
        screen = app.screen
        assert isinstance(screen, TownshipScreen)
        assert "attach" not in footer_keys(app)
        assert screen.check_action("attach_document", ()) is False
        records = str(screen.query_one("#records", Static).render())
        assert "区委批复.pdf" in records and "李审核" in records  # what the demo attached


@sync
async def test_the_first_frame_shows_townships_and_their_stored_gates(
    demo_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The first page is read on mount, before the first frame (no worker), and its
    gate column comes from the stored gate states; only later pages use a worker."""
    pages: list[str] = []
    monkeypatch.setattr(DashboardScreen, "load_page", lambda self, *a, **k: pages.append("worker"))
    monkeypatch.setattr(DashboardScreen, "load_gates", lambda self, *a, **k: pages.append("gates"))
    app = make_app(demo_url)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        table = towns_table(app)
        assert table.row_count == 16
        gates = dict(zip(column(table, "township"), column(table, "gate"), strict=True))
        assert gates["白水乡"] == "受阻：2项未通过"
        assert gates["东湖镇"] == "-"
        assert "worker" not in pages and "gates" not in pages  # every state was stored


@pytest.mark.parametrize("size", [SIZE, (80, 24)])
@sync
async def test_a_long_list_shows_its_rows_first_then_its_count(svc: Service, size: tuple[int, int]) -> None:
    """A list longer than the screen: a screen full of rows is read first, uncounted
    (counting thousands of matches at each keystroke cost several times the rows), the
    pager says how many match once they are counted, and moving to the end reads on."""
    for i in range(1, 45):
        svc.add_township(f"河西{i}镇", "某区")
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        first = max(size[1], 20)
        assert towns_table(app).row_count == first
        assert f"已显示 {first} / 共 45 个乡镇" in pager(app) and "移到末尾自动加载" in pager(app)
        await pilot.press("slash")
        for text in ("河", "西"):  # an IME commits each character
            await pilot.press(*text)
            await pilot.pause(0.1)
        await pilot.pause(0.4)
        await settle(pilot)
        assert towns_table(app).row_count == first and f"已显示 {first} / 共 44 个乡镇" in pager(app)
        await pilot.press("enter")  # back to the table, then to its last row: the rest is read
        await pilot.press("ctrl+end")
        await settle(pilot)
        await pilot.press("ctrl+end")
        await settle(pilot)
        names = column(towns_table(app), "township")
        assert len(names) == 44 and all(n.startswith("河西") for n in names)
        assert "已显示 44 / 共 44 个乡镇" in pager(app) and "移到末尾" not in pager(app)
