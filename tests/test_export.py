"""Each timeline format, written from the demo database and read back with its own
library, holds the spans, dates and flags that each township's history holds."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pytest

from tests.conftest import FROZEN_TODAY, demo_service
from workflow.app.exporters import export_timeline
from workflow.app.exporters.common import TIMELINE_COLUMNS
from workflow.app.service import Service
from workflow.domain.timeline import Span, spans_from_events
from workflow.i18n import Lang

Expected = dict[tuple[str, str], list[Span]]


def expected_spans(svc: Service, district: str | None = None) -> Expected:
    """(district, township) -> spans, from ``Service.history`` (what ``workflow
    history`` shows)."""
    out: Expected = {}
    for town, dname in svc.townships(district):
        _t, events, problem = svc.history(str(town.id))
        assert problem is None
        out[(dname, town.name)] = spans_from_events(events, svc.definition, FROZEN_TODAY)
    return out


def export(svc: Service, fmt: str, path: Path, lang: Lang = "en", **kw: Any) -> Path:
    export_timeline(svc, fmt, path, lang=lang, **kw)
    return path


@pytest.fixture
def svc(demo_url: str) -> Service:
    return demo_service(demo_url)


def _iso(d: dt.date | None) -> str:
    return d.isoformat() if d else ""


# ---------------------------------------------------------------- csv


def read_csv(path: Path) -> tuple[list[str], list[dict[str, str]]]:
    raw = path.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM"
    reader = csv.reader(io.StringIO(raw.decode("utf-8-sig"), newline=""))
    header = next(reader)
    keys = [k for k, _, _ in TIMELINE_COLUMNS]
    return header, [dict(zip(keys, row, strict=True)) for row in reader]


@pytest.mark.parametrize("district", [None, "演示区"])
def test_csv_holds_every_span_of_the_history(svc: Service, tmp_path: Path, district: str | None) -> None:
    expected = expected_spans(svc, district)
    _header, rows = read_csv(export(svc, "csv", tmp_path / "t.csv", districts=[district] if district else []))
    got: dict[tuple[str, str], list[dict[str, str]]] = {}
    for r in rows:
        got.setdefault((r["district"], r["township"]), []).append(r)
    assert set(got) == set(expected)
    for key, spans in expected.items():
        assert [
            (r["stage"], r["visit"], r["entered"], r["left"], r["days"], r["overdue_days"]) for r in got[key]
        ] == [
            (
                s.stage,
                str(s.visit),
                _iso(s.entered),
                _iso(s.left),
                "" if s.days is None else str(s.days),
                str(s.overdue_days),
            )
            for s in spans
        ]
        assert [(r["returned"], r["waived"], r["backdated"]) for r in got[key]] == [
            ("yes" if s.returned else "no", ";".join(s.waived), "yes" if s.backdated else "no") for s in spans
        ]


def test_csv_headers_and_names_follow_the_language(svc: Service, tmp_path: Path) -> None:
    zh_header, zh_rows = read_csv(export(svc, "csv", tmp_path / "zh.csv", lang="zh", districts=["某区"]))
    en_header, en_rows = read_csv(export(svc, "csv", tmp_path / "en.csv", lang="en", districts=["某区"]))
    assert zh_header[:3] == ["区", "乡镇", "乡镇编号"] and en_header[:3] == [
        "district",
        "township",
        "township id",
    ]
    assert zh_rows[0]["stage_name"] == "起草工作报告" and en_rows[0]["stage_name"] == "Draft the work report"


def test_csv_shows_the_returned_township_twice_in_the_repeated_stages(svc: Service, tmp_path: Path) -> None:
    _h, rows = read_csv(export(svc, "csv", tmp_path / "t.csv", townships=["柳河镇"]))
    assert [(r["stage"], r["visit"], r["returned"]) for r in rows] == [
        ("draft_report", "1", "no"),
        ("lower_consultation", "1", "no"),
        ("upper_review", "1", "yes"),
        ("draft_report", "2", "no"),
        ("lower_consultation", "2", "no"),
        ("upper_review", "2", "no"),
    ]
    assert rows[-1]["left"] == "" and rows[-1]["current"] == "yes"


def test_csv_and_xlsx_cells_cannot_run_as_formulas(svc: Service, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    svc.add_district("=HYPERLINK(1)")
    svc.add_township("+东湖镇", "=HYPERLINK(1)", since="2026-11-20")
    _h, rows = read_csv(export(svc, "csv", tmp_path / "t.csv", districts=["=HYPERLINK(1)"]))
    assert (rows[0]["district"], rows[0]["township"]) == ("'=HYPERLINK(1)", "'+东湖镇")
    wb = load_workbook(export(svc, "xlsx", tmp_path / "t.xlsx", districts=["=HYPERLINK(1)"]))
    cell = wb.worksheets[0]["A2"]
    assert cell.value == "'=HYPERLINK(1)" and cell.data_type == "s"


# ---------------------------------------------------------------- json


def test_json_is_schema_1_with_every_span(svc: Service, tmp_path: Path) -> None:
    data = json.loads(export(svc, "json", tmp_path / "t.json").read_text(encoding="utf-8"))
    assert data["schema"] == 1 and data["kind"] == "timeline" and data["today"] == "2026-11-26"
    assert [d["name"] for d in data["districts"]] == ["某区", "演示区"]
    assert data["districts"][0]["stages"][0] == {
        "id": "draft_report",
        "order": 1,
        "zh": "起草工作报告",
        "en": "Draft the work report",
        "deadline_days": 10,
    }
    expected = expected_spans(svc)
    got = {(t["district"], t["township"]): t["spans"] for t in data["townships"]}
    assert got == {k: [s.as_dict() for s in v] for k, v in expected.items()}
    assert data["totals"] == {"townships": 16, "spans": sum(len(v) for v in expected.values())}


def test_json_filters_by_period(svc: Service, tmp_path: Path) -> None:
    data = json.loads(
        export(svc, "json", tmp_path / "t.json", date_from="2021-05-13", date_to="2021-05-13").read_text(
            encoding="utf-8"
        )
    )
    assert {t["district"] for t in data["townships"]} == {"某区"}
    for t in data["townships"]:
        for s in t["spans"]:
            assert s["entered"] <= "2021-05-13" and (s["left"] or "9999") >= "2021-05-13"
    assert data["filters"]["from"] == "2021-05-13"


# ---------------------------------------------------------------- ics


def database_id_of(svc: Service) -> str:
    from workflow.store.db import read_session
    from workflow.store.meta import database_id

    with read_session(svc.engine) as session:
        return database_id(session) or ""


def test_ics_has_one_all_day_event_per_span_with_stable_uids(svc: Service, tmp_path: Path) -> None:
    from icalendar import Calendar

    first = export(svc, "ics", tmp_path / "a.ics").read_bytes()
    second = export(svc, "ics", tmp_path / "b.ics").read_bytes()
    cal = Calendar.from_ical(first)
    events = list(cal.walk("VEVENT"))
    expected = expected_spans(svc)
    assert len(events) == sum(len(v) for v in expected.values())
    uids = [str(e["UID"]) for e in events]
    assert len(set(uids)) == len(uids)
    assert uids == [str(e["UID"]) for e in Calendar.from_ical(second).walk("VEVENT")]
    by_uid = {str(e["UID"]): e for e in events}
    towns = {(t.name, d): t.id for t, d in svc.townships()}
    dbid = database_id_of(svc)
    for (dname, tname), spans in expected.items():
        for s in spans:
            e = by_uid[f"{towns[(tname, dname)]}-{s.stage}-{s.visit}-{dbid}@township-election.workflow"]
            start, end = e.decoded("DTSTART"), e.decoded("DTEND")
            assert not isinstance(start, dt.datetime) and start == s.entered
            if s.final:
                assert end == s.entered + dt.timedelta(days=1)
            elif s.current:
                assert end == FROZEN_TODAY + dt.timedelta(days=1)
            else:
                assert end == max(s.left or s.entered, s.entered + dt.timedelta(days=1))
            assert e.get("CATEGORIES").to_ical().decode() == dname


def test_ics_marks_the_waiver_and_the_overdue_span(svc: Service, tmp_path: Path) -> None:
    from icalendar import Calendar

    cal = Calendar.from_ical(export(svc, "ics", tmp_path / "t.ics", districts=["演示区"]).read_bytes())
    summaries = [str(e["SUMMARY"]) for e in cal.walk("VEVENT")]
    assert "石桥镇 4.Nominate delegates [waived]" in summaries
    assert any(s.startswith("金沙镇 7.Pledges [overdue") for s in summaries)
    assert "柳河镇 3.Review above (visit 2) [overdue 2d]" in summaries


# ---------------------------------------------------------------- xlsx


def test_xlsx_has_the_four_sheets_with_real_dates(svc: Service, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(export(svc, "xlsx", tmp_path / "t.xlsx", lang="zh"))
    assert wb.sheetnames == ["时间线", "事件记录", "出口检查", "区报告"]
    timeline = wb["时间线"]
    # the width Excel shows (12) is stored with its cell padding (a fraction of a character)
    assert timeline.freeze_panes == "C2" and int(timeline.column_dimensions["A"].width) == 12
    rows = list(timeline.iter_rows(min_row=2, values_only=True))
    expected = expected_spans(svc)
    assert len(rows) == sum(len(v) for v in expected.values())
    keys = [k for k, _, _ in TIMELINE_COLUMNS]
    got: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for row in rows:
        r: dict[str, Any] = dict(zip(keys, row, strict=True))
        got.setdefault((str(r["district"]), str(r["township"])), []).append(r)
    for key, spans in expected.items():
        assert [(r["stage"], r["entered"], r["left"], r["days"], r["waived"]) for r in got[key]] == [
            (
                s.stage,
                dt.datetime.combine(s.entered, dt.time()),
                dt.datetime.combine(s.left, dt.time()) if s.left else None,
                s.days,
                ";".join(s.waived) or None,
            )
            for s in spans
        ]
    events = wb["事件记录"]
    n_events = sum(len(svc.history(str(t.id))[1]) for t, _ in svc.townships())
    assert events.max_row == n_events + 1
    assert isinstance(events["I2"].value, dt.datetime) and len(str(events["M2"].value)) == 64
    checks = list(wb["出口检查"].iter_rows(min_row=2, values_only=True))
    assert ("演示区", "白水乡", "4.推选党代表", "delegate_margin", "未通过") in [r[:5] for r in checks]
    assert ("演示区", "石桥镇") not in [r[:2] for r in checks if r[3] == "delegate_seats"]
    report = [r[:2] for r in wb["区报告"].iter_rows(min_row=2, values_only=True)]
    seed = report[: report.index(("演示区", None))]
    assert seed[0] == ("某区", None) and ("选举产生党代表（名）", 1057) in seed


def test_xlsx_report_figures_are_the_services(svc: Service, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    wb = load_workbook(export(svc, "xlsx", tmp_path / "t.xlsx", districts=["某区"]))
    values = [r for r in wb["District report"].iter_rows(values_only=True) if r and r[0]]
    figures: dict[Any, Any] = {r[0]: r[1] for r in values[1:]}
    report = svc.report("某区")
    assert figures["delegates elected"] == report["delegates"]["total"] == 1057
    assert figures["rotation rate (%)"] == report["team"]["rotation_rate"]


def test_xlsx_events_spill_into_a_second_sheet_past_the_row_limit(
    svc: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    from workflow.app.exporters import xlsx_format

    monkeypatch.setattr(xlsx_format, "MAX_ROWS", 101)
    wb = load_workbook(export(svc, "xlsx", tmp_path / "t.xlsx", districts=["某区"]))
    assert wb.sheetnames[:4] == ["Timeline", "Events", "Events 2", "Events 3"]
    assert wb["Events"].max_row == 101 and wb["Events 2"]["A1"].value == "district"


def test_xlsx_leaves_out_the_detail_sheets_for_large_exports(
    svc: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from openpyxl import load_workbook

    from workflow.app.exporters import xlsx_format

    monkeypatch.setattr(xlsx_format, "DETAIL_LIMIT", 3)
    wb = load_workbook(export(svc, "xlsx", tmp_path / "t.xlsx"))
    assert "more than 3 townships" in str(wb["Gate checks"]["A2"].value)
    assert "more than 3 townships" in str(wb["District report"]["A2"].value)
    events = [row for row in wb["Events"].iter_rows(values_only=True) if any(row)]
    assert len(events) == 2 and "more than 3 townships" in str(events[1][0])  # the header and the note
    assert "workflow export history" in str(events[1][0]) and "workflow audit bundle" in str(events[1][0])
    assert wb["Timeline"].max_row > 4  # the timeline itself is whole


def test_xlsx_text_past_excels_cell_limit_is_cut_with_a_note_of_what_was_left_out() -> None:
    from openpyxl import load_workbook

    from workflow.app.exporters.xlsx_format import CELL_LIMIT, Book, Sheet

    out = io.BytesIO()
    book = Book(out, "zh")
    sheet = Sheet(book, book.wb.add_worksheet("事件记录"))
    text = "=" + "党代表名单" * 4000 + "😀" * 10_000  # 40,001 UTF-16 units (each emoji two)
    sheet.append([text, "柳河镇"])
    book.close()
    cell, town = next(load_workbook(io.BytesIO(out.getvalue())).worksheets[0].iter_rows(values_only=True))[:2]
    assert town == "柳河镇" and isinstance(cell, str)
    assert len(cell.encode("utf-16-le")) // 2 <= CELL_LIMIT
    kept, note = cell.split("…（")
    assert kept.startswith("'=党代表名单") and ("'" + text).startswith(kept)  # escaped, no half emoji
    left = re.search(r"余下 (\d+) 字符从略；完整内容见 workflow export history）$", note)
    assert left is not None and len(kept.encode("utf-16-le")) // 2 + int(left[1]) == 40_002


# ---------------------------------------------------------------- html


class SvgBars(HTMLParser):
    """The Gantt chart's bars, milestones, rows and anything that loads from outside."""

    def __init__(self) -> None:
        super().__init__()
        self.bars: list[dict[str, str]] = []
        self.milestones: list[dict[str, str]] = []
        self.rows: list[str] = []
        self.external: list[str] = []
        self.tags: set[str] = set()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = {k: v or "" for k, v in attrs}
        self.tags.add(tag)
        classes = a.get("class", "").split()
        if tag == "rect" and "bar" in classes:
            self.bars.append(a)
        if tag == "path" and "milestone" in classes:
            self.milestones.append(a)
        if tag == "div" and "township" in classes:
            self.rows.append(a["data-township-id"])
        for key in ("src", "href", "xlink:href"):
            if key in a:
                self.external.append(a[key])


def parse_html(text: str) -> SvgBars:
    p = SvgBars()
    p.feed(text)
    return p


def check_bars(svc: Service, parsed: SvgBars, district: str | None = None) -> None:
    """One bar per stage span (a milestone for completion), with the span's dates and flags."""
    expected = expected_spans(svc, district)
    towns = {(t.name, d): t.id for t, d in svc.townships(district)}
    want = sorted(
        (
            str(towns[(tname, dname)]),
            s.stage,
            str(s.visit),
            _iso(s.entered),
            _iso(s.left),
            str(s.overdue_days),
            ",".join(s.waived),
            "1" if s.returned else "0",
        )
        for (dname, tname), spans in expected.items()
        for s in spans
        if not s.final
    )
    got = sorted(
        (
            b["data-township-id"],
            b["data-stage"],
            b["data-visit"],
            b["data-entered"],
            b["data-left"],
            b["data-overdue"],
            b["data-waived"],
            b["data-returned"],
        )
        for b in parsed.bars
    )
    assert got == want
    finals = sum(1 for spans in expected.values() for s in spans if s.final)
    assert len(parsed.milestones) == finals
    assert len(parsed.rows) == len(expected)


@pytest.mark.parametrize("district", [None, "某区"])
def test_html_has_one_bar_per_stage_span(svc: Service, tmp_path: Path, district: str | None) -> None:
    text = export(svc, "html", tmp_path / "t.html", districts=[district] if district else []).read_text(
        encoding="utf-8"
    )
    check_bars(svc, parse_html(text), district)


def test_html_is_self_contained_and_prints_on_a4_landscape(svc: Service, tmp_path: Path) -> None:
    text = export(svc, "html", tmp_path / "t.html").read_text(encoding="utf-8")
    parsed = parse_html(text)
    assert "script" not in parsed.tags and "link" not in parsed.tags and "img" not in parsed.tags
    assert all(x.startswith("#") for x in parsed.external)
    assert "@import" not in text and "url(http" not in text and "@font-face" not in text
    assert "size: A4 landscape" in text


def test_html_shows_legend_today_marks_and_report_in_the_language(svc: Service, tmp_path: Path) -> None:
    text = export(svc, "html", tmp_path / "t.html", lang="zh").read_text(encoding="utf-8")
    assert "今天 2026-11-26" in text
    for n, name in enumerate(["起草工作报告", "对下征求意见", "对上审查", "推选党代表"], start=1):
        assert re.search(rf">{n}</text></svg>{name}</span>", text)
    assert 'data-mark="waived">免<' in text and 'data-mark="returned">退<' in text
    assert 'data-mark="overdue">!<' in text and 'fill="url(#hatch)"' in text
    assert "选举产生党代表（名）</dt><dd>1057</dd>" in text
    assert "<title>柳河镇 · 3.对上审查（第2次）" in text


# ---------------------------------------------------------------- mermaid

TASK = re.compile(
    r"^    (?P<name>[^:]+) :(?P<tags>(?:(?:done|active|crit|milestone), )*)(?P<id>t\d+s\d+), "
    r"(?P<start>\d{4}-\d\d-\d\d), (?P<end>\d{4}-\d\d-\d\d|0d)$"
)


def test_mermaid_is_a_gantt_block_with_one_task_per_span(svc: Service, tmp_path: Path) -> None:
    text = export(svc, "mermaid", tmp_path / "t.mmd", districts=["演示区"]).read_text(encoding="utf-8")
    lines = text.splitlines()
    assert lines[:4] == [
        "gantt",
        "    title Township Party committee re-election timeline",
        "    dateFormat YYYY-MM-DD",
        "    axisFormat %Y-%m-%d",
    ]
    sections = [ln for ln in lines if ln.startswith("    section ")]
    tasks = [ln for ln in lines[4:] if ln.strip() and not ln.startswith("    section ")]
    expected = expected_spans(svc, "演示区")
    assert len(sections) == len(expected)
    assert len(tasks) == sum(len(v) for v in expected.values())
    parsed = [TASK.match(t) for t in tasks]
    assert all(parsed), [t for t, m in zip(tasks, parsed, strict=True) if not m]
    ids = [m["id"] for m in parsed if m]
    assert len(set(ids)) == len(ids)
    flat = [s for spans in expected.values() for s in spans]
    for m, s in zip(parsed, flat, strict=True):
        assert m is not None and m["start"] == s.entered.isoformat()
        assert ("crit" in m["tags"]) == bool(s.overdue_days)
        assert ("active" in m["tags"]) == (s.current and not s.final)
    assert any("Nominate delegates [waived]" in t for t in tasks)


def test_mermaid_names_cannot_break_the_syntax(svc: Service, tmp_path: Path) -> None:
    svc.add_district("区:一#;")
    svc.add_township("乡:镇", "区:一#;", since="2026-11-20")
    text = export(svc, "mermaid", tmp_path / "t.mmd", districts=["区:一#;"]).read_text(encoding="utf-8")
    assert "    section 区：一＃； 乡：镇" in text


def test_csv_is_the_same_on_each_backend_whole_districts_and_chosen_townships(
    db_url: str, tmp_path: Path
) -> None:
    """The export reads whole districts in one round trip each and streams a chosen set
    of townships; both give every span of the history, on SQLite and PostgreSQL."""
    from tests.conftest import TODAY, make_service

    s = make_service(db_url)
    try:
        s.init()
        for district, towns in (("某区", ("东湖镇", "西山乡")), ("演示区", ("红旗镇",))):
            s.add_district(district)
            for t in towns:
                s.add_township(t, district, since="2021-04-01")
        for t in ("东湖镇", "红旗镇"):
            s.record(t, "draft", {"title": "工作报告", "date": "2021-04-05"})
            s.advance(t, on="2021-04-06")
        s.return_("红旗镇", "draft_report", "重新起草", on="2021-04-09")

        def spans_of(name: str) -> list[tuple[str, str, str, str]]:
            _t, events, _p = s.history(name)
            return [
                (x.stage, str(x.visit), _iso(x.entered), _iso(x.left))
                for x in spans_from_events(events, s.definition, TODAY)
            ]

        for kw, names in (
            ({}, ("东湖镇", "西山乡", "红旗镇")),
            ({"townships": ["红旗镇", "西山乡"]}, ("西山乡", "红旗镇")),
        ):
            path = tmp_path / f"t{len(names)}.csv"
            export_timeline(s, "csv", path, **kw)  # type: ignore[arg-type]
            _h, rows = read_csv(path)
            got: dict[str, list[tuple[str, str, str, str]]] = {}
            for r in rows:
                got.setdefault(r["township"], []).append((r["stage"], r["visit"], r["entered"], r["left"]))
            assert got == {n: spans_of(n) for n in names}
        assert [x[0] for x in spans_of("红旗镇")] == ["draft_report", "lower_consultation", "draft_report"]
    finally:
        s.engine.dispose()
