"""Snapshots of the main screens in Chinese, on the demo data with a frozen clock.
Update them with ``pytest tests/test_tui_snapshots.py --snapshot-update`` after
looking at the report."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

import pytest
from textual.pilot import Pilot

from tests.conftest import demo_service
from tests.test_tui import SIZE, settle
from workflow.tui.app import WorkflowApp

Compare = Callable[..., bool]


def app_on(url: str, actor: str = "陈协调") -> WorkflowApp:
    return WorkflowApp(demo_service(url, actor), "zh")


def then(step: Callable[[WorkflowApp], Any], *keys: str) -> Callable[[Pilot[None]], Awaitable[None]]:
    """Wait for the data, do ``step`` on the app, press ``keys``, waiting after each."""

    async def run(pilot: Pilot[None]) -> None:
        await settle(pilot)
        step(pilot.app)  # type: ignore[arg-type]
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await settle(pilot)

    return run


def test_dashboard(snap_compare: Compare, demo_url: str) -> None:
    assert snap_compare(app_on(demo_url), terminal_size=SIZE, run_before=then(lambda app: None))


def test_township_with_blocked_gate(snap_compare: Compare, demo_url: str) -> None:
    tid = demo_service(demo_url).status("白水乡").township_id
    assert snap_compare(
        app_on(demo_url), terminal_size=SIZE, run_before=then(lambda app: app.open_township(tid))
    )


def test_blocked_advance_dialog(snap_compare: Compare, demo_url: str) -> None:
    tid = demo_service(demo_url).status("白水乡").township_id
    assert snap_compare(
        app_on(demo_url), terminal_size=SIZE, run_before=then(lambda app: app.open_township(tid), "a")
    )


def test_history(snap_compare: Compare, demo_url: str) -> None:
    tid = demo_service(demo_url).status("柳河镇").township_id
    assert snap_compare(
        app_on(demo_url, "王审计"), terminal_size=SIZE, run_before=then(lambda app: app.open_history(tid))
    )


def test_help(snap_compare: Compare, demo_url: str) -> None:
    assert snap_compare(
        app_on(demo_url), terminal_size=SIZE, run_before=then(lambda app: None, "question_mark")
    )


SIZES = [(80, 24), (120, 36), (200, 50)]
"""The terminal sizes every main screen is drawn at: no column below its minimum, no
one-letter wrapping, the title and the essential columns on screen."""


def app_in(url: str, lang: str, actor: str = "陈协调") -> WorkflowApp:
    return WorkflowApp(demo_service(url, actor), "zh" if lang == "zh" else "en")


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_dashboard_at_size(snap_compare: Compare, demo_url: str, size: tuple[int, int], lang: str) -> None:
    assert snap_compare(app_in(demo_url, lang), terminal_size=size, run_before=then(lambda app: None))


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_township_at_size(snap_compare: Compare, demo_url: str, size: tuple[int, int], lang: str) -> None:
    tid = demo_service(demo_url).status("柳河镇").township_id
    assert snap_compare(
        app_in(demo_url, lang), terminal_size=size, run_before=then(lambda app: app.open_township(tid))
    )


@pytest.mark.parametrize("lang", ["zh", "en"])
@pytest.mark.parametrize("size", SIZES, ids=lambda s: f"{s[0]}x{s[1]}")
def test_history_at_size(snap_compare: Compare, demo_url: str, size: tuple[int, int], lang: str) -> None:
    tid = demo_service(demo_url).status("柳河镇").township_id
    assert snap_compare(
        app_in(demo_url, lang, "王审计"),
        terminal_size=size,
        run_before=then(lambda app: app.open_history(tid), "j"),
    )
