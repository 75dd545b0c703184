"""Tamper evidence: the triggers refuse changes; verify names every kind of tampering."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.exc import DBAPIError

from tests.conftest import make_service, sign_in
from workflow.app.service import Service
from workflow.cli.main import main


def walk(svc: Service) -> None:
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-04-12"})
    svc.advance("东湖镇", on="2021-04-13")
    svc.record(
        "东湖镇", "consultation", {"forms_issued": "160", "suggestions": "5", "meeting_date": "2021-04-15"}
    )
    svc.advance("东湖镇", on="2021-04-16", note="按期推进")


def drop_triggers(svc: Service) -> None:
    with svc.engine.begin() as conn:
        if svc.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER event_no_update"))
            conn.execute(text("DROP TRIGGER event_no_delete"))
            conn.execute(text("DROP TRIGGER event_insert_next"))
        else:
            conn.execute(text("DROP TRIGGER event_append_only ON event"))
            conn.execute(text("DROP TRIGGER event_insert_next ON event"))


def event_ids(svc: Service) -> list[int]:
    with svc.engine.connect() as conn:
        return [r[0] for r in conn.execute(text("SELECT id FROM event WHERE chain <> 'system' ORDER BY id"))]


def cli_verify(svc: Service, capsys: pytest.CaptureFixture[str]) -> tuple[int, str]:
    url = svc.engine.url.render_as_string(hide_password=False)
    sign_in(url, "admin")
    code = main(["--db", url, "--lang", "en", "audit", "verify"])
    out = capsys.readouterr()
    return code, out.out + out.err


def test_intact_log_verifies(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    walk(svc)
    code, out = cli_verify(svc, capsys)
    assert code == 0 and "audit log intact" in out


def test_triggers_refuse_update_and_delete(svc: Service) -> None:
    walk(svc)
    for stmt in ("UPDATE event SET note = 'x'", "DELETE FROM event"):
        with pytest.raises(DBAPIError) as e, svc.engine.begin() as conn:
            conn.execute(text(stmt))
        assert "append-only" in str(e.value)
    assert len(svc.history("东湖镇")[1]) == 5


def test_edited_event_is_named(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    walk(svc)
    drop_triggers(svc)
    target = event_ids(svc)[3]
    with svc.engine.begin() as conn:
        conn.execute(text("UPDATE event SET actor = 'someone else' WHERE id = :i"), {"i": target})
    code, out = cli_verify(svc, capsys)
    assert code == 6 and f"event #{target} (seq 4) was edited" in out


def test_edited_event_with_recomputed_hash_is_caught_by_the_next(
    svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    from sqlmodel import Session

    from workflow.ledger import chain as audit
    from workflow.store.tables import Event

    walk(svc)
    drop_triggers(svc)
    ids = event_ids(svc)
    with Session(svc.engine.sa) as s:
        ev = s.get(Event, ids[2])
        assert ev is not None
        ev.effective_date = ev.effective_date.replace(day=1)
        audit.seal(ev)
        s.add(ev)
        s.commit()
    code, out = cli_verify(svc, capsys)
    assert code == 6 and f"event #{ids[3]} (seq 4) does not link to the event before it" in out


def test_deleted_event_is_named(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    walk(svc)
    drop_triggers(svc)
    ids = event_ids(svc)
    with svc.engine.begin() as conn:
        conn.execute(text("DELETE FROM event WHERE id = :i"), {"i": ids[1]})
    code, out = cli_verify(svc, capsys)
    assert code == 6 and "seq 2 to 2" in out and "were deleted" in out


def test_deleted_last_event_is_caught_by_the_version(
    svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    walk(svc)
    drop_triggers(svc)
    with svc.engine.begin() as conn:
        conn.execute(text("DELETE FROM event WHERE id = :i"), {"i": event_ids(svc)[-1]})
    code, out = cli_verify(svc, capsys)
    assert code == 6 and "version 5 but only 4 events" in out


def _forge(svc: Service, seq: int, prev_hash: str) -> int:
    """Insert a well-formed, correctly hashed event with ``seq`` after ``prev_hash``."""
    from sqlmodel import Session

    from workflow.ledger import chain as audit
    from workflow.store.tables import Event

    with Session(svc.engine.sa) as s:
        ev = Event(
            chain="1",
            seq=seq,
            township_id=1,
            kind="advance",
            from_stage="upper_review",
            to_stage="upper_review",
            actor="forger",
            recorded_at="2026-11-26T00:00:00.000000Z",
            effective_date=dt.date(2021, 4, 20),
            note="伪造",
            payload="{}",
            prev_hash=prev_hash,
        )
        s.add(audit.seal(ev))
        s.commit()
        assert ev.id is not None
        return ev.id


def test_event_inserted_at_the_end_is_named(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    walk(svc)
    last = svc.history("东湖镇")[1][-1]
    forged = _forge(svc, last.seq + 1, last.hash)
    code, out = cli_verify(svc, capsys)
    assert code == 6 and "version 5 but 6 events" in out and "inserted" in out
    assert forged > last.id if last.id else True


def test_event_inserted_in_the_middle_is_named(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    walk(svc)
    drop_triggers(svc)
    events = svc.history("东湖镇")[1]
    with svc.engine.begin() as conn:  # make room: shift seq 3.. up by one
        for ev in reversed(events[2:]):
            conn.execute(text("UPDATE event SET seq = seq + 1 WHERE id = :i"), {"i": ev.id})
    forged = _forge(svc, 3, events[1].hash)
    code, out = cli_verify(svc, capsys)
    assert code == 6 and f"event #{forged} (seq 3) was inserted" in out


def test_reordered_events_are_named(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    walk(svc)
    drop_triggers(svc)
    a, b = event_ids(svc)[2:4]
    with svc.engine.begin() as conn:
        conn.execute(text("UPDATE event SET id = -1 WHERE id = :a"), {"a": a})
        conn.execute(text("UPDATE event SET id = :a WHERE id = :b"), {"a": a, "b": b})
        conn.execute(text("UPDATE event SET id = :b WHERE id = -1"), {"b": b})
    code, out = cli_verify(svc, capsys)
    assert code == 6 and "is out of order" in out


def test_history_shows_whether_the_chain_verifies(svc: Service) -> None:
    walk(svc)
    assert svc.history("东湖镇")[2] is None
    drop_triggers(svc)
    with svc.engine.begin() as conn:
        conn.execute(text("UPDATE event SET note = '改' WHERE id = :i"), {"i": event_ids(svc)[4]})
    problem = svc.history("东湖镇")[2]
    assert problem is not None and problem.what == "edited"


def test_stage_edited_behind_the_log_is_caught(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    walk(svc)
    with svc.engine.begin() as conn:
        conn.execute(text("UPDATE township SET stage = 'congress' WHERE name = '东湖镇'"))
    code, out = cli_verify(svc, capsys)
    assert code == 6 and "current stage congress differs from the last event's upper_review" in out


def test_verify_one_township(svc: Service) -> None:
    walk(svc)
    svc.add_township("西山镇", "某区")
    other = make_service(svc.engine.url.render_as_string(hide_password=False))
    report = other.verify("西山镇")
    # its own chain, and the system chain that added it (replayed for its rows)
    everything = other.verify().events
    assert report.ok and report.chains == 2
    assert report.events < everything


def test_a_canonical_payload_text_is_set_into_place_byte_for_byte() -> None:
    """The write path's shortcut (the payload text set into the canonical bytes as it
    is) gives the bytes that parsing and writing it again gives, whatever the payload
    and the note hold."""
    from workflow.ledger.chain import canonical_fields, dump_payload

    payloads: list[dict[str, Any]] = [
        {},
        {"kind": "delegates", "lines": '{"name": "张三", "elected": true}\n{"name": "李\\"四"}', "rows": 2},
        {"values": {"note": "\u0000payload\u0000", "n": 1.5, "x": [1, "二", None]}},
        {"a": "\\u0000payload\\u0000", "z": "</script>\u202e"},
    ]
    notes = ["", '"\\u0000payload\\u0000"', "区委已批准"]
    for payload in payloads:
        for note in notes:
            fields: dict[str, Any] = {
                "chain": "7",
                "seq": 3,
                "township_id": 7,
                "kind": "import",
                "from_stage": "delegate_nomination",
                "to_stage": "delegate_nomination",
                "actor": "王协调",
                "recorded_at": "2026-12-02T10:00:00",
                "effective_date": dt.date(2026, 12, 2),
                "note": note,
                "payload": dump_payload(payload),
                "prev_hash": "ab" * 32,
            }
            assert canonical_fields(**fields, payload_is_canonical=True) == canonical_fields(**fields)
