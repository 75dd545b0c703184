"""The terminal UI as a person uses it (issue 15): typed at a person's pace (pauses
of 0.3 s and more between keys, Chinese committed one character at a time), in
Chinese and English, at 80x24, 120x36 and 200x50."""

from __future__ import annotations

import re
import sqlite3
from pathlib import Path

import pytest
from rich.text import Text as RichText
from textual.pilot import Pilot
from textual.widgets import DataTable, Input, Select, Static

from tests.conftest import demo_service, sign_in
from tests.test_tui import settle, sync, town_state
from workflow.cli.main import main
from workflow.i18n import Lang
from workflow.tui.app import WorkflowApp
from workflow.tui.screens.dashboard import DashboardScreen
from workflow.tui.screens.help import HelpScreen
from workflow.tui.screens.history import HistoryScreen
from workflow.tui.screens.township import TownshipScreen
from workflow.tui.widgets.confirm import ConfirmOverwrite, ConfirmQuit
from workflow.tui.widgets.confirm_advance import ConfirmAdvance
from workflow.tui.widgets.export_form import ExportForm
from workflow.tui.widgets.fact_form import FactForm
from workflow.tui.widgets.import_form import ImportForm
from workflow.tui.widgets.message import MessageDialog
from workflow.tui.widgets.reason_form import ReasonForm

LANGS: list[Lang] = ["zh", "en"]
PACE = 0.3
"""Seconds between two keys: a quick typist's pace."""


async def type_slowly(pilot: Pilot[None], text: str, pace: float = PACE) -> None:
    """Each character on its own, as an input method commits Chinese."""
    for ch in text:
        await pilot.press(ch)
        await pilot.pause(pace)


def screen_text(app: WorkflowApp) -> str:
    """What the terminal shows now, as plain lines."""
    return "\n".join(strip.text for strip in app.screen._compositor.render_strips())


def app_as(url: str, actor: str, lang: Lang, tmp_path: Path | None = None) -> WorkflowApp:
    keys = (tmp_path or Path("/nonexistent")) / "keys.toml"
    return WorkflowApp(demo_service(url, actor), lang, keymap_file=keys)


def box(app: WorkflowApp) -> Input:
    return app.screen.query_one("#filter", Input)


def names(app: WorkflowApp) -> list[str]:
    return [str(c) for c in app.screen.query_one("#towns", DataTable).get_column("township")]


async def open_town(pilot: Pilot[None], app: WorkflowApp, url: str, name: str) -> TownshipScreen:
    app.open_township(demo_service(url).status(name).township_id)
    await settle(pilot)
    assert isinstance(app.screen, TownshipScreen)
    return app.screen


# ---------------------------------------------------------------- 1. the filter keeps its focus


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_filter_keeps_the_focus_while_chinese_is_typed_a_character_at_a_time(
    demo_url: str, lang: Lang
) -> None:
    app = app_as(demo_url, "admin", lang)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await pilot.pause(PACE)
        await pilot.press("白")
        await pilot.pause(1.0)  # the list is read again meanwhile
        assert app.focused is box(app)
        await pilot.press("水")
        await pilot.pause(1.0)
        await settle(pilot)
        assert box(app).value == "白水"
        assert app.focused is box(app)
        assert names(app) == ["白水乡"]


@pytest.mark.parametrize(("word", "key"), [("柳", "h"), ("金", "q")])
@sync
async def test_a_letter_typed_after_a_chinese_one_goes_into_the_box_not_to_the_app(
    demo_url: str, word: str, key: str
) -> None:
    app = app_as(demo_url, "admin", "zh")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_slowly(pilot, word, 1.2)
        await pilot.press(key)
        await pilot.pause(1.0)
        await settle(pilot)
        assert app.is_running
        assert isinstance(app.screen, DashboardScreen)  # no history opened, no quit
        assert box(app).value == word + key


# ---------------------------------------------------------------- 2. Enter after filtering


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_enter_right_after_filtering_opens_the_filtered_township(demo_url: str, lang: Lang) -> None:
    app = app_as(demo_url, "admin", lang)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("slash")
        await type_slowly(pilot, "金沙镇", 0.1)
        await pilot.press("enter")
        await pilot.pause(0.1)
        await pilot.press("enter")
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)
        assert app.screen.view is not None and app.screen.view.township == "金沙镇"


# ---------------------------------------------------------------- 3. brackets are text


@sync
async def test_english_marks_and_the_selection_mark_are_shown_as_typed(demo_url: str) -> None:
    app = app_as(demo_url, "李审核", "en")
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#towns", DataTable)
        table.move_cursor(row=names(app).index("白水乡"), animate=False)
        await pilot.press("space")
        await pilot.pause(PACE)
        cell = table.get_cell(str(demo_service(demo_url).status("白水乡").township_id), "township")
        assert isinstance(cell, RichText) and cell.plain == "[x] 白水乡"
        assert "[x] 白水乡" in screen_text(app)
        await pilot.press("escape")
        app.open_history(demo_service(demo_url).status("柳河镇").township_id)
        await settle(pilot)
        shown = screen_text(app)
        assert "[returned]" in shown
        marks = [str(c) for c in app.screen.query_one("#events", DataTable).get_column("flags")]
        assert "[returned]" in " ".join(marks)


# ---------------------------------------------------------------- 4. layouts by width


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_80x24_dashboard_keeps_the_essential_columns_and_the_date(demo_url: str, lang: Lang) -> None:
    app = app_as(demo_url, "陈协调", lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        shown = screen_text(app)
        lines = shown.splitlines()
        assert "2026-11-26" in lines[0]  # the title bar keeps the day
        header = "下一关" if lang == "zh" else "Next gate"
        assert header in shown
        assert ("受阻：2项未通过" if lang == "zh" else "blocked: 2 failing") in shown
        assert all(len(line) <= 80 for line in lines)


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_80x24_township_gate_never_wraps_a_letter_a_line(demo_url: str, lang: Lang) -> None:
    app = app_as(demo_url, "陈协调", lang)
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "柳河镇")
        shown = screen_text(app)
        assert "review_approved" in shown
        assert (
            "实际 returned，要求 approved" if lang == "zh" else "actual returned, required approved"
        ) in shown
        message = "审查结论" if lang == "zh" else "District review: Decision is returned"
        assert message in shown  # the message column is there, whole
        for line in shown.splitlines():
            words = line.split()
            assert not (len(words) == 1 and len(words[0]) <= 3 and words[0].isalpha() and words[0].isascii())


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_120x36_progress_names_every_stage_count(demo_url: str, lang: Lang) -> None:
    app = app_as(demo_url, "admin", lang)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        shown = " ".join(screen_text(app).split())  # a long list wraps within its column
        d = demo_service(demo_url).definition
        for s in d.working_stages()[1:7]:  # 演示区 has one township in stages 2..7
            assert f"{s.order}.{s.label()(lang)} 1" in shown, s.id


@pytest.mark.parametrize("size", [(120, 36), (200, 50)])
@sync
async def test_the_stepper_keeps_each_stage_on_one_line(demo_url: str, size: tuple[int, int]) -> None:
    app = app_as(demo_url, "admin", "en")
    async with app.run_test(size=size) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "白水乡")
        stepper = str(app.screen.query_one("#stepper", Static).render())
        assert "1/8 Draft the work report" in screen_text(app)
        assert "4/8 Nominate delegates" in stepper
        assert "9." not in stepper and "/9" not in stepper  # the final stage is unnumbered


# ---------------------------------------------------------------- 5. record form Tab order


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_record_form_tab_goes_field_by_field_in_visual_order(demo_url: str, lang: Lang) -> None:
    svc = demo_service(demo_url, "陈协调")
    app = WorkflowApp(svc, lang)
    before = town_state(svc, "青山镇")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "青山镇")
        await pilot.press("r")
        await pilot.pause(PACE)
        form = app.screen
        assert isinstance(form, FactForm)
        chain = [w.id for w in form.focus_chain]
        assert "fields" not in chain
        assert chain[:5] == ["fact", "field-forms_issued", "field-suggestions", "field-meeting_date", "on"]
        form.query_one("#fact").focus()
        for value in ("160", "5", "2026-11-24"):
            await pilot.press("tab")
            await pilot.pause(PACE)
            await type_slowly(pilot, value)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)
        assert svc.status("青山镇").facts["consultation"]["forms_issued"] == 160
        assert town_state(svc, "青山镇")[1] == before[1] + 1


# ---------------------------------------------------------------- 6. the advance dialog keeps a date


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_advance_dialog_starts_on_the_date_and_keeps_a_typed_one(demo_url: str, lang: Lang) -> None:
    svc = demo_service(demo_url, "陈协调")
    svc.record(
        "青山镇", "consultation", {"forms_issued": "160", "suggestions": "5", "meeting_date": "2026-11-24"}
    )
    app = WorkflowApp(svc, lang)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "青山镇")
        await pilot.press("a")
        await pilot.pause(PACE)
        assert isinstance(app.screen, ConfirmAdvance)
        assert app.focused is app.screen.query_one("#on", Input)
        await pilot.press("ctrl+u")
        await pilot.pause(PACE)
        await type_slowly(pilot, "2026-11-25")
        await pilot.press("enter")
        await settle(pilot)
        last = svc.history("青山镇")[1][-1]
        assert (last.kind, last.effective_date.isoformat()) == ("advance", "2026-11-25")


# ---------------------------------------------------------------- 7. impossible records in the TUI


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_the_form_shows_why_a_period_cannot_be_true_and_nothing_changes(
    demo_url: str, lang: Lang
) -> None:
    svc = demo_service(demo_url, "陈协调")
    app = WorkflowApp(svc, lang)
    before = town_state(svc, "红旗镇")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "红旗镇")
        await pilot.press("r")
        await pilot.pause(PACE)
        form = app.screen
        assert isinstance(form, FactForm)
        form.query_one("#fact", Select).value = "publicity"  # picked from the list
        await settle(pilot)
        for field, value in (("start", "2026-11-20"), ("end", "2026-11-18"), ("objections_open", "0")):
            form.query_one(f"#field-{field}", Input).focus()
            await type_slowly(pilot, value, 0.05)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FactForm)
        errors = str(form.query_one("#errors", Static).render())
        if lang == "zh":
            assert "结束日期2026-11-18早于开始日期2026-11-20" in errors
        else:
            assert "End 2026-11-18 is before Start 2026-11-20" in errors
            assert "：" not in errors and "（" not in errors
        assert town_state(svc, "红旗镇") == before


# ---------------------------------------------------------------- 8. refresh after a conflict


@pytest.mark.parametrize(("lang", "key"), [("zh", "f5"), ("en", "ctrl+r")])
@sync
async def test_after_a_conflict_f5_reads_the_township_again(demo_url: str, lang: Lang, key: str) -> None:
    svc = demo_service(demo_url, "陈协调")
    app = WorkflowApp(svc, lang)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        screen = await open_town(pilot, app, demo_url, "青山镇")
        assert screen.view is not None
        shown_version = screen.view.version
        other = demo_service(demo_url, "admin")
        other.record("青山镇", "upper_consultation", {"date": "2026-11-20"})
        await pilot.press("r")
        await pilot.pause(PACE)
        form = app.screen
        assert isinstance(form, FactForm)
        for field, value in (("forms_issued", "160"), ("suggestions", "5"), ("meeting_date", "2026-11-24")):
            form.query_one(f"#field-{field}").focus()
            await type_slowly(pilot, value, 0.05)
        await pilot.press("ctrl+s")
        await settle(pilot)
        assert isinstance(app.screen, FactForm)
        errors = str(form.query_one("#errors", Static).render())
        assert ("F5" in errors) and ("admin" in errors)
        await pilot.press(key)
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen) and app.screen is screen
        assert screen.view is not None and screen.view.version == shown_version + 1
        other.record("青山镇", "upper_consultation", {"date": "2026-11-21"})
        await pilot.press(key)  # on the screen itself too
        await settle(pilot)
        assert screen.view.version == shown_version + 2


# ---------------------------------------------------------------- 9. English messages


@sync
async def test_english_refusals_name_stages_and_use_english_punctuation(demo_url: str) -> None:
    app = app_as(demo_url, "陈协调", "en")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "白水乡")
        await pilot.press("a")
        await settle(pilot)
        assert isinstance(app.screen, MessageDialog)
        text = str(app.screen.query_one("#message-text", Static).render())
        assert "cannot advance from 'Nominate delegates' to 'Personnel plan': 2 checks failing" in text
        assert "delegate_nomination" not in text and "personnel_plan" not in text
        assert not re.search("[：（）；，]", text)
        await pilot.press("enter")
        await pilot.pause(PACE)
        await open_town(pilot, app, demo_url, "青山镇")
        await pilot.press("r")
        await pilot.pause(PACE)
        form = app.screen
        assert isinstance(form, FactForm)
        form.query_one("#field-forms_issued", Input).focus()
        await type_slowly(pilot, "x")
        error = str(form.query_one("#error-forms_issued", Static).render())
        assert error == "expected a whole number, at least 0"


# ---------------------------------------------------------------- 10. forms


@sync
async def test_import_says_to_tick_replace_and_keeps_its_buttons(demo_url: str, tmp_path: Path) -> None:
    svc = demo_service(demo_url, "陈协调")
    path = tmp_path / "p.csv"
    path.write_text("category,signatories,date,published_by\n1,5,2026-11-20,meeting\n", encoding="utf-8")
    app = WorkflowApp(svc, "en")
    async with app.run_test(size=(80, 24)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "金沙镇")
        for _ in range(2):  # the second import finds the rows of the first
            await pilot.press("i")
            await pilot.pause(PACE)
            form = app.screen
            assert isinstance(form, ImportForm)
            form.query_one("#path", Input).value = str(path)
            await pilot.press("ctrl+s")
            await settle(pilot)
        errors = str(form.query_one("#errors", Static).render())
        assert "tick 'replace'" in errors
        assert "use --replace" not in errors
        button = form.query_one("#submit")
        assert button.region.bottom <= 24 and button.region.height > 0  # still on screen


def test_an_xlsx_formula_cell_is_named_as_a_formula(demo_url: str, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["category", "signatories", "date", "published_by"])
    sheet.append(["1", "=cmd|' /C calc'!A0", "2026-11-20", "meeting"])
    path = tmp_path / "p.xlsx"
    book.save(path)
    from workflow.errors import BadRows

    svc = demo_service(demo_url, "陈协调")
    with pytest.raises(BadRows) as e:
        svc.import_roster("金沙镇", "pledges", path)
    shown = " ".join(p.en for p in e.value.problems)
    assert "formula" in shown and "must not be empty" not in shown
    assert "1 problem," in e.value.text.en


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_return_form_drops_an_error_once_it_is_fixed(demo_url: str, lang: Lang) -> None:
    app = app_as(demo_url, "李审核", lang)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "柳河镇")
        await pilot.press("b")
        await pilot.pause(PACE)
        form = app.screen
        assert isinstance(form, ReasonForm)
        await pilot.press("ctrl+s")
        await pilot.pause(PACE)
        assert str(form.query_one("#errors", Static).render()).strip()
        await type_slowly(pilot, "材料不全")
        assert str(form.query_one("#errors", Static).render()).strip() == ""


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_r_opens_the_fact_of_the_failing_check(demo_url: str, lang: Lang) -> None:
    app = app_as(demo_url, "李审核", lang)  # the district's decision: reviewers record it
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "柳河镇")  # 3/8, review_approved fails
        await pilot.press("r")
        await pilot.pause(PACE)
        assert isinstance(app.screen, FactForm)
        assert app.screen.fact == "review"


# ---------------------------------------------------------------- 11. exports


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_export_defaults_to_the_documents_directory_and_asks_before_overwriting(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, lang: Lang
) -> None:
    monkeypatch.setattr("workflow.tui.widgets.export_form.documents_dir", lambda: tmp_path)
    app = app_as(demo_url, "王审计", lang)
    target = tmp_path / "柳河镇-timeline.csv"
    target.write_text("old", encoding="utf-8")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "柳河镇")
        await pilot.press("e")
        await pilot.pause(PACE)
        form = app.screen
        assert isinstance(form, ExportForm)
        assert form.query_one("#path", Input).value == str(target)
        await pilot.press("ctrl+s")
        await pilot.pause(PACE)
        assert isinstance(app.screen, ConfirmOverwrite)
        await pilot.press("n")
        await settle(pilot)
        assert target.read_text(encoding="utf-8") == "old"
        assert isinstance(app.screen, ExportForm)
        await pilot.press("ctrl+s")
        await pilot.pause(PACE)
        await pilot.press("y")
        await settle(pilot)
        assert isinstance(app.screen, TownshipScreen)
    assert "柳河镇" in target.read_text(encoding="utf-8-sig")


# ---------------------------------------------------------------- 12. history for auditors


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_history_shows_each_events_full_hash_and_names_the_township(demo_url: str, lang: Lang) -> None:
    svc = demo_service(demo_url, "王审计")
    app = WorkflowApp(svc, lang)
    events = svc.history("柳河镇")[1]
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        app.open_history(svc.status("柳河镇").township_id)
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)
        head = str(app.screen.query_one("#history-head", Static).render())
        assert "柳河镇" in head.splitlines()[1]
        await pilot.press("j")
        await pilot.pause(PACE)
        panel = str(app.screen.query_one("#event-panel", Static).render())
        assert events[1].hash in panel and events[1].prev_hash in panel
        assert len(events[1].hash) == 64
        assert events[1].hash in screen_text(app).replace("\n", "") or events[1].hash[:30] in screen_text(app)
        column = [str(c) for c in app.screen.query_one("#events", DataTable).get_column("hash")]
        assert column[1].startswith(events[1].hash[:12])


def test_history_command_exits_6_on_a_broken_chain_naming_the_township(
    demo_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = demo_url.removeprefix("sqlite:///")
    con = sqlite3.connect(path)
    con.execute("DROP TRIGGER event_no_update")
    tid = demo_service(demo_url).status("柳河镇").township_id
    con.execute("UPDATE event SET note = 'edited' WHERE chain = ? AND seq = 2", (str(tid),))
    con.commit()
    con.close()
    sign_in(demo_url, "王审计")
    assert main(["--db", demo_url, "--lang", "en", "history", "柳河镇"]) == 6
    out = capsys.readouterr()
    assert "audit chain FAILS: '柳河镇':" in out.err + out.out
    assert main(["--db", demo_url, "--lang", "en", "history", "柳河镇", "--json"]) == 6
    assert main(["--db", demo_url, "--lang", "en", "audit", "verify"]) == 6
    shown = capsys.readouterr()
    assert "'柳河镇':" in shown.out + shown.err and "chain " not in shown.out + shown.err
    assert main(["--db", demo_url, "--as", "王审计", "history", "白水乡"]) == 0


# ---------------------------------------------------------------- 13. keys, help, stepper


@sync
async def test_ctrl_c_asks_in_chinese_and_n_stays(demo_url: str) -> None:
    app = app_as(demo_url, "admin", "zh")
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("ctrl+c")
        await pilot.pause(PACE)
        assert isinstance(app.screen, ConfirmQuit)
        assert "退出程序？" in screen_text(app)
        await pilot.press("n")
        await pilot.pause(PACE)
        assert isinstance(app.screen, DashboardScreen) and app.is_running
        await pilot.press("ctrl+c")
        await pilot.pause(PACE)
        await pilot.press("y")
        await pilot.pause(PACE)
        assert not app.is_running


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_help_lists_only_the_keys_an_auditor_may_use(demo_url: str, lang: Lang) -> None:
    app = app_as(demo_url, "王审计", lang)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("question_mark")
        await pilot.pause(PACE)
        assert isinstance(app.screen, HelpScreen)
        ids = {str(c) for c in app.screen.table.columns[3].cells}
        assert {"history", "export", "filter", "refresh", "copy_hash"} <= ids
        assert not ids & {"advance", "record", "import", "return", "waive", "select", "advance_selected"}
        notes = str(app.screen.query_one("#help-notes", Static).render())
        assert "keys.toml" in notes and "[keys]" in notes


@sync
async def test_a_keys_file_remaps_a_key_and_the_help_shows_it(demo_url: str, tmp_path: Path) -> None:
    (tmp_path / "keys.toml").write_text('[keys]\nhistory = "o"\nnope = "x"\n', encoding="utf-8")
    app = app_as(demo_url, "admin", "en", tmp_path)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        assert app.keymap == {"history": "o"}
        assert any("nope" in p.en for p in app.keymap_problems)
        await pilot.press("o")
        await settle(pilot)
        assert isinstance(app.screen, HistoryScreen)


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_the_stepper_counts_like_the_stage_column(demo_url: str, lang: Lang) -> None:
    app = app_as(demo_url, "admin", lang)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await open_town(pilot, app, demo_url, "白水乡")
        stepper = str(app.screen.query_one("#stepper", Static).render())
        numbered = re.findall(r"(\d)/(\d) ", stepper)
        assert [int(a) for a, _ in numbered] == list(range(1, 9))
        assert {b for _, b in numbered} == {"8"}
        head = str(app.screen.query_one("#town-head", Static).render())
        assert "4/8" in head


# ---------------------------------------------------------------- extras: plan, combine, report


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_each_township_says_when_it_is_due(demo_url: str, lang: Lang) -> None:
    app = app_as(demo_url, "陈协调", lang)
    async with app.run_test(size=(200, 50)) as pilot:
        await settle(pilot)
        table = app.screen.query_one("#towns", DataTable)
        due = dict(zip(names(app), [str(c) for c in table.get_column("due")], strict=True))
        # 金沙镇 entered pledges (10 days allowed) 20 days before 2026-11-26
        assert due["金沙镇"] == ("2026-11-16，逾期10天" if lang == "zh" else "2026-11-16, overdue by 10 days")
        assert ("还剩" if lang == "zh" else "due in") in due["青山镇"]
        await open_town(pilot, app, demo_url, "金沙镇")
        head = str(app.screen.query_one("#town-head", Static).render())
        assert (
            "到期：2026-11-16，逾期10天" if lang == "zh" else "due: 2026-11-16, overdue by 10 days"
        ) in head


@pytest.mark.parametrize(
    ("lang", "words", "expected"),
    [("zh", "我的 逾期", ["柳河镇", "金沙镇"]), ("en", "演示区 violation", ["红旗镇"])],
)
@sync
async def test_filters_combine_and_the_pager_counts_each_state(
    demo_url: str, lang: Lang, words: str, expected: list[str]
) -> None:
    app = app_as(demo_url, "陈协调", lang)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        pager = str(app.screen.query_one("#pager", Static).render())
        assert ("逾期 2" if lang == "zh" else "overdue 2") in pager
        assert ("我的 6" if lang == "zh" else "mine 6") in pager
        await pilot.press("slash")
        await type_slowly(pilot, words)
        await pilot.pause(0.6)
        await settle(pilot)
        assert names(app) == expected
        pager = str(app.screen.query_one("#pager", Static).render())
        assert f"{len(expected)}" in pager


@pytest.mark.parametrize("lang", LANGS)
@sync
async def test_capital_r_shows_the_district_report(demo_url: str, lang: Lang) -> None:
    app = app_as(demo_url, "王审计", lang)
    async with app.run_test(size=(120, 36)) as pilot:
        await settle(pilot)
        await pilot.press("R")
        await settle(pilot)
        from workflow.tui.screens.report import ReportScreen

        assert isinstance(app.screen, ReportScreen)
        text = str(app.screen.query_one("#report-text", Static).render())
        assert "某区" in text and "演示区" in text
        assert ("全部区合计" if lang == "zh" else "All districts") in text
        assert ("当选人平均得票率" if lang == "zh" else "Average vote rate of the elected") in text
        await pilot.press("escape")
        await pilot.pause(PACE)
        assert isinstance(app.screen, DashboardScreen)
