"""Exports against hostile definitions and large selections: every spreadsheet text
cell escaped whatever its source, print set-up and real date-times in XLSX, the
report saying when a filter narrows the export, the Mermaid size limit, and the
state diagram's quoting."""

from __future__ import annotations

import csv
import io
import re
import zipfile
from pathlib import Path

import pytest

from tests.conftest import demo_service, make_service
from tests.test_definition import write_variant
from tests.test_export import export
from workflow.app.exporters import export_timeline
from workflow.app.service import Service
from workflow.errors import BadInput
from workflow.i18n import Lang


@pytest.fixture
def hostile(tmp_path: Path) -> Service:
    """A district whose definition names its first stage like a formula."""
    import datetime as dt

    path = write_variant(
        tmp_path, 'zh = "起草工作报告"\nen = "Draft the work report"', 'zh = "=1+1起草"\nen = "@SUM(1)Draft"'
    )
    svc = make_service(f"sqlite:///{tmp_path}/w.db", today=dt.date(2021, 6, 30))
    svc.init()
    svc.add_district("-区", str(path))
    svc.add_township("+镇", "-区", since="2021-04-11")
    return svc


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_stage_names_from_a_definition_are_escaped_in_csv(
    hostile: Service, tmp_path: Path, lang: Lang
) -> None:
    data = export(hostile, "csv", tmp_path / "t.csv", lang=lang).read_text(encoding="utf-8-sig")
    [row] = list(csv.DictReader(io.StringIO(data)))[0:1]
    stage = row["stage" if lang == "en" else "阶段"]
    assert stage == ("'@SUM(1)Draft" if lang == "en" else "'=1+1起草")
    assert row["district" if lang == "en" else "区"] == "'-区"
    assert row["township" if lang == "en" else "乡镇"] == "'+镇"


def test_no_cell_of_any_xlsx_sheet_is_a_formula(hostile: Service, tmp_path: Path) -> None:
    from openpyxl import load_workbook

    path = export(hostile, "xlsx", tmp_path / "t.xlsx", lang="zh")
    with zipfile.ZipFile(path) as z:
        sheets = [n for n in z.namelist() if n.startswith("xl/worksheets/sheet")]
        assert len(sheets) == 4
        for name in sheets:
            assert b"<f>" not in z.read(name), name
    book = load_workbook(path)
    texts = [
        c.value for ws in book.worksheets for row in ws.iter_rows() for c in row if isinstance(c.value, str)
    ]
    assert "'=1+1起草" in texts and "'-区" in texts
    assert not any(t[:1] in "=+-@" for t in texts)


def test_xlsx_prints_landscape_fitted_to_width_with_repeated_headers(svc: Service, tmp_path: Path) -> None:
    path = export(svc, "xlsx", tmp_path / "t.xlsx", lang="en")
    with zipfile.ZipFile(path) as z:
        book = z.read("xl/workbook.xml").decode()
        for name in (n for n in z.namelist() if n.startswith("xl/worksheets/sheet")):
            sheet = z.read(name).decode()
            assert re.search(r'<pageSetUpPr fitToPage="1"\s*/>', sheet), name
            setup = re.search(r"<pageSetup [^>]*>", sheet)
            assert setup is not None
            # ECMA-376 defaults an absent fitToWidth / fitToHeight to 1
            attrs = {"fitToWidth": "1", "fitToHeight": "1", **dict(re.findall(r'(\w+)="([^"]*)"', setup[0]))}
            assert attrs["orientation"] == "landscape" and attrs["paperSize"] == "9"
            assert attrs["fitToWidth"] == "1" and attrs["fitToHeight"] == "0"
    assert book.count("_xlnm.Print_Titles") == 4


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_every_header_fits_its_column(svc: Service, tmp_path: Path, lang: Lang) -> None:
    from openpyxl import load_workbook

    from workflow.app.exporters.common import display_width

    book = load_workbook(export(svc, "xlsx", tmp_path / "t.xlsx", lang=lang))
    for ws in book.worksheets:
        for cell in next(ws.iter_rows(max_row=1)):
            if isinstance(cell.value, str):
                width = ws.column_dimensions[cell.column_letter].width
                assert width >= display_width(cell.value), (ws.title, cell.value, width)


def test_recorded_at_is_a_real_date_time(svc: Service, tmp_path: Path) -> None:
    import datetime as dt

    from openpyxl import load_workbook

    book = load_workbook(export(svc, "xlsx", tmp_path / "t.xlsx", lang="en"))
    ws = book["Events"]
    header = [c.value for c in next(ws.iter_rows(max_row=1))]
    col = header.index("recorded at (UTC)")
    values = [r[col].value for r in ws.iter_rows(min_row=2, max_row=50)]
    assert values and all(isinstance(v, dt.datetime) for v in values)


def test_the_left_by_column_is_headed_for_what_it_holds(svc: Service, tmp_path: Path) -> None:
    data = export(svc, "csv", tmp_path / "t.csv", lang="en").read_text(encoding="utf-8-sig")
    header = next(csv.reader(io.StringIO(data)))
    assert "left by" in header and "advanced by" not in header
    data = export(svc, "csv", tmp_path / "z.csv", lang="zh").read_text(encoding="utf-8-sig")
    assert "离开操作人" in next(csv.reader(io.StringIO(data)))


@pytest.mark.parametrize("fmt", ["html", "xlsx"])
def test_a_narrowed_report_says_its_figures_are_the_whole_districts(
    svc: Service, tmp_path: Path, fmt: str
) -> None:
    from openpyxl import load_workbook

    def text_of(path: Path) -> str:
        if fmt == "html":
            return path.read_text(encoding="utf-8")
        ws = load_workbook(path)["District report"]
        return "\n".join(str(c.value) for row in ws.iter_rows() for c in row if c.value is not None)

    whole = text_of(export(svc, fmt, tmp_path / f"a.{fmt}", districts=["演示区"]))
    assert "the report figures below are for the whole district" not in whole
    narrowed = text_of(
        export(
            svc,
            fmt,
            tmp_path / f"b.{fmt}",
            districts=["演示区"],
            townships=["青山镇"],
            date_from="2026-11-01",
        )
    )
    assert "Filter (townships: 青山镇; period 2026-11-01 to …) applies to the timeline only" in narrowed
    assert "the report figures below are for the whole district" in narrowed


def test_the_html_print_stylesheet_forces_no_page_per_district(svc: Service, tmp_path: Path) -> None:
    html = export(svc, "html", tmp_path / "t.html").read_text(encoding="utf-8")
    style = html[html.index("<style>") : html.index("</style>")]
    assert "break-before: page" not in style and "page-break-before" not in style
    assert "@page { size: A4 landscape" in style


@pytest.fixture(scope="module")
def four_thousand(tmp_path_factory: pytest.TempPathFactory) -> str:
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from generate import generate

    url = f"sqlite:///{tmp_path_factory.mktemp('big')}/big.db"
    generate(url, 4000, quiet=True)
    return url


def test_mermaid_of_4000_townships_is_refused_clearly_not_silently(
    four_thousand: str, tmp_path: Path
) -> None:
    from workflow.store.db import open_engine

    svc = Service(open_engine(four_thousand), "bench")
    out = tmp_path / "big.mmd"
    with pytest.raises(BadInput) as e:
        export_timeline(svc, "mermaid", out)
    assert "longer than Mermaid renders (50000 characters" in e.value.text.en
    assert "--district" in e.value.text.en and "Mermaid 图超过其渲染上限" in e.value.text.zh
    assert not out.exists() and not list(tmp_path.iterdir())  # nothing half-written
    first = svc.districts()[0].name
    small = export(svc, "mermaid", tmp_path / "one.mmd", districts=[first]).read_text(encoding="utf-8")
    assert small.startswith("gantt\n") and len(small) <= 50_000


def test_mermaid_chart_of_the_demo_fits(demo_url: str, tmp_path: Path) -> None:
    text = export(demo_service(demo_url), "mermaid", tmp_path / "d.mmd").read_text(encoding="utf-8")
    assert text.startswith("gantt\n") and len(text) < 50_000


def test_the_state_diagram_quotes_stage_names(tmp_path: Path) -> None:
    from workflow.domain.definition import load
    from workflow.domain.diagram import mermaid

    path = write_variant(tmp_path, 'en = "Draft the work report"', 'en = "Draft the \\"big\\" report #1"')
    text = mermaid(load(path), "en")
    [line] = [x for x in text.splitlines() if x.strip().endswith("as draft_report")]
    assert line == '    state "1. Draft the #quot;big#quot; report #35;1" as draft_report'
    assert line.count('"') == 2


@pytest.fixture
def svc(demo_url: str) -> Service:
    return demo_service(demo_url)


@pytest.mark.skipif(
    not (__import__("shutil").which("soffice") or __import__("shutil").which("libreoffice")),
    reason="LibreOffice (soffice) is not installed",
)
def test_libreoffice_shows_formula_like_stage_names_as_text(hostile: Service, tmp_path: Path) -> None:
    from tests.test_export_consumers import _soffice_csv

    sheets = _soffice_csv(export(hostile, "xlsx", tmp_path / "t.xlsx", lang="zh"), tmp_path / "lo")
    cells = [c for rows in sheets.values() for row in rows for c in row]
    assert "'=1+1起草" in cells and "'-区" in cells
    assert not any(c.startswith(("#NAME", "Err:")) for c in cells)


def test_html_from_leaves_out_townships_completed_before_it(svc: Service, tmp_path: Path) -> None:
    # --from 2026-11-25 kept the seed's townships completed in May 2021 and drew their
    # milestones at 2026-11-25.
    html = export(svc, "html", tmp_path / "t.html", date_from="2026-11-25").read_text(encoding="utf-8")
    assert 'data-district="某区"' not in html
    milestones = re.findall(r'class="milestone" data-stage="[^"]+" data-entered="([^"]+)"', html)
    assert all(day >= "2026-11-25" for day in milestones)
