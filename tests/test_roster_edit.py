"""Rosters row by row: each change an audited replacement import naming the row, and an
exported roster that imports back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Button, DataTable, Input, Static

from tests.conftest import FROZEN_TODAY, demo_service
from tests.test_tui import settle, sync
from tests.test_tui_typing import PACE, app_as, open_town, type_slowly
from workflow.app.roster_edit import changed, export_csv
from workflow.domain.rosters import ROSTER_KINDS
from workflow.errors import BadRows
from workflow.tui.widgets.roster_form import RosterForm


def test_an_exported_roster_imports_back_unchanged(demo_url: str, tmp_path: Path) -> None:
    svc = demo_service(demo_url, "陈协调")
    rows = svc.roster("白水乡", "delegates")
    assert rows
    path = tmp_path / "delegates.csv"
    path.write_bytes(export_csv(ROSTER_KINDS["delegates"], rows))
    svc.import_roster("白水乡", "delegates", path, replace=True)
    assert svc.roster("白水乡", "delegates") == rows


def test_one_row_changed_is_one_audited_import_naming_the_row(demo_url: str) -> None:
    svc = demo_service(demo_url, "陈协调")
    kind = ROSTER_KINDS["delegates"]
    rows = svc.roster("白水乡", "delegates")
    before = len(svc.history("白水乡")[1])
    values = {c.name: str(rows[0].get(c.name) or "") for c in kind.columns} | {"name": "改名的代表"}
    svc.import_parsed("白水乡", changed(kind, rows, 0, values, FROZEN_TODAY), replace=True)
    after = svc.roster("白水乡", "delegates")
    assert after[0]["name"] == "改名的代表" and after[1:] == rows[1:]
    events = svc.history("白水乡")[1]
    assert len(events) == before + 1 and events[-1].kind == "import"
    assert "delegates-row1-edited.csv" in events[-1].payload
    svc.import_parsed("白水乡", changed(kind, after, 1, None, FROZEN_TODAY), replace=True)
    assert len(svc.roster("白水乡", "delegates")) == len(rows) - 1
    with pytest.raises(BadRows):  # a bad value in one row: the import's checks hold
        changed(kind, after, 0, values | {"birth_date": "1980-13-01"}, FROZEN_TODAY)


@sync
async def test_the_roster_dialog_changes_one_row_and_exports(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("workflow.tui.widgets.roster_form.documents_dir", lambda: tmp_path)
    svc = demo_service(demo_url, "陈协调")
    rows = svc.roster("白水乡", "delegates")
    app = app_as(demo_url, "陈协调", "zh")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "白水乡")
        await pilot.press("o")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RosterForm)
        assert form.query_one("#rows", DataTable).row_count == len(rows)
        name = form.query_one("#col-name", Input)
        assert name.value == rows[0]["name"]
        name.value = ""
        name.focus()
        await type_slowly(pilot, "新代表", PACE)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert "已保存" in str(form.query_one("#errors", Static).render())
        assert svc.roster("白水乡", "delegates")[0]["name"] == "新代表"
        form.query_one("#export", Button).press()
        await settle(pilot)
    exported = tmp_path / "白水乡-delegates.csv"
    assert "新代表" in exported.read_text(encoding="utf-8")


@sync
async def test_an_auditor_may_only_export_rosters(demo_url: str, tmp_path: Path) -> None:
    app = app_as(demo_url, "王审计", "en")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "白水乡")
        await pilot.press("o")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RosterForm)
        assert len(form.query("#submit")) == 0 and len(form.query("#remove")) == 0
        assert len(form.query("#export")) == 1


@sync
async def test_a_row_saved_after_someone_else_changed_the_township_is_a_conflict(demo_url: str) -> None:
    svc = demo_service(demo_url, "陈协调")
    rows = svc.roster("白水乡", "delegates")
    app = app_as(demo_url, "陈协调", "en")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "白水乡")
        await pilot.press("o")
        await settle(pilot)
        form = app.screen
        assert isinstance(form, RosterForm)
        demo_service(demo_url, "admin").record("白水乡", "nomination", {"seats": "100"})  # someone else
        form.query_one("#col-name", Input).focus()
        await type_slowly(pilot, "x", PACE)
        await pilot.press("ctrl+s")
        await settle(pilot)
        errors = str(form.query_one("#errors", Static).render())
        assert "Changed by someone else" in errors and "F5" in errors
        assert svc.roster("白水乡", "delegates") == rows
