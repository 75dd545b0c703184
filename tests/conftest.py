"""Shared fixtures: a database per test on SQLite, and on PostgreSQL when
WORKFLOW_TEST_PG_URL is set (each test gets its own schema, dropped afterwards)."""

from __future__ import annotations

import datetime as dt
import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from urllib.parse import quote

import pytest
from sqlalchemy import create_engine, text

from workflow.app.auth import CONFIG_ENV
from workflow.app.service import Service
from workflow.store.db import open_engine

PG_URL = os.environ.get("WORKFLOW_TEST_PG_URL", "")
TODAY = dt.date(2021, 6, 30)
BACKENDS = ["sqlite", "postgres"]


def pg_schema_url(schema: str) -> str:
    base = PG_URL.replace("postgresql://", "postgresql+psycopg://", 1)
    sep = "&" if "?" in base else "?"
    return f"{base}{sep}options={quote(f'-csearch_path={schema}')}"


@pytest.fixture(autouse=True)
def private_config(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> Path:
    """Each test's own witness state, signing keys and session tokens (never the real
    user's dirs), and no identity variable of the machine running the tests."""
    monkeypatch.setenv("WORKFLOW_DATA_DIR", str(tmp_path_factory.mktemp("data")))
    folder = tmp_path_factory.mktemp("config")
    monkeypatch.setenv(CONFIG_ENV, str(folder))
    for name in ("WORKFLOW_USER", "WORKFLOW_DB"):
        monkeypatch.delenv(name, raising=False)
    return folder


def sign_in(url: str, name: str) -> None:
    """Give this machine (the test's private config directory) a session for ``name``
    on ``url``, as ``workflow login`` does after a correct password; kept if it already
    has a valid one for that user."""
    from workflow.app import auth
    from workflow.errors import NotPermitted
    from workflow.store.db import schema_revision
    from workflow.store.migrate import HEAD

    engine = open_engine(url)
    try:
        if schema_revision(engine) != HEAD:  # nothing to sign in to (yet)
            return
        try:
            if auth.current_session(engine).user == name:
                return
        except NotPermitted:
            pass
        auth.sign_in(engine, name, "", without_password=True)
    finally:
        engine.dispose()


@pytest.fixture(params=BACKENDS)
def db_url(request: pytest.FixtureRequest, tmp_path: object) -> Iterator[str]:
    """A fresh, empty database URL on each backend."""
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path}/workflow.db"
        return
    if not PG_URL:
        pytest.skip("WORKFLOW_TEST_PG_URL is not set")
    schema = "wf_test_" + uuid.uuid4().hex[:12]
    admin = create_engine(PG_URL.replace("postgresql://", "postgresql+psycopg://", 1))
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    try:
        yield pg_schema_url(schema)
    finally:
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        admin.dispose()


@pytest.fixture
def sqlite_url(tmp_path: object) -> str:
    return f"sqlite:///{tmp_path}/workflow.db"


def make_service(url: str, actor: str = "admin", today: dt.date = TODAY) -> Service:
    return Service(open_engine(url), actor, today=lambda: today)


@pytest.fixture
def svc(db_url: str) -> Iterator[Service]:
    """An initialised database with district 某区 and township 东湖镇, acting as admin."""
    s = make_service(db_url)
    s.init()
    s.add_district("某区")
    s.add_township("东湖镇", "某区")
    yield s
    s.engine.dispose()


FROZEN_TODAY = dt.date(2026, 11, 26)


class FakeClock:
    """A deterministic UTC clock: one second later at each call."""

    def __init__(self, start: dt.datetime = dt.datetime(2026, 11, 26, 1, 0, 0)) -> None:
        self.now = start

    def __call__(self) -> str:
        self.now += dt.timedelta(seconds=1)
        return self.now.isoformat(timespec="microseconds") + "Z"


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A SQLite file holding the demo data, built once per test session with a frozen
    today (2026-11-26) and clock; admin user 'admin'."""
    from workflow.app.demo import build_demo

    path = tmp_path_factory.mktemp("demo") / "demo.db"
    svc = Service(open_engine(f"sqlite:///{path}"), "admin", today=lambda: FROZEN_TODAY, clock=FakeClock())
    build_demo(svc)
    svc.engine.dispose()
    return str(path)


@pytest.fixture
def demo_url(demo_template: str, tmp_path: object) -> str:
    """A private copy of the demo database, with its documents, for one test."""
    target = f"{tmp_path}/demo.db"
    copy_database(demo_template, target)
    return f"sqlite:///{target}"


def copy_database(source: str, target: str) -> None:
    """A SQLite database file and the documents folder beside it."""
    import shutil

    from workflow.store.documents import folder_of

    shutil.copy(source, target)
    if folder_of(source).is_dir():
        shutil.copytree(folder_of(source), folder_of(target))


def attach_evidence(svc: Service, township: str, fact: str, note: str = "") -> None:
    """Attach a generated one-page PDF to ``fact`` (the default definition asks for
    one for the review, the publicity and the standing committee vote)."""
    import tempfile

    from workflow.app.demo_documents import minimal_pdf

    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"{fact}.pdf"
        path.write_bytes(minimal_pdf(f"{township} {fact}", [f"test document: {township} {fact}"]))
        svc.attach(township, fact, path, note=note)


def demo_service(url: str, actor: str = "admin") -> Service:
    return Service(open_engine(url), actor, today=lambda: FROZEN_TODAY, clock=FakeClock())
