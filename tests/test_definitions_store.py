"""The process definition comes from the database: ``--definition`` and
``WORKFLOW_DEFINITION`` change no township's rules, a district's recorded text does."""

from __future__ import annotations

import io
import json
import re
import sys
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import make_service, sign_in
from workflow.cli.main import main
from workflow.store import migrate
from workflow.store.db import open_engine

SHIPPED = (Path(__file__).parent.parent / "states" / "township_election.toml").read_text(encoding="utf-8")


def no_gates() -> str:
    """The shipped definition with every exit check removed."""
    return re.sub(r"\[\[stages\.checks\]\]\n(?:[^\n]+\n)*\n?", "", SHIPPED)


def relaxed() -> str:
    """The shipped definition with two parameters changed."""
    return SHIPPED.replace("deadline_days = 10", "deadline_days = 20", 1).replace(
        'field = "forms_issued", min = 1 }', 'field = "forms_issued", min = 5 }', 1
    )


def run(url: str, capsys: pytest.CaptureFixture[str], *args: str, user: str = "admin") -> tuple[int, str]:
    if "init" in args:  # the first admin, with a password from standard input
        args = (*args, "--admin", user, "--password-stdin")
        sys.stdin = io.StringIO("a-long-enough-password\n")
    else:
        sign_in(url, user)
    code = main(["--db", url, "--lang", "en", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def stage(url: str, capsys: pytest.CaptureFixture[str], town: str = "东湖镇") -> str:
    code, out = run(url, capsys, "status", town, "--json")
    assert code == 0, out
    return str(json.loads(out)["stage"])


@pytest.fixture
def url(db_url: str, capsys: pytest.CaptureFixture[str]) -> str:
    """An initialised database: district 某区, township 东湖镇, coordinator 李协调 on it."""
    for args in (
        ("init",),
        ("district", "add", "某区"),
        ("township", "add", "东湖镇", "--district", "某区"),
        ("user", "add", "李协调", "--role", "coordinator", "--township", "东湖镇"),
    ):
        code, out = run(db_url, capsys, *args)
        assert code == 0, out
    return db_url


def last_system_event(url: str) -> tuple[str, dict[str, object]]:
    engine = open_engine(url)
    try:
        with engine.connect() as conn:
            kind, payload = conn.execute(
                text("SELECT kind, payload FROM event WHERE chain = 'system' ORDER BY seq DESC LIMIT 1")
            ).one()
        return str(kind), json.loads(payload)
    finally:
        engine.dispose()


@pytest.mark.parametrize("user", ["admin", "李协调"])
def test_definition_option_does_not_lift_the_gates(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, user: str
) -> None:
    nogates = tmp_path / "nogates.toml"
    nogates.write_text(no_gates(), encoding="utf-8")
    code, out = run(url, capsys, "--definition", str(nogates), "advance", "东湖镇", user=user)
    assert code == 3 and "draft_recorded" in out
    monkeypatch.setenv("WORKFLOW_DEFINITION", str(nogates))
    code, out = run(url, capsys, "advance", "东湖镇", user=user)
    assert code == 3 and "draft_recorded" in out
    assert stage(url, capsys) == "draft_report"


def test_swapping_the_file_after_district_add_changes_nothing(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "own.toml"
    own.write_text(relaxed(), encoding="utf-8")
    assert run(url, capsys, "district", "add", "试点区", "--definition", str(own))[0] == 0
    assert run(url, capsys, "township", "add", "西山镇", "--district", "试点区")[0] == 0
    own.write_text(no_gates(), encoding="utf-8")  # swapped on disk
    code, out = run(url, capsys, "advance", "西山镇")
    assert code == 3 and "draft_recorded" in out
    own.unlink()  # and gone: the recorded text still rules
    code, out = run(url, capsys, "status", "西山镇", "--json")
    assert code == 0 and json.loads(out)["stage"] == "draft_report"


def test_set_definition_by_an_admin_is_an_event_naming_the_changed_parameters(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "relaxed.toml"
    new.write_text(relaxed(), encoding="utf-8")
    code, out = run(url, capsys, "district", "set-definition", "某区", str(new))
    assert code == 0 and "2 parameter(s) changed" in out
    kind, payload = last_system_event(url)
    assert kind == "district_definition" and payload["district"] == "某区"
    changed = {c["parameter"]: (c["old"], c["new"]) for c in payload["changed"]}  # type: ignore[attr-defined]
    assert changed == {
        "stages[draft_report].deadline_days": (10, 20),
        "stages[lower_consultation].checks[opinion_forms_issued].params.min": (1, 5),
    }
    assert payload["definition_text"] == relaxed()
    assert run(url, capsys, "audit", "verify")[0] == 0
    # the recorded text is what the district now runs on
    nogates = tmp_path / "nogates.toml"
    nogates.write_text(no_gates(), encoding="utf-8")
    assert run(url, capsys, "district", "set-definition", "某区", str(nogates))[0] == 0
    code, out = run(url, capsys, "advance", "东湖镇")
    assert code == 0, out
    assert stage(url, capsys) == "lower_consultation"


def test_set_definition_by_anyone_else_exits_4_and_changes_nothing(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    nogates = tmp_path / "nogates.toml"
    nogates.write_text(no_gates(), encoding="utf-8")
    sign_in(url, "李协调")  # signing in is an event too: before the one that must change nothing
    before = last_system_event(url)
    code, out = run(url, capsys, "district", "set-definition", "某区", str(nogates), user="李协调")
    assert code == 4 and "admins only" in out
    assert last_system_event(url) == before
    assert run(url, capsys, "advance", "东湖镇")[0] == 3


def test_set_definition_refuses_one_that_strands_a_township(
    url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    renamed = tmp_path / "renamed.toml"
    renamed.write_text(SHIPPED.replace('"draft_report"', '"drafting"'), encoding="utf-8")
    code, out = run(url, capsys, "district", "set-definition", "某区", str(renamed))
    assert code == 2 and "东湖镇 (draft_report)" in out


def test_definition_check_prints_a_summary_and_names_a_bad_file(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    good = tmp_path / "good.toml"
    good.write_text(SHIPPED, encoding="utf-8")
    code, out = run(str(tmp_path / "none.db"), capsys, "definition", "check", str(good))
    assert code == 0 and "definition is valid" in out and "stages (9)" in out
    bad = tmp_path / "bad.toml"
    bad.write_text(SHIPPED.replace("deadline_days = 10", "deadline_days = ten", 1), encoding="utf-8")
    code, out = run(str(tmp_path / "none.db"), capsys, "definition", "check", str(bad))
    assert code == 2 and "bad.toml" in out
    assert not (tmp_path / "none.db").exists()


def test_upgrade_records_the_text_of_existing_districts(
    db_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A database made before definitions were recorded: a district on a file and one on
    the default get their text recorded on the system chain by ``db upgrade``."""
    own = tmp_path / "own.toml"
    own.write_text(relaxed(), encoding="utf-8")
    svc = make_service(db_url)
    svc.init()
    svc.add_district("某区")
    svc.add_district("试点区", str(own))
    svc.add_township("西山镇", "试点区")
    migrate.downgrade(svc.engine, "0003")  # the schema as the last release had it
    assert migrate.current(svc.engine) == "0003"
    assert run(db_url, capsys, "db", "upgrade")[0] == 0
    own.write_text(no_gates(), encoding="utf-8")  # after the upgrade the file no longer counts
    with svc.engine.connect() as conn:
        rows = conn.execute(
            text(
                "SELECT d.name, t.text FROM district d JOIN districtdefinition dd ON dd.district_id = d.id "
                "JOIN definitiontext t ON t.sha256 = dd.sha256 ORDER BY d.name"
            )
        ).all()
        kinds = [
            k for (k,) in conn.execute(text("SELECT kind FROM event WHERE chain = 'system' ORDER BY seq"))
        ]
    assert dict(rows) == {"某区": SHIPPED, "试点区": relaxed()}
    assert kinds.count("district_definition") == 2  # then each admin's set-up code (user_reset)
    assert run(db_url, capsys, "audit", "verify")[0] == 0
    assert run(db_url, capsys, "advance", "西山镇")[0] == 3
    svc.engine.dispose()


def test_init_with_a_definition_records_it_for_new_districts(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    own = tmp_path / "own.toml"
    own.write_text(relaxed(), encoding="utf-8")
    url = f"sqlite:///{tmp_path}/w.db"
    code, out = run(url, capsys, "--definition", str(own), "init")
    assert code == 0 and "default definition for new districts" in out
    kind, payload = last_system_event(url)
    assert kind == "default_definition" and payload["definition_text"] == relaxed()
    own.unlink()  # recorded: the file is no longer needed
    assert run(url, capsys, "district", "add", "某区")[0] == 0
    kind, payload = last_system_event(url)
    assert kind == "district_add" and payload["definition_text"] == relaxed()
