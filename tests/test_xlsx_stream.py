"""The streaming XLSX reader: it ignores a lying ``<dimension>``, refuses zip bombs
from the declared sizes before inflating anything, stops at the row limit while
reading, and says which cell holds a formula without a saved value."""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest

from tests.hostile import full_dump, understate_size, write_xlsx, write_zip_bomb
from workflow.app.service import Service
from workflow.domain import rosters, xlsx_stream
from workflow.errors import BadInput, BadRows

HEADER = ["name", "gender", "birth_date", "category", "nominated_by", "review", "elected"]


def person(i: int) -> list[object]:
    return [f"代表{i}", "男", f"1980-01-{1 + i % 28:02d}", "frontline", "organisation", "passed", "yes"]


@pytest.mark.parametrize("dimension", ["A1:G3", "A1"])
def test_a_lying_dimension_tag_is_ignored(svc: Service, tmp_path: Path, dimension: str) -> None:
    # openpyxl's read-only mode trusted the tag: 2 of 10 rows imported, or with
    # ref="A1" a "missing column" that is there.
    path = write_xlsx(tmp_path / "d.xlsx", [HEADER, *(person(i) for i in range(10))], dimension=dimension)
    svc.import_roster("东湖镇", "delegates", path)
    assert [r["name"] for r in svc.roster("东湖镇", "delegates")] == [f"代表{i}" for i in range(10)]


def test_a_zip_bomb_is_refused_from_its_declared_size(svc: Service, tmp_path: Path) -> None:
    path = write_zip_bomb(tmp_path / "bomb.xlsx", 300 * 1024 * 1024)
    assert path.stat().st_size < 2 * 1024 * 1024  # a small file...
    before = full_dump(svc)
    read: list[int] = []
    real_open = zipfile.ZipFile.open

    def counting_open(self: zipfile.ZipFile, name: object, *args: object, **kw: object) -> object:
        read.append(1)
        return real_open(self, name, *args, **kw)  # type: ignore[arg-type]

    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(zipfile.ZipFile, "open", counting_open)
        with pytest.raises(BadInput) as e:
            svc.import_roster("东湖镇", "delegates", path)
    assert "bomb.xlsx" in e.value.text.en and "not read" in e.value.text.en
    assert "未读取" in e.value.text.zh
    assert read == []  # ...refused before a single entry was opened
    assert full_dump(svc) == before


def test_an_entry_lying_about_its_size_is_cut_off_and_refused(svc: Service, tmp_path: Path) -> None:
    # Declared 4 KB, inflates to 3 MB: read no further than declared, then refused.
    path = write_zip_bomb(tmp_path / "liar.xlsx", 3 * 1024 * 1024, zip64=False)
    understate_size(path, "xl/worksheets/sheet1.xml", 4096)
    before = full_dump(svc)
    with pytest.raises(BadInput) as e:
        svc.import_roster("东湖镇", "delegates", path)
    assert "liar.xlsx: not a valid XLSX file" in e.value.text.en
    assert full_dump(svc) == before


def test_rows_past_the_limit_stop_the_reading(
    svc: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # 300,000 rows in a small file; refused at the first row past the limit, not
    # after reading the whole sheet.
    path = write_xlsx(tmp_path / "many.xlsx", [HEADER], repeat=(person(1), 300_000))
    assert path.stat().st_size < 2 * 1024 * 1024
    monkeypatch.setattr(rosters, "MAX_ROWS", 1000)
    seen: list[int] = []
    real_rows = xlsx_stream.XlsxReader.rows

    def counted(self: xlsx_stream.XlsxReader) -> object:
        for line, cells in real_rows(self):
            seen.append(line)
            yield line, cells

    monkeypatch.setattr(xlsx_stream.XlsxReader, "rows", counted)
    before = full_dump(svc)
    with pytest.raises(BadInput) as e:
        svc.import_roster("东湖镇", "delegates", path)
    assert "line 1002 is past the limit of 1000 rows" in e.value.text.en
    assert "第1002行已超过1000行的上限" in e.value.text.zh
    assert max(seen) == 1002  # nothing after the first row too many was read
    assert full_dump(svc) == before


def test_a_formula_without_a_saved_value_is_named(svc: Service, tmp_path: Path) -> None:
    formula = ("xml", '<f>CONCAT("张","三")</f>')
    rows: list[list[object]] = [
        ["name", "organisation"],
        [formula, "一村"],
        ["李四", ("xml", "<f>A1</f><v>二村</v>", 't="str"')],
    ]
    path = write_xlsx(tmp_path / "g.xlsx", rows)
    before = full_dump(svc)
    with pytest.raises(BadRows) as e:
        svc.import_roster("东湖镇", "grassroots", path)
    [problem] = e.value.problems
    assert problem.en.startswith("g.xlsx: line 2, column 1 (name): '=CONCAT(")
    assert "is a formula with no saved value" in problem.en
    assert "是公式，没有保存计算结果" in problem.zh
    assert full_dump(svc) == before


def test_a_formula_with_its_saved_value_reads_the_value(svc: Service, tmp_path: Path) -> None:
    rows: list[list[object]] = [
        ["name", "organisation"],
        ["李四", ("xml", '<f>"二"&amp;"村"</f><v>二村</v>', 't="str"')],
    ]
    svc.import_roster("东湖镇", "grassroots", write_xlsx(tmp_path / "g.xlsx", rows))
    assert svc.roster("东湖镇", "grassroots")[0]["organisation"] == "二村"


def test_an_error_cell_is_named(svc: Service, tmp_path: Path) -> None:
    rows: list[list[object]] = [["name", "organisation"], ["李四", ("xml", "<v>#N/A</v>", 't="e"')]]
    with pytest.raises(BadRows) as e:
        svc.import_roster("东湖镇", "grassroots", write_xlsx(tmp_path / "g.xlsx", rows))
    assert "column 2 (organisation): the cell holds the error value #N/A" in e.value.problems[0].en
    assert "错误值 #N/A" in e.value.problems[0].zh


def test_a_document_type_declaration_is_refused(tmp_path: Path) -> None:
    path = write_xlsx(tmp_path / "x.xlsx", [["name", "organisation"], ["甲", "一村"]])
    with zipfile.ZipFile(path) as z:
        parts = {i.filename: z.read(i) for i in z.infolist()}
    sheet = parts["xl/worksheets/sheet1.xml"]
    parts["xl/worksheets/sheet1.xml"] = sheet.replace(
        b"<worksheet", b'<!DOCTYPE x [<!ENTITY a "aaaa">]><worksheet', 1
    )
    with zipfile.ZipFile(path, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    with pytest.raises(BadInput) as e:
        rosters.parse_bytes(path.read_bytes(), "x.xlsx", rosters.ROSTER_KINDS["grassroots"], TODAY)
    assert "not a valid XLSX file (DOCTYPE)" in e.value.text.en


def test_dates_and_numbers_keep_their_types(svc: Service, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["tier", "interviewer", "interviewee", "date"])
    import datetime as dt

    sheet.append([1, "区委书记", "书记甲", dt.date(2021, 5, 13)])
    sheet.append([2, "区纪委书记", "委员乙", "2021-05-14"])
    path = tmp_path / "talks.xlsx"
    book.save(path)
    svc.import_roster("东湖镇", "talks", path)
    got = svc.roster("东湖镇", "talks")
    assert [(r["tier"], r["date"]) for r in got] == [("1", dt.date(2021, 5, 13)), ("2", dt.date(2021, 5, 14))]


TODAY = __import__("datetime").date(2021, 6, 30)


def test_an_iso_date_cell_reads_as_a_date(svc: Service, tmp_path: Path) -> None:
    import datetime as dt

    rows: list[list[object]] = [
        ["tier", "interviewer", "interviewee", "date"],
        [1, "区委书记", "书记甲", ("xml", "<v>2021-05-13T00:00:00Z</v>", 't="d"')],
    ]
    svc.import_roster("东湖镇", "talks", write_xlsx(tmp_path / "t.xlsx", rows))
    assert svc.roster("东湖镇", "talks")[0]["date"] == dt.date(2021, 5, 13)
