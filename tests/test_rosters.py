"""Roster import: all or nothing, every bad row listed, one audit event per import."""

from __future__ import annotations

import hashlib
import json
from pathlib import Path

import pytest

from tests.conftest import make_service, sign_in
from tests.hostile import full_dump
from tests.test_service import dump
from workflow.app.service import Service
from workflow.domain.rosters import ROSTER_KINDS, template_csv
from workflow.errors import BadInput, BadRows

HEADER = "name,gender,birth_date,category,nominated_by,review,elected\n"


def write(tmp_path: Path, name: str, text: str, encoding: str = "utf-8") -> Path:
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def rows(n: int) -> str:
    return "".join(f"代表{i},男,1980-01-0{1 + i % 9},frontline,organisation,passed,yes\n" for i in range(n))


def test_good_import_writes_rows_and_one_event(svc: Service, tmp_path: Path) -> None:
    path = write(tmp_path, "delegates.csv", HEADER + rows(3))
    before = len(svc.history("东湖镇")[1])
    r = svc.import_roster("东湖镇", "delegates", path)
    events = svc.history("东湖镇")[1]
    assert len(events) == before + 1
    payload = json.loads(events[-1].payload)
    assert events[-1].kind == "import" and r.event.id == events[-1].id
    assert payload["file"] == "delegates.csv" and payload["rows"] == 3
    assert payload["sha256"] == hashlib.sha256(path.read_bytes()).hexdigest()
    got = svc.roster("东湖镇", "delegates")
    assert [g["name"] for g in got] == ["代表0", "代表1", "代表2"]
    assert got[0]["gender"] == "male" and got[0]["elected"] is True


def test_chinese_headers_and_values_are_accepted(svc: Service, tmp_path: Path) -> None:
    text = "姓名,性别,出生日期,类别,提名方式,资格审查,当选\n张三,女,1985-03-04,外出务工,党员提名,通过,是\n"
    svc.import_roster("东湖镇", "delegates", write(tmp_path, "代表.csv", text))
    row = svc.roster("东湖镇", "delegates")[0]
    assert (row["gender"], row["category"], row["nominated_by"], row["elected"]) == (
        "female",
        "migrant",
        "members",
        True,
    )


def test_xlsx_import(svc: Service, tmp_path: Path) -> None:
    from openpyxl import Workbook

    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["tier", "interviewer", "interviewee", "date"])
    sheet.append([1, "区委书记", "书记甲", "2021-05-13"])
    path = tmp_path / "talks.xlsx"
    book.save(path)
    svc.import_roster("东湖镇", "talks", path)
    assert svc.roster("东湖镇", "talks")[0]["interviewee"] == "书记甲"


BAD_FILES = {
    "unknown category": (HEADER + "甲,男,1980-01-01,farmer,organisation,passed,no\n", "category", "farmer"),
    "bad date": (HEADER + "甲,男,1980-02-30,frontline,organisation,passed,no\n", "birth_date", "1980-02-30"),
    "future date": (
        HEADER + "甲,男,2999-01-01,frontline,organisation,passed,no\n",
        "birth_date",
        "later than today",
    ),
    "duplicate person": (HEADER + rows(1) + rows(1), "duplicate of line 2", "line 3"),
    "missing column": (
        "name,gender,birth_date\n甲,男,1980-01-01\n",
        "missing required column 'category'",
        "category",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD_FILES))
def test_bad_rows_are_listed_and_nothing_changes(svc: Service, tmp_path: Path, case: str) -> None:
    text, where, what = BAD_FILES[case]
    before = dump(svc)
    with pytest.raises(BadRows) as e:
        svc.import_roster("东湖镇", "delegates", write(tmp_path, "d.csv", text))
    listed = "\n".join(p.en for p in e.value.problems)
    assert where in listed and what in listed and "d.csv" in listed
    assert all(p.zh for p in e.value.problems)
    assert dump(svc) == before


def test_every_bad_row_is_listed_with_line_and_column(svc: Service, tmp_path: Path) -> None:
    text = (
        HEADER
        + rows(2)
        + "乙,男,1980-01-01,farmer,organisation,passed,no\n"
        + "丙,X,1980-01-01,other,members,ok,no\n"
    )
    with pytest.raises(BadRows) as e:
        svc.import_roster("东湖镇", "delegates", write(tmp_path, "d.csv", text))
    problems = [p.en for p in e.value.problems]
    assert len(problems) == 3
    assert problems[0].startswith("d.csv: line 4, column 4 (category): value 'farmer'")
    assert problems[1].startswith("d.csv: line 5, column 2 (gender): value 'X'")
    assert problems[2].startswith("d.csv: line 5, column 6 (review): value 'ok'")
    assert "第4行第4列（category）" in e.value.problems[0].zh


def test_lines_are_named_right_across_chunks_with_line_breaks_in_cells(
    svc: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Rows are read a chunk at a time; a chunk where a quoted cell holds a line break
    # (or a blank line sits) is read again for each row's line. Chunks of 3 rows here.
    from workflow.domain import rosters

    monkeypatch.setattr(rosters, "CHUNK_ROWS", 3)
    text = "\n" + "name,organisation\n"
    text += "".join(f"书记{i},{i}村\n" for i in range(4))  # lines 3-6
    text += '"书记\n甲",一村\n'  # lines 7-8: a line break in the name
    text += "书记乙,二村\n\n,\n"  # line 9, then two blank rows (10, 11)
    text += "=书记丙,三村\n"  # line 12: a formula
    text += '书记丁,"四\n\n村"\n'  # lines 13-15
    text += "书记戊,五村\n"  # line 16
    text += "书记戊,五村\n"  # line 17: a duplicate of line 16
    before = full_dump(svc)
    with pytest.raises(BadRows) as e:
        svc.import_roster("东湖镇", "grassroots", write(tmp_path, "g.csv", text))
    problems = [p.en for p in e.value.problems]
    assert len(problems) == 4, problems
    assert problems[0].startswith("g.csv: line 7, column 1 (name)")
    assert problems[1].startswith("g.csv: line 12, column 1 (name): value '=书记丙' looks like a formula")
    assert problems[2].startswith("g.csv: line 13, column 2 (organisation)")
    assert problems[3] == "g.csv: line 17: duplicate of line 16 (书记戊, 五村)"
    assert full_dump(svc) == before


def test_the_row_limit_names_the_first_row_past_it(
    svc: Service, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflow.domain import rosters

    monkeypatch.setattr(rosters, "CHUNK_ROWS", 4)
    monkeypatch.setattr(rosters, "MAX_ROWS", 6)
    text = "name,organisation\n" + "".join(f"书记{i},{i}村\n\n" for i in range(10))  # a blank line after each
    with pytest.raises(BadInput) as e:
        svc.import_roster("东湖镇", "grassroots", write(tmp_path, "g.csv", text))
    assert "line 14 is past the limit of 6 rows" in e.value.text.en


@pytest.mark.parametrize(
    ("name", "data", "expected"),
    [
        ("d.pdf", b"%PDF-1.4", "unsupported file type '.pdf'"),
        ("d.csv", b"", "the file is empty"),
        ("d.csv", HEADER.encode(), "no data rows"),
        (
            "d.csv",
            (HEADER + "张三,男,1980-01-01,frontline,organisation,passed,no\n").encode("gbk"),
            "not UTF-8",
        ),
        ("d.xlsx", b"not a zip file", "not a valid XLSX file"),
    ],
)
def test_wrong_files_are_refused(svc: Service, tmp_path: Path, name: str, data: bytes, expected: str) -> None:
    before = dump(svc)
    path = tmp_path / name
    path.write_bytes(data)
    with pytest.raises(BadInput) as e:
        svc.import_roster("东湖镇", "delegates", path)
    assert expected in e.value.text.en and name in e.value.text.en
    assert dump(svc) == before


def test_formula_cells_are_refused(svc: Service, tmp_path: Path) -> None:
    text = "name,organisation\n=cmd|' /C calc'!A0,一村\n"
    with pytest.raises(BadRows) as e:
        svc.import_roster("东湖镇", "grassroots", write(tmp_path, "g.csv", text))
    assert "looks like a formula" in e.value.problems[0].en


def test_second_import_needs_replace(svc: Service, tmp_path: Path) -> None:
    path = write(tmp_path, "d.csv", HEADER + rows(2))
    svc.import_roster("东湖镇", "delegates", path)
    with pytest.raises(BadInput) as e:
        svc.import_roster("东湖镇", "delegates", path)
    assert "--replace" in e.value.text.en
    svc.import_roster("东湖镇", "delegates", write(tmp_path, "d2.csv", HEADER + rows(5)), replace=True)
    assert len(svc.roster("东湖镇", "delegates")) == 5


def test_coordinator_import_of_another_township_is_refused(svc: Service, tmp_path: Path) -> None:
    svc.add_township("西山镇", "某区")
    svc.add_user("赵组织", "coordinator", ["东湖镇"])
    coord = make_service(svc.engine.url.render_as_string(hide_password=False), "赵组织")
    from workflow.errors import NotPermitted

    with pytest.raises(NotPermitted):
        coord.import_roster("西山镇", "delegates", write(tmp_path, "d.csv", HEADER + rows(1)))


def test_templates_have_every_column() -> None:
    for kind in ROSTER_KINDS.values():
        header = template_csv(kind).strip().split(",")
        assert header == [c.name for c in kind.columns]


def test_cli_import_of_a_bad_file_exits_2_and_lists_every_row(
    svc: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from workflow.cli.main import main

    path = write(
        tmp_path,
        "d.csv",
        HEADER
        + rows(1)
        + "乙,男,1980-01-01,farmer,organisation,passed,no\n丙,男,1980-13-01,other,members,passed,no\n",
    )
    url = svc.engine.url.render_as_string(hide_password=False)
    sign_in(url, "admin")
    before = dump(svc)
    code = main(["--db", url, "--lang", "en", "import", "东湖镇", "delegates", str(path)])
    err = capsys.readouterr().err
    assert code == 2
    assert "2 problems, nothing was imported" in err
    assert "line 3, column 4 (category): value 'farmer'" in err
    assert "line 4, column 3 (birth_date): value '1980-13-01'" in err
    assert dump(svc) == before


def test_a_50_mb_cell_is_named_by_line_and_column(svc: Service, tmp_path: Path) -> None:
    # The csv module's own limit said "field larger than field limit (131072)".
    huge = "甲" * (50 * 1024 * 1024 // 3)
    path = write(tmp_path, "g.csv", f"name,organisation\n张三,一村\n李四,{huge}\n")
    before = full_dump(svc)
    with pytest.raises(BadRows) as e:
        svc.import_roster("东湖镇", "grassroots", path)
    [problem] = e.value.problems
    assert problem.en == (
        f"g.csv: line 3, column 2 (organisation): cell too long ({len(huge)} characters, at most 2000)"
    )
    assert problem.zh.startswith("g.csv：第3行第2列（organisation）：内容过长")
    assert len(problem.en) < 200
    assert full_dump(svc) == before


def test_a_well_formed_but_impossible_date_is_called_not_real(svc: Service, tmp_path: Path) -> None:
    path = write(tmp_path, "t.csv", "tier,interviewer,interviewee,date\n1,区委书记,书记甲,2021-02-30\n")
    with pytest.raises(BadRows) as e:
        svc.import_roster("东湖镇", "talks", path)
    [problem] = e.value.problems
    assert "2021-02-30 is not a real date" in problem.en and "YYYY-MM-DD" not in problem.en
    assert "不是真实存在的日期" in problem.zh


@pytest.mark.parametrize(
    ("first", "second"),
    [
        ("张三", "张\u200b三"),  # zero-width space: refused outright
        ("Zoë", "Zoe\u0308"),  # NFC and NFD: the same name
        ("代表12", "代表１２"),  # full-width digits: the same name
    ],
)
def test_look_alike_names_do_not_defeat_the_duplicate_check(
    svc: Service, tmp_path: Path, first: str, second: str
) -> None:
    text = HEADER + f"{first},男,1980-01-01,frontline,organisation,passed,no\n"
    text += f"{second},男,1980-01-01,frontline,organisation,passed,no\n"
    before = full_dump(svc)
    with pytest.raises(BadRows) as e:
        svc.import_roster("东湖镇", "delegates", write(tmp_path, "d.csv", text))
    [problem] = e.value.problems
    assert problem.en.startswith("d.csv: line 3")
    assert "duplicate of line 2" in problem.en or "U+200B" in problem.en
    assert full_dump(svc) == before


def test_rows_are_stored_normalised(svc: Service, tmp_path: Path) -> None:
    text = HEADER + "Zoe\u0308,男,１９８０-01-01,frontline,organisation,passed,no\n"
    svc.import_roster("东湖镇", "delegates", write(tmp_path, "d.csv", text))
    [row] = svc.roster("东湖镇", "delegates")
    assert row["name"] == "Zoë" and len(row["name"]) == 3
    assert row["birth_date"].isoformat() == "1980-01-01"


def test_an_import_carries_its_rows_as_canonical_arrays(svc: Service, tmp_path: Path) -> None:
    """The event holds the column names once and each row as an array of its values,
    written exactly as the canonical JSON of the payload (what the hash covers, what an
    auditor's own json.dumps of the parsed payload gives): quotes, backslashes, lists,
    numbers, truth values and blanks included."""
    from workflow.ledger.chain import dump_payload

    team = (
        "name,gender,birth_date,post,body,term,years_in_post,rotated,exemption,reserve\n"
        '"王\\五 ""老王""",男,1975-02-03,"书记,兼""主任""",committee,outgoing,7,yes,,no\n'
        "李四,女,1990-12-31,委员,discipline,new,0,,回避\\规定,\n"
    )
    pledges = 'category,signatories,names,date,published_by\n1,2,张三;李"四",2021-05-02,meeting\n2,3,,2021-05-03,notice_board\n'
    svc.import_roster("东湖镇", "team", write(tmp_path, "team.csv", team))
    svc.import_roster("东湖镇", "pledges", write(tmp_path, "pledges.csv", pledges))
    events = [e for e in svc.history("东湖镇")[1] if e.kind == "import"]
    for ev, kind in zip(events, ("team", "pledges"), strict=True):
        payload = json.loads(ev.payload)
        assert dump_payload(payload) == ev.payload  # canonical as stored
        assert "lines" not in payload and payload["rows"] == 2
        assert payload["columns"] == [c.name for c in ROSTER_KINDS[kind].columns]
        assert all(isinstance(r, list) and len(r) == len(payload["columns"]) for r in payload["table"])
    team_rows = svc.roster("东湖镇", "team")
    assert team_rows[0]["name"] == '王\\五 "老王"' and team_rows[0]["post"] == '书记,兼"主任"'
    assert team_rows[0]["years_in_post"] == 7 and team_rows[0]["rotated"] is True
    assert (
        team_rows[1]["exemption"] == "回避\\规定" and team_rows[1]["birth_date"].isoformat() == "1990-12-31"
    )
    pledge_rows = svc.roster("东湖镇", "pledges")
    assert pledge_rows[0]["names"] == ["张三", '李"四"']
    assert svc.verify().ok


def test_the_older_one_object_a_line_form_reads_the_same(svc: Service, tmp_path: Path) -> None:
    """A roster carried one JSON object a line (the events of an earlier release) gives
    the same rows, stored lines and digest as the same roster carried as arrays."""
    from workflow.domain.rosters import StoredRoster
    from workflow.ledger.chain import dump_payload
    from workflow.ledger.projection import roster_digest

    svc.import_roster("东湖镇", "delegates", write(tmp_path, "d.csv", HEADER + rows(5)))
    ev = [e for e in svc.history("东湖镇")[1] if e.kind == "import"][-1]
    new = json.loads(ev.payload)
    lines = [json.dumps(dict(zip(new["columns"], r, strict=True)), ensure_ascii=False) for r in new["table"]]
    old = {k: v for k, v in new.items() if k not in ("columns", "table")} | {"lines": "\n".join(lines)}
    a = StoredRoster("delegates", None, ev.payload)
    b = StoredRoster("delegates", None, dump_payload(old))
    assert a.texts() == b.texts() == lines
    assert a.rows() == b.rows() and a.rows()[0]["birth_date"].isoformat() == "1980-01-01"
    assert roster_digest(a.texts()) == roster_digest(b.texts())
