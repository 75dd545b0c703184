"""The exports as their consumers read them: three independent iCalendar parsers,
openpyxl and LibreOffice for the spreadsheets, and the size limit of the Mermaid
renderer."""

from __future__ import annotations

import datetime as dt
import io
import os
import re
from pathlib import Path

import pytest

from tests.conftest import demo_service, make_service
from tests.test_export import expected_spans, export
from workflow.app.service import Service


@pytest.fixture
def svc(demo_url: str) -> Service:
    return demo_service(demo_url)


def _icalendar_events(data: bytes) -> dict[str, tuple[str, dt.date, dt.date, str]]:
    from icalendar import Calendar

    cal = Calendar.from_ical(data)
    return {
        str(e["UID"]): (str(e["SUMMARY"]), e.decoded("DTSTART"), e.decoded("DTEND"), str(e["DESCRIPTION"]))
        for e in cal.walk("VEVENT")
    }


def _vobject_events(data: bytes) -> dict[str, tuple[str, dt.date, dt.date, str]]:
    import vobject

    cal = vobject.readOne(data.decode("utf-8"))
    return {
        e.uid.value: (e.summary.value, e.dtstart.value, e.dtend.value, e.description.value)
        for e in cal.contents.get("vevent", [])
    }


def _ics_events(data: bytes) -> dict[str, tuple[str, dt.date, dt.date, str]]:
    import ics

    cal = ics.Calendar(data.decode("utf-8"))
    out: dict[str, tuple[str, dt.date, dt.date, str]] = {}
    for e in cal.events:
        # ics keeps an all-day event's end as given (exclusive), as a date-time
        out[e.uid] = (e.name, e.begin.date(), e.end.date(), e.description)
    return out


def unescape_text(value: str) -> str:
    """RFC 5545 TEXT unescaped (section 3.3.11)."""
    out, chars = [], iter(value)
    for ch in chars:
        if ch == "\\":
            nxt = next(chars, "")
            out.append("\n" if nxt and nxt in "nN" else nxt)
        else:
            out.append(ch)
    return "".join(out)


def test_three_icalendar_parsers_agree_on_every_event(svc: Service, tmp_path: Path) -> None:
    data = export(svc, "ics", tmp_path / "t.ics").read_bytes()
    a, b, c = _icalendar_events(data), _vobject_events(data), _ics_events(data)
    assert len(a) == sum(len(v) for v in expected_spans(svc).values())
    assert a == b == c


def test_the_calendar_name_survives_commas_and_semicolons(tmp_path: Path) -> None:
    import vobject
    from icalendar import Calendar

    svc = make_service(f"sqlite:///{tmp_path}/w.db", today=dt.date(2021, 6, 30))
    svc.init()
    svc.add_district("东区, 西区; 南区")
    svc.add_township("东湖镇", "东区, 西区; 南区", since="2021-04-11")
    data = export(svc, "ics", tmp_path / "t.ics").read_bytes()
    assert "X-WR-CALNAME:Re-election timeline: 东区\\, 西区\\; 南区\r\n".encode() in data
    want = "Re-election timeline: 东区, 西区; 南区"
    # icalendar hands back an X- property's value as written: unescape it as TEXT
    assert unescape_text(str(Calendar.from_ical(data)["X-WR-CALNAME"])) == want
    assert vobject.readOne(data.decode()).contents["x-wr-calname"][0].value == want


def test_an_empty_export_is_still_a_valid_calendar(tmp_path: Path) -> None:
    import ics
    import vobject
    from icalendar import Calendar

    svc = make_service(f"sqlite:///{tmp_path}/w.db", today=dt.date(2021, 6, 30))
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区", since="2021-04-11")
    out = io.BytesIO()
    from workflow.app.exporters import export_timeline

    export_timeline(svc, "ics", out, date_to="2020-01-01")
    data = out.getvalue()
    cal = Calendar.from_ical(data)
    assert list(cal.walk("VEVENT")) == [] and len(cal.subcomponents) == 1  # RFC 5545: at least one
    assert vobject.readOne(data.decode()).contents["vtimezone"]
    assert list(ics.Calendar(data.decode()).events) == []


def test_two_installations_never_share_a_uid(tmp_path: Path) -> None:
    uids = []
    for name in ("a", "b"):
        svc = make_service(f"sqlite:///{tmp_path}/{name}.db", today=dt.date(2021, 6, 30))
        svc.init()
        svc.add_district("某区")
        svc.add_township("东湖镇", "某区", since="2021-04-11")
        uids.append(set(_icalendar_events(export(svc, "ics", tmp_path / f"{name}.ics").read_bytes())))
        svc.engine.dispose()
    assert uids[0] and uids[1] and not uids[0] & uids[1]


def _soffice_csv(xlsx: Path, out: Path) -> dict[str, list[list[str]]]:
    """Every sheet of ``xlsx`` as LibreOffice headless converts it to CSV (UTF-8)."""
    import csv
    import shutil
    import subprocess

    exe = shutil.which("soffice") or shutil.which("libreoffice")
    assert exe is not None
    out.mkdir()
    # filter options: comma, double quote, UTF-8, from line 1, formatted as shown, every sheet
    options = "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1"
    subprocess.run(
        [
            exe,
            "--headless",
            "--norestore",
            f"-env:UserInstallation=file://{out}/profile",
            *("--convert-to", options, "--outdir", str(out), str(xlsx)),
        ],
        check=True,
        capture_output=True,
        timeout=300,
        env={**os.environ, "HOME": str(out), "LANG": "C.UTF-8", "LC_ALL": "C.UTF-8"},
    )
    sheets = {}
    for path in out.glob(f"{xlsx.stem}-*.csv"):
        with path.open(encoding="utf-8", newline="") as f:
            sheets[path.stem.removeprefix(f"{xlsx.stem}-")] = list(csv.reader(f))
    return sheets


@pytest.mark.skipif(
    not (__import__("shutil").which("soffice") or __import__("shutil").which("libreoffice")),
    reason="LibreOffice (soffice) is not installed",
)
@pytest.mark.parametrize("lang", ["zh", "en"])
def test_libreoffice_reads_the_xlsx_timeline_as_our_csv(svc: Service, tmp_path: Path, lang: str) -> None:
    import csv

    ours = export(svc, "csv", tmp_path / "t.csv", lang=lang)  # type: ignore[arg-type]
    xlsx = export(svc, "xlsx", tmp_path / "t.xlsx", lang=lang)  # type: ignore[arg-type]
    sheets = _soffice_csv(xlsx, tmp_path / "lo")
    timeline = sheets["时间线" if lang == "zh" else "Timeline"]
    with ours.open(encoding="utf-8-sig", newline="") as f:
        expected = list(csv.reader(f))
    assert len(expected) > 50
    assert timeline == expected
    events = sheets["事件记录" if lang == "zh" else "Events"]
    # recorded_at comes out as a date-time LibreOffice formats, not as text
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2}", events[1][7])
