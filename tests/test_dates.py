"""Lower bounds for effective dates: none before 1949-10-01, none before the
township's work began (when known), no stage change before the stage it leaves began."""

from __future__ import annotations

import datetime as dt

import pytest

from tests.conftest import make_service
from tests.hostile import full_dump
from workflow.app.service import Service
from workflow.errors import BadInput

DRAFT = {"title": "工作报告", "date": "2021-04-12"}


def test_advance_dated_1900_on_a_township_without_since_is_refused(svc: Service) -> None:
    svc.record("东湖镇", "draft", DRAFT)  # recorded the day the township was entered
    before = full_dump(svc)
    with pytest.raises(BadInput) as e:
        svc.advance("东湖镇", on="1900-01-01")
    assert "effective date '1900-01-01': date 1900-01-01 is before 1949-10-01" in e.value.text.en
    assert "早于1949-10-01" in e.value.text.zh
    assert full_dump(svc) == before


def test_township_since_year_one_is_refused(svc: Service) -> None:
    before = full_dump(svc)
    with pytest.raises(BadInput) as e:
        svc.add_township("西山镇", "某区", since="0001-01-01")
    assert "before 1949-10-01" in e.value.text.en
    assert full_dump(svc) == before


@pytest.mark.parametrize("action", ["record", "waive", "violation", "import", "advance"])
def test_nothing_is_dated_before_the_township_began(db_url: str, tmp_path: object, action: str) -> None:
    svc = make_service(db_url, today=dt.date(2026, 11, 26))
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区", since="2026-11-01")
    svc.record("东湖镇", "draft", {"title": "报告", "date": "2026-11-02"}, on="2026-11-02")
    before = full_dump(svc)
    early = "2026-10-31"
    with pytest.raises(BadInput) as e:
        if action == "record":
            svc.record("东湖镇", "draft", {"title": "报告", "date": "2026-10-30"}, on=early)
        elif action == "waive":
            svc.waive_check("东湖镇", "draft_recorded", "区委同意", on=early)
        elif action == "violation":
            svc.open_violation("东湖镇", "来信反映", on=early)
        elif action == "import":
            from pathlib import Path

            path = Path(str(tmp_path)) / "g.csv"
            path.write_text("name,organisation\n张三,一村\n", encoding="utf-8")
            svc.import_roster("东湖镇", "grassroots", path, on=early)
        else:
            svc.advance("东湖镇", on=early)
    assert "effective date 2026-10-31 is before '东湖镇' began its work on 2026-11-01" in e.value.text.en
    assert "早于「东湖镇」开始换届工作的日期2026-11-01" in e.value.text.zh
    assert full_dump(svc) == before
    svc.engine.dispose()


def test_a_step_is_not_dated_before_the_stage_it_leaves_began(svc: Service) -> None:
    svc.record("东湖镇", "draft", DRAFT)
    svc.advance("东湖镇", on="2021-04-20")
    before = full_dump(svc)
    with pytest.raises(BadInput) as e:
        svc.return_("东湖镇", "draft_report", "重写", on="2021-04-19")
    assert "before the township entered its current stage on 2021-04-20" in e.value.text.en
    assert full_dump(svc) == before


def test_export_dates_before_1949_are_refused(svc: Service) -> None:
    import io

    from workflow.app.exporters import export_timeline

    with pytest.raises(BadInput) as e:
        export_timeline(svc, "csv", io.BytesIO(), date_from="1900-01-01")
    assert "--from '1900-01-01': date 1900-01-01 is before 1949-10-01" in e.value.text.en
