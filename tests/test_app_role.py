"""The database refuses rewrites: triggers on both backends (INSERT OR REPLACE, an insert
that is not the next of its chain, UPDATE, DELETE, TRUNCATE), and on PostgreSQL a
least-privilege application role that may not UPDATE, DELETE or TRUNCATE events."""

from __future__ import annotations

import uuid
from collections.abc import Iterator

import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from tests.conftest import PG_URL
from tests.test_audit import walk
from tests.test_checkpoint import run
from workflow.app.service import Service
from workflow.store.db import open_engine

COLS = "chain, seq, township_id, kind, from_stage, to_stage, actor, recorded_at, effective_date, note, payload, prev_hash, hash"


def refused(svc: Service, stmt: str) -> str:
    with pytest.raises(DBAPIError) as e, svc.engine.begin() as conn:
        conn.execute(text(stmt))
    return str(e.value)


def count(svc: Service) -> int:
    with svc.engine.connect() as conn:
        return int(conn.execute(text("SELECT count(*) FROM event")).scalar_one())


def test_insert_or_replace_of_an_event_is_refused(svc: Service) -> None:
    walk(svc)
    before = count(svc)
    if svc.engine.dialect.name == "sqlite":
        stmts = [
            # the same (chain, seq) with other content: REPLACE would delete the old row silently
            f"INSERT OR REPLACE INTO event ({COLS}) SELECT chain, seq, township_id, kind, from_stage, to_stage, "
            "'mallory', recorded_at, effective_date, '区委已批准', payload, prev_hash, hash FROM event WHERE seq = 2 "
            "AND chain <> 'system'",
            # the id of an existing event, as a valid-looking next event of another chain
            f"INSERT OR REPLACE INTO event (id, {COLS}) SELECT id, 'x', 1, NULL, 'k', NULL, NULL, 'm', 'r', "
            "effective_date, '', '{}', '"
            + "0" * 64
            + "', '"
            + "1" * 64
            + "' FROM event WHERE seq = 2 AND chain <> 'system'",
        ]
    else:
        stmts = [
            f"INSERT INTO event (id, {COLS}) SELECT id, {COLS} FROM event WHERE seq = 2 AND chain <> 'system' "
            "ON CONFLICT (id) DO UPDATE SET note = '区委已批准'",
            f"INSERT INTO event ({COLS}) SELECT {COLS} FROM event WHERE seq = 2 AND chain <> 'system' "
            "ON CONFLICT (chain, seq) DO UPDATE SET note = '区委已批准'",
        ]
    for stmt in stmts:
        assert "append-only" in refused(svc, stmt)
    assert count(svc) == before
    assert svc.verify().ok


@pytest.mark.parametrize(
    ("seq", "prev"),
    [("seq", "prev_hash"), ("seq + 2", "hash"), ("seq + 1", "prev_hash"), ("1", "'" + "0" * 64 + "'")],
    ids=["repeated seq", "skipped seq", "wrong prev_hash", "second genesis"],
)
def test_an_insert_that_is_not_the_next_of_its_chain_is_refused(svc: Service, seq: str, prev: str) -> None:
    walk(svc)
    stmt = (
        f"INSERT INTO event ({COLS}) SELECT chain, {seq}, township_id, kind, from_stage, to_stage, actor, "
        f"recorded_at, effective_date, note, payload, {prev}, hash FROM event "
        "WHERE chain <> 'system' ORDER BY seq DESC LIMIT 1"
    )
    assert "append-only" in refused(svc, stmt)


def test_update_delete_and_truncate_of_events_are_refused(svc: Service) -> None:
    walk(svc)
    for stmt in ("UPDATE event SET note = 'x'", "DELETE FROM event WHERE seq > 3"):
        assert "append-only" in refused(svc, stmt)
    if svc.engine.dialect.name == "postgresql":
        assert "append-only" in refused(svc, "TRUNCATE event")
    assert svc.verify().ok and len(svc.history("东湖镇")[1]) == 5


def test_app_role_on_sqlite_says_it_is_for_postgresql(
    svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    if svc.engine.dialect.name != "sqlite":
        pytest.skip("SQLite only")
    code, out = run(svc, capsys, "db", "app-role", "wf_app", "--print")
    assert code == 2 and "PostgreSQL only" in out


@pytest.fixture
def pg_svc(svc: Service) -> Service:
    if svc.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL only")
    return svc


@pytest.fixture
def role(pg_svc: Service) -> Iterator[str]:
    """A unique role name, dropped (with its privileges) afterwards."""
    name = "wf_app_" + uuid.uuid4().hex[:10]
    yield name
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        if conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": name}).first():
            conn.execute(text(f"DROP OWNED BY {name}"))
            conn.execute(text(f"DROP ROLE {name}"))
    admin.dispose()


def as_role(svc: Service, name: str) -> str:
    return (
        make_url(svc.engine.url.render_as_string(hide_password=False))
        .set(username=name, password=None)
        .render_as_string(hide_password=False)
    )


def test_print_shows_the_grants_without_creating_the_role(
    pg_svc: Service, role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(pg_svc, capsys, "db", "app-role", role, "--print")
    assert code == 0
    event_grants = [line for line in out.splitlines() if '."event"' in line and line.startswith("GRANT")]
    assert event_grants == [line for line in event_grants if "GRANT SELECT, INSERT ON" in line] != []
    with pg_svc.engine.connect() as conn:
        assert conn.execute(text("SELECT 1 FROM pg_roles WHERE rolname = :n"), {"n": role}).first() is None


def test_the_app_role_works_but_cannot_update_delete_or_truncate_events(
    pg_svc: Service, role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    walk(pg_svc)
    code, out = run(pg_svc, capsys, "db", "app-role", role)
    assert code == 0 and f"role {role} created" in out
    app = Service(open_engine(as_role(pg_svc, role)), "admin", today=pg_svc.today)
    try:
        # the application does its work as the role
        app.open_violation("东湖镇", "群众来信")
        app.resolve_violation(1, "已查清")
        app.add_township("西山镇", "某区")
        assert app.verify().ok
        with app.engine.connect() as conn:
            for stmt in ("UPDATE event SET note = 'x'", "DELETE FROM event", "TRUNCATE event"):
                with pytest.raises(DBAPIError) as e:
                    conn.execute(text(stmt))
                assert "permission denied" in str(e.value)
                conn.rollback()
            with pytest.raises(DBAPIError) as e:
                conn.execute(text("DROP TRIGGER event_append_only ON event"))
            assert "must be owner" in str(e.value)
    finally:
        app.engine.dispose()
    assert pg_svc.verify().ok and len(pg_svc.history("东湖镇")[1]) == 7


def test_a_bad_role_name_is_refused(pg_svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    code, out = run(pg_svc, capsys, "db", "app-role", "app; DROP TABLE event")
    assert code == 2 and "invalid role name" in out


def test_only_admins_create_the_app_role(
    pg_svc: Service, role: str, capsys: pytest.CaptureFixture[str]
) -> None:
    pg_svc.add_user("王审计", "auditor")
    assert run(pg_svc, capsys, "db", "app-role", role, user="王审计")[0] == 4
