"""Pilot tests of signing in and of what a signed-in person may see and do: the
sign-in screen (zh, en), a coordinator's districts, a coordinator and the district's
decisions, and a browser connection as ``workflow serve`` runs it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Static

from tests.conftest import demo_service
from tests.test_auth import COORD_PW, PW, people
from tests.test_tui import SIZE, column, settle, sync, towns_table
from workflow.app import auth
from workflow.app.access import Access
from workflow.domain.definition import default_definition
from workflow.errors import NotPermitted
from workflow.store.db import open_engine
from workflow.tui.app import WorkflowApp
from workflow.tui.screens.dashboard import DashboardScreen
from workflow.tui.screens.sign_in import SignInScreen
from workflow.tui.screens.township import TownshipScreen
from workflow.tui.widgets.export_form import ExportForm
from workflow.tui.widgets.fact_form import FactForm
from workflow.tui.widgets.message import MessageDialog


def signing_in(url: str, lang: str = "zh", **options: Any) -> WorkflowApp:
    access = Access(open_engine(url), "", default_definition())
    return WorkflowApp(access, lang, sign_in=True, **options)  # type: ignore[arg-type]


async def type_slowly(pilot: Pilot[None], field: str, value: str) -> None:
    """Focus ``field`` and type ``value`` one character at a time, as a person does."""
    pilot.app.screen.query_one(f"#{field}", Input).focus()
    for ch in value:
        await pilot.press(ch)
        await pilot.pause(0.05)
    await pilot.pause(0.3)


def errors(app: WorkflowApp) -> str:
    return str(app.screen.query_one("#errors", Static).render())


@sync
async def test_sign_in_screen_in_chinese_refuses_then_signs_in(sqlite_url: str, private_config: Path) -> None:
    people(sqlite_url)
    app = signing_in(sqlite_url, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert "登录" in str(app.screen.query_one(".dialog-title", Static).render())
        await type_slowly(pilot, "name", "协调甲")
        await type_slowly(pilot, "password", "错误的密码123")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        assert errors(app) == "用户名或密码错误"
        app.screen.query_one("#name", Input).value = ""
        await type_slowly(pilot, "name", "无此人")
        await type_slowly(pilot, "password", "错误的密码123")
        await pilot.press("enter")
        await settle(pilot)
        assert errors(app) == "用户名或密码错误"  # the same words: the name's existence is not told
        app.screen.query_one("#name", Input).value = ""
        await type_slowly(pilot, "name", "协调甲")
        await type_slowly(pilot, "password", COORD_PW)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.access.actor_name == "协调甲"
    # the terminal keeps the session like 'workflow login'
    assert auth.current_session(open_engine(sqlite_url)).user == "协调甲"


@sync
async def test_sign_in_screen_in_english_shows_the_lock_out_time(sqlite_url: str) -> None:
    people(sqlite_url)
    app = signing_in(sqlite_url, "en")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_slowly(pilot, "name", "协调甲")
        for attempt in range(5):
            app.screen.query_one("#password", Input).focus()
            await type_slowly(pilot, "password", f"wrong-{attempt}")
            await pilot.press("enter")
            await settle(pilot)
            assert errors(app).startswith("name or password wrong")
        assert "locked until" in errors(app) and "UTC" in errors(app)
        app.screen.query_one("#password", Input).focus()
        await type_slowly(pilot, "password", COORD_PW)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)  # right password, still locked
        assert "locked until" in errors(app)


@sync
async def test_a_coordinator_signed_in_sees_only_their_districts(demo_url: str) -> None:
    app = WorkflowApp(demo_service(demo_url, "赵组织"), "zh")  # coordinator in 某区
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert set(column(towns_table(app), "district")) == {"某区"}
        assert len(column(towns_table(app), "township")) == 10
        await pilot.press("slash", *"红旗")  # a township of 演示区
        await pilot.pause(0.4)
        await settle(pilot)
        assert column(towns_table(app), "township") == []
    svc = demo_service(demo_url, "赵组织")
    with pytest.raises(NotPermitted):
        svc.status("红旗镇")
    assert [d.name for d in svc.districts()] == ["某区"]


@sync
async def test_a_coordinator_cannot_record_the_district_review(demo_url: str) -> None:
    svc = demo_service(demo_url, "陈协调")
    app = WorkflowApp(svc, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        app.open_township(svc.status("柳河镇").township_id)  # at upper review
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)
        await pilot.press("r")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, FactForm)
        assert "review" not in form.facts and "upper_consultation" in form.facts
    version = svc.status("柳河镇").version
    with pytest.raises(NotPermitted) as e:
        svc.record("柳河镇", "review", {"decision": "approved", "date": "2026-11-25"})
    assert "may not record review" in e.value.text.en
    assert svc.status("柳河镇").version == version
    reviewer = demo_service(demo_url, "李审核")
    assert (
        reviewer.record("柳河镇", "review", {"decision": "approved", "date": "2026-11-25"}).kind == "record"
    )


@sync
async def test_a_browser_session_delivers_exports_and_refuses_import(
    sqlite_url: str, private_config: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = people(sqlite_url)
    monkeypatch.chdir(tmp_path)
    delivered: list[tuple[bytes, str | None]] = []
    app = signing_in(sqlite_url, "en", browser=True)

    def deliver(file: Any, *, save_filename: str | None = None, **_: Any) -> str:
        delivered.append((file.read(), save_filename))
        return "key"

    monkeypatch.setattr(app, "deliver_binary", deliver)
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen)
        await type_slowly(pilot, "name", "管理员")
        await type_slowly(pilot, "password", PW)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert not (private_config / "sessions").exists()  # the session lives in this app only
        app.open_township(admin.status("东湖镇").township_id)
        await settle(pilot)
        await pilot.press("e")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, ExportForm)
        form.query_one("#path", Input).value = "/etc/evil/../东湖镇.csv"
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)
        await pilot.press("i")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        shown = str(app.screen.query_one("#message-text", Static).render())
        assert "workflow import" in shown and "command line" in shown
        auth.end_token(admin.engine, app.session_token)  # e.g. revoked by an admin
        with pytest.raises(NotPermitted) as e:
            app.check_session()  # what every form runs before its change
        assert "your session was ended" in e.value.text.en
    assert [name for _, name in delivered] == ["东湖镇.csv"]
    assert "东湖镇" in delivered[0][0].decode("utf-8-sig")
    assert sorted(p.name for p in tmp_path.iterdir() if p.suffix == ".csv") == []
    with admin.engine.connect() as conn:  # the connection's session ended with it
        assert conn.execute(text('SELECT revoked FROM "session"')).scalar()


@sync
async def test_a_first_sign_in_turns_the_set_up_code_into_a_password(sqlite_url: str) -> None:
    from workflow.app.users import add_user

    _, code = add_user(people(sqlite_url), "审核乙", "reviewer")
    app = signing_in(sqlite_url, "zh")
    async with app.run_test(size=SIZE) as pilot:
        await settle(pilot)
        await type_slowly(pilot, "name", "审核乙")
        await type_slowly(pilot, "password", code)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, SignInScreen) and app.screen.has_class("-first-time")
        assert "新密码" in errors(app) or "new password" in errors(app)
        await type_slowly(pilot, "new-password", "审核-新密码-1")
        await type_slowly(pilot, "new-again", "审核-新密码-1")
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, DashboardScreen)
        assert app.access.actor_name == "审核乙"
    assert auth.sign_in(open_engine(sqlite_url), "审核乙", "审核-新密码-1").user == "审核乙"


def _screen_text(app: WorkflowApp) -> str:
    return " ".join(str(w.render()) for w in app.screen.query(Static))


@sync
async def test_violation_notes_reach_reviewers_auditors_and_admins_only_in_the_tui(demo_url: str) -> None:
    note = "群众来信反映有拉票苗头"
    for user, sees in (("陈协调", False), ("王审计", True)):
        svc = demo_service(demo_url, user)
        app = WorkflowApp(svc, "zh")
        async with app.run_test(size=SIZE) as pilot:
            await settle(pilot)
            app.open_township(svc.status("红旗镇").township_id)
            await settle(pilot)
            shown = _screen_text(app)
            assert "未处理的违纪举报" in shown, user  # that a report is open, for everyone
            assert (note in shown) == sees, user
            await pilot.press("h")
            await settle(pilot)
            table = app.screen.query_one("#events", DataTable)
            cells = " ".join(str(c) for r in range(table.row_count) for c in table.get_row_at(r))
            assert "登记举报" in cells, user  # the event is there for everyone
            assert (note in cells) == sees, user
