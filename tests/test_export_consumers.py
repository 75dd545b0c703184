"""The exports as their consumers read them: three independent iCalendar parsers,
openpyxl and LibreOffice for the spreadsheets, and the size limit of the Mermaid
renderer."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest

from tests.conftest import demo_service, make_service
from tests.test_export import expected_spans, export
from workflow.service import Service


@pytest.fixture
def svc(demo_url: str) -> Service:
    return demo_service(demo_url)


def _icalendar_events(data: bytes) -> dict[str, tuple[str, dt.date, dt.date]]:
    from icalendar import Calendar

    cal = Calendar.from_ical(data)
    return {
        str(e["UID"]): (str(e["SUMMARY"]), e.decoded("DTSTART"), e.decoded("DTEND"))
        for e in cal.walk("VEVENT")
    }


def _vobject_events(data: bytes) -> dict[str, tuple[str, dt.date, dt.date]]:
    import vobject

    cal = vobject.readOne(data.decode("utf-8"))
    return {
        e.uid.value: (e.summary.value, e.dtstart.value, e.dtend.value) for e in cal.contents.get("vevent", [])
    }


def _ics_events(data: bytes) -> dict[str, tuple[str, dt.date, dt.date]]:
    import ics

    cal = ics.Calendar(data.decode("utf-8"))
    out: dict[str, tuple[str, dt.date, dt.date]] = {}
    for e in cal.events:
        # ics keeps an all-day event's end as given (exclusive), as a date-time
        out[e.uid] = (e.name, e.begin.date(), e.end.date())
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
    from workflow.exporters import export_timeline

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
