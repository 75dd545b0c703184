"""Schema migrations (Alembic) and backups."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import inspect

from tests.conftest import make_service, sign_in
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.errors import BadInput
from workflow.store import migrate


def test_head_constant_matches_the_scripts() -> None:
    assert migrate.script_head() == migrate.HEAD


def test_init_stamps_the_newest_revision(db_url: str) -> None:
    svc = make_service(db_url)
    svc.init()
    assert migrate.current(svc.engine) == migrate.HEAD
    svc.engine.dispose()


def test_upgrade_a_database_made_by_the_first_revision(
    db_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    svc = make_service(db_url)
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区")
    svc.record("东湖镇", "draft", {"title": "报告", "date": "2021-04-12"})
    svc.advance("东湖镇", on="2021-04-13")
    migrate.downgrade(svc.engine, "0001")  # the data as the first schema revision holds it
    assert migrate.current(svc.engine) == "0001"
    assert "head_hash" not in {c["name"] for c in inspect(svc.engine.sa).get_columns("township")}
    assert "ix_event_township_date" not in {i["name"] for i in inspect(svc.engine.sa).get_indexes("event")}
    stale = make_service(db_url)
    with pytest.raises(BadInput) as e:
        stale.status("东湖镇")
    assert "revision 0001" in e.value.text.en and "workflow db upgrade" in e.value.text.en
    url = svc.engine.url.render_as_string(hide_password=False)
    assert main(["--db", url, "db", "upgrade"]) == 0
    assert f"0001 -> {migrate.HEAD}" in capsys.readouterr().out
    assert migrate.current(svc.engine) == migrate.HEAD
    assert "ix_event_township_date" in {i["name"] for i in inspect(svc.engine.sa).get_indexes("event")}
    fresh = make_service(db_url)
    assert fresh.status("东湖镇").stage == "lower_consultation"
    sign_in(url, "admin")
    assert main(["--db", url, "audit", "verify"]) == 0
    fresh.record(
        "东湖镇", "consultation", {"forms_issued": "10", "suggestions": "1", "meeting_date": "2021-04-14"}
    )
    assert fresh.verify().ok  # the backfilled head links the next event
    svc.engine.dispose()


def test_backup_restores_to_a_database_that_verifies(sqlite_url: str, tmp_path: Path) -> None:
    svc = make_service(sqlite_url)
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区")
    svc.record("东湖镇", "draft", {"title": "报告", "date": "2021-04-12"})
    svc.advance("东湖镇", on="2021-04-13")
    target = tmp_path / "copy.db"
    assert svc.backup(target) > 0
    restored = make_service(f"sqlite:///{target}")
    assert restored.verify().ok
    assert [e.hash for e in restored.history("东湖镇")[1]] == [e.hash for e in svc.history("东湖镇")[1]]
    with pytest.raises(BadInput):
        svc.backup(target)  # never overwrites


def test_backup_of_postgresql_points_to_pg_dump(svc: Service, tmp_path: Path) -> None:
    if svc.engine.dialect.name == "sqlite":
        pytest.skip("PostgreSQL only")
    with pytest.raises(BadInput) as e:
        svc.backup(tmp_path / "x.db")
    assert "pg_dump" in e.value.text.en
