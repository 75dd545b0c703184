"""The ``workflow export`` commands: every format for the whole database and for one
district, standard output, bad input refused before anything is written, the
auditors' history export, and an export that never changes the database."""

from __future__ import annotations

import csv
import hashlib
import io
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.conftest import demo_service, sign_in
from tests.test_export import expected_spans
from workflow.app.exporters import FORMATS, export_history, export_timeline, plan_timeline
from workflow.cli.main import main
from workflow.errors import BadInput

FROZEN: list[str] = []


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def outdir(tmp_path: Path) -> Path:
    """An empty folder for outputs (the demo database lives in ``tmp_path``)."""
    out = tmp_path / "out"
    out.mkdir()
    return out


def run(db: str, *args: str) -> int:
    sign_in(db, "admin")
    return main(["--db", db, *FROZEN, *args])


def db_path(url: str) -> str:
    return url.removeprefix("sqlite:///")


@pytest.mark.parametrize("fmt", sorted(FORMATS))
@pytest.mark.parametrize("district", [None, "某区"])
def test_every_format_is_written_for_the_database_and_for_a_district(
    demo_url: str, tmp_path: Path, fmt: str, district: str | None
) -> None:
    out = tmp_path / f"t.{fmt}"
    args = ["export", "timeline", "--format", fmt, "-o", str(out)]
    if district:
        args += ["--district", district]
    assert run(db_path(demo_url), *args) == 0
    assert out.stat().st_size > 0
    assert not [p for p in tmp_path.iterdir() if p.name.endswith(".part")]
    assert oct(out.stat().st_mode & 0o777) == oct(0o666 & ~_umask())


def test_dash_writes_to_standard_output(demo_url: str, capfd: pytest.CaptureFixture[str]) -> None:
    assert (
        run(db_path(demo_url), "export", "timeline", "--format", "json", "-o", "-", "--district", "演示区")
        == 0
    )
    data = json.loads(capfd.readouterr().out)
    assert data["schema"] == 1 and len(data["townships"]) == 6


def test_lang_after_the_command_sets_the_headers(demo_url: str, capfd: pytest.CaptureFixture[str]) -> None:
    assert run(db_path(demo_url), "export", "timeline", "-f", "csv", "-o", "-", "--lang", "zh") == 0
    assert capfd.readouterr().out.lstrip("\ufeff").startswith("区,乡镇,乡镇编号")


@pytest.mark.parametrize(
    "args",
    [
        ["--format", "pdf"],
        ["--format", "csv", "--district", "无此区"],
        ["--format", "csv", "--township", "无此镇"],
        ["--format", "csv", "--district", "某区", "--township", "柳河镇"],
        ["--format", "csv", "--from", "2021-13-01"],
        ["--format", "csv", "--to", "yesterday"],
        ["--format", "csv", "--from", "2021-05-01", "--to", "2021-04-01"],
        ["--format", "csv", "--lang", "fr"],
    ],
)
def test_bad_input_exits_2_and_writes_nothing(
    demo_url: str, tmp_path: Path, args: list[str], capfd: pytest.CaptureFixture[str]
) -> None:
    folder = outdir(tmp_path)
    out = folder / "t.out"
    assert run(db_path(demo_url), "export", "timeline", *args, "-o", str(out)) == 2
    assert list(folder.iterdir()) == []
    assert capfd.readouterr().err.strip()


def test_an_unwritable_path_is_refused_up_front(demo_url: str, tmp_path: Path) -> None:
    svc = demo_service(demo_url)
    with pytest.raises(BadInput, match="does not exist"):
        export_timeline(svc, "csv", tmp_path / "missing" / "t.csv")
    with pytest.raises(BadInput, match="folder"):
        export_timeline(svc, "csv", tmp_path)
    if os.geteuid() != 0:  # root may write anywhere
        locked = tmp_path / "locked"
        locked.mkdir(mode=0o500)
        with pytest.raises(BadInput, match="cannot write"):
            export_timeline(svc, "csv", locked / "t.csv")


def test_a_failed_export_leaves_no_file(
    demo_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from workflow.app.exporters import csv_format

    def broken(*_args: object) -> int:
        raise RuntimeError("disk full")

    monkeypatch.setattr(csv_format, "write_timeline", broken)
    folder = outdir(tmp_path)
    with pytest.raises(RuntimeError):
        export_timeline(demo_service(demo_url), "csv", folder / "t.csv")
    assert list(folder.iterdir()) == []


def test_messages_are_in_both_languages(demo_url: str) -> None:
    svc = demo_service(demo_url)
    with pytest.raises(BadInput) as e:
        plan_timeline(svc, "csv", date_from="2021-05-01", date_to="2021-04-01")
    assert "晚于" in e.value.text.zh and "after" in e.value.text.en


def test_townships_are_named_within_the_chosen_district(demo_url: str) -> None:
    svc = demo_service(demo_url)
    plan = plan_timeline(svc, "csv", districts=["演示区"], townships=["柳河镇", "石桥镇"])
    assert plan.township_count == 2 and [s.name for s in plan.scopes] == ["演示区"]


def test_an_unknown_user_may_not_export(demo_url: str, tmp_path: Path) -> None:
    from workflow.errors import NotPermitted

    svc = demo_service(demo_url, actor="nobody")
    folder = outdir(tmp_path)
    with pytest.raises(NotPermitted):
        export_timeline(svc, "csv", folder / "t.csv")
    assert list(folder.iterdir()) == []


def test_an_auditor_may_export(demo_url: str, tmp_path: Path) -> None:
    summary = export_timeline(demo_service(demo_url, actor="王审计"), "csv", tmp_path / "t.csv")
    assert summary.townships == 16 and summary.rows > 16


def _fingerprint(url: str) -> str:
    svc = demo_service(url)
    h = hashlib.sha256()
    with svc.engine.connect() as conn:
        for table in ("event", "township", "fact", "roster", "waiver", "violation", "user"):
            for row in conn.exec_driver_sql(f'SELECT * FROM "{table}" ORDER BY 1'):
                h.update(repr(tuple(row)).encode())
    svc.engine.dispose()
    return h.hexdigest()


def test_an_export_never_changes_the_database(demo_url: str, tmp_path: Path) -> None:
    before = _fingerprint(demo_url)
    svc = demo_service(demo_url)
    for fmt in FORMATS:
        export_timeline(svc, fmt, tmp_path / f"t.{fmt}")
    export_history(svc, "柳河镇", "json", tmp_path / "h.json")
    svc.engine.dispose()
    assert _fingerprint(demo_url) == before


def test_progress_is_reported_per_township(demo_url: str, tmp_path: Path) -> None:
    seen: list[tuple[int, int]] = []
    export_timeline(
        demo_service(demo_url),
        "csv",
        tmp_path / "t.csv",
        districts=["演示区"],
        progress=lambda *a: seen.append(a),
    )
    assert seen == [(n, 6) for n in range(1, 7)]


# ---------------------------------------------------------------- history


def test_history_json_holds_the_events_that_workflow_history_shows(
    demo_url: str, capfd: pytest.CaptureFixture[str]
) -> None:
    db = db_path(demo_url)
    assert run(db, "history", "柳河镇", "--json") == 0
    shown = json.loads(capfd.readouterr().out)
    assert run(db, "export", "history", "柳河镇", "--format", "json") == 0
    exported = json.loads(capfd.readouterr().out)
    assert exported["schema"] == 1 and exported["kind"] == "history"
    assert exported["township"] == "柳河镇" and exported["district"] == "演示区"
    assert exported["chain_verifies"] is True and exported["problem"] is None
    assert exported["events"] == shown


def test_history_csv_has_one_row_per_event_with_hashes(demo_url: str, tmp_path: Path) -> None:
    svc = demo_service(demo_url)
    out = tmp_path / "h.csv"
    assert (
        run(db_path(demo_url), "--lang", "en", "export", "history", "石桥镇", "-f", "csv", "-o", str(out))
        == 0
    )
    rows = list(csv.DictReader(io.StringIO(out.read_bytes().decode("utf-8-sig"))))
    _town, events, _ = svc.history("石桥镇")
    assert [r["seq"] for r in rows] == [str(e.seq) for e in events]
    assert [r["hash"] for r in rows] == [e.hash for e in events]
    waive = next(r for r in rows if r["kind"] == "waive")
    assert json.loads(waive["payload"])["check"] == "delegate_seats"
    assert waive["effective date"] == next(e for e in events if e.kind == "waive").effective_date.isoformat()


def test_history_refuses_a_timeline_only_format(demo_url: str, tmp_path: Path) -> None:
    folder = outdir(tmp_path)
    assert run(db_path(demo_url), "export", "history", "柳河镇", "-f", "ics", "-o", str(folder / "h")) == 2
    assert list(folder.iterdir()) == []


# ---------------------------------------------------------------- imports


def test_the_export_command_does_not_import_textual_or_unneeded_libraries(
    demo_url: str, tmp_path: Path
) -> None:
    sign_in(demo_url, "admin")
    code = (
        "import sys\n"
        "from workflow.cli.main import main\n"
        f"rc = main(['--db', {db_path(demo_url)!r}, 'export', 'timeline', '-f', 'csv', "
        f"'-o', {str(tmp_path / 't.csv')!r}])\n"
        "bad = [m for m in ('textual', 'openpyxl', 'icalendar', 'rich') if m in sys.modules]\n"
        "print(rc, bad)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip().splitlines()[-1] == "0 []"


def test_whole_database_export_matches_history_for_every_township(demo_url: str, tmp_path: Path) -> None:
    svc = demo_service(demo_url)
    out = tmp_path / "t.json"
    assert run(db_path(demo_url), "export", "timeline", "-f", "json", "-o", str(out)) == 0
    data = json.loads(out.read_text(encoding="utf-8"))
    expected = expected_spans(svc)
    assert {(t["district"], t["township"]): len(t["spans"]) for t in data["townships"]} == {
        k: len(v) for k, v in expected.items()
    }


def test_export_to_a_device_writes_through_it_and_never_replaces_it() -> None:
    """-o /dev/null must write to the device, not rename a temporary file over it."""
    import stat

    from workflow.app.exporters.common import open_output

    with open_output("/dev/null") as out:
        out.write(b"timeline")
    assert stat.S_ISCHR(os.stat("/dev/null").st_mode)
