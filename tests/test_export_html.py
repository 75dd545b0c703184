"""The HTML Gantt chart in a real browser: headless Chromium, no network, shows one
bar per stage span and prints on A4 landscape. Skipped where Chromium is absent
(CI installs it with ``apt-get install -y chromium``)."""

from __future__ import annotations

import re
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import demo_service
from tests.test_export import check_bars, parse_html
from workflow.app.exporters import export_timeline

CHROMIUM = next((p for p in map(shutil.which, ("chromium", "chromium-browser", "google-chrome")) if p), None)
pytestmark = pytest.mark.skipif(CHROMIUM is None, reason="chromium is not installed")


def chromium(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None
    profile = tmp_path / "profile"
    profile.mkdir(exist_ok=True)
    return subprocess.run(
        [
            CHROMIUM,
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--no-first-run",
            "--disable-extensions",
            "--disable-sync",
            "--proxy-server=127.0.0.1:9",  # nothing may be fetched
            f"--user-data-dir={profile}",
            *args,
        ],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )


@pytest.fixture
def page(demo_url: str, tmp_path: Path) -> Path:
    out = tmp_path / "gantt.html"
    export_timeline(demo_service(demo_url), "html", out, lang="zh")
    return out


def test_chromium_renders_one_bar_per_stage_span(demo_url: str, page: Path, tmp_path: Path) -> None:
    dom = chromium(tmp_path, "--dump-dom", page.as_uri()).stdout
    assert "乡镇党委换届时间线" in dom
    check_bars(demo_service(demo_url), parse_html(dom))


def test_chromium_prints_it_on_a4_landscape(page: Path, tmp_path: Path) -> None:
    pdf = tmp_path / "gantt.pdf"
    chromium(tmp_path, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf.read_bytes())
    assert boxes
    for width, height in boxes:
        assert (round(float(width)), round(float(height))) == (842, 595)  # A4 landscape, points


def test_chromium_takes_a_screenshot(page: Path, tmp_path: Path) -> None:
    shot = tmp_path / "gantt.png"
    chromium(tmp_path, "--hide-scrollbars", "--window-size=1060,1400", f"--screenshot={shot}", page.as_uri())
    assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_4000_townships_print_without_half_empty_pages(tmp_path_factory: pytest.TempPathFactory) -> None:
    # Each district began a new page: 4,000 townships in 292 districts printed on 293
    # pages, most of each empty. Now the pages are filled: no more than a fifth over
    # the pages the rows themselves need.
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from generate import generate

    from workflow.app.service import Service
    from workflow.store.db import open_engine

    folder = tmp_path_factory.mktemp("print")
    url = f"sqlite:///{folder}/big.db"
    generate(url, 4000, quiet=True)
    page = folder / "big.html"
    export_timeline(Service(open_engine(url), "bench"), "html", page, lang="zh")
    html = page.read_text(encoding="utf-8")
    rows, districts = html.count('<div class="row township"'), html.count('<section class="district"')
    assert rows == 4000 and districts > 100
    pdf = folder / "big.pdf"
    chromium(folder, "--no-pdf-header-footer", f"--print-to-pdf={pdf}", page.as_uri())
    pages = len(re.findall(rb"/MediaBox", pdf.read_bytes()))
    # CSS pixels: a township row 26, a district's heading and axis about 65; an A4
    # landscape page with 8 mm margins holds 595 pt - 2 x 8 mm = 572 pt = 763 px.
    needed = (rows * 26 + districts * 65) / 763
    assert pages <= 1.2 * needed, (pages, needed)
