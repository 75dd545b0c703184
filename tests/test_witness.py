"""Every client is a witness: a machine that read or wrote a chain stops (exit 6) when
the database later shows it shorter or different."""

from __future__ import annotations

from pathlib import Path

import pytest
from sqlalchemy import text

from tests.test_audit import walk
from tests.test_checkpoint import chain_of, cut_tail, delete_township, rewrite_chain, run
from workflow.app.service import Service
from workflow.errors import AuditFailure
from workflow.ledger.witness import Witness, _read, data_dir


def state_file(svc: Service) -> Path:
    with svc.engine.connect() as conn:
        dbid = conn.execute(text("SELECT value FROM meta WHERE key = 'database_id'")).scalar_one()
    return data_dir() / "witness" / f"{dbid}.witness"


def saved(svc: Service) -> dict[str, list[object]]:
    """Chain -> [seq, hash, when, label] as this machine's state file holds it."""
    seen, _lines = _read(state_file(svc))
    return {c: [s.seq, s.hash, s.when, s.label] for c, s in seen.items()}


def test_a_command_records_the_chains_it_touched(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    walk(svc)
    assert run(svc, capsys, "status", "东湖镇")[0] == 0
    chains = saved(svc)
    events = svc.history("东湖镇")[1]
    assert chains == {chain_of(svc): [5, events[-1].hash, chains[chain_of(svc)][2], "东湖镇"]}
    svc.add_township("西山镇", "某区")
    assert run(svc, capsys, "advance", "西山镇")[0] == 3  # read, blocked: its head is remembered
    assert run(svc, capsys, "district", "add", "新区")[0] == 0  # a system event written
    chains = saved(svc)
    assert set(chains) == {chain_of(svc), chain_of(svc, "西山镇"), "system"}


def test_a_chain_rewritten_after_this_machine_read_it_stops_the_next_command(
    svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    walk(svc)
    assert run(svc, capsys, "status", "东湖镇")[0] == 0  # this machine reads the chain
    chain = chain_of(svc)
    rewrite_chain(svc, chain, 2, note="区委已批准")
    assert svc.verify().ok  # consistent on its own
    code, out = run(svc, capsys, "status", "东湖镇")
    assert code == 6
    assert f"this machine saw '东湖镇' (chain {chain})" in out and "with 5 events" in out
    assert "has another hash: the chain was rewritten" in out
    code, out = run(svc, capsys, "audit", "verify")
    assert code == 6 and "the chain was rewritten" in out


def test_a_tail_cut_after_this_machine_wrote_it_stops_the_next_command(
    svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    walk(svc)
    svc.open_violation("东湖镇", "群众来信")
    code, out = run(svc, capsys, "record", "东湖镇", "draft", "title=新报告", "date=2021-04-12")
    assert code == 3  # the draft's stage is passed: nothing written, the head only read
    code, out = run(svc, capsys, "violation", "resolve", "1", "--note", "已查清")
    assert code == 0  # this machine writes event 7
    cut_tail(svc, chain_of(svc))
    code, out = run(svc, capsys, "history", "东湖镇")
    assert code == 6 and "with 7 events" in out and "shows only 6 events" in out


def test_a_township_deleted_after_this_machine_read_it_is_named(
    svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    walk(svc)
    assert run(svc, capsys, "status", "东湖镇")[0] == 0
    delete_township(svc, chain_of(svc))
    code, out = run(svc, capsys, "status", "东湖镇")
    assert code == 6 and "this machine saw '东湖镇'" in out and "shows only 0 events" in out


def test_another_machine_sees_nothing_wrong(
    svc: Service, capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The witness is this machine's memory only: a machine that never read the chain
    cannot tell (that is what checkpoints are for)."""
    walk(svc)
    assert run(svc, capsys, "status", "东湖镇")[0] == 0
    rewrite_chain(svc, chain_of(svc), 2, note="区委已批准")
    monkeypatch.setenv("WORKFLOW_DATA_DIR", str(tmp_path / "other-machine"))
    assert run(svc, capsys, "status", "东湖镇")[0] == 0


def test_a_change_that_rolls_back_is_not_remembered(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    """Heads written in a transaction that did not commit never make the machine expect
    events the database does not have."""
    w = Witness()
    svc.witness = w
    walk(svc)
    version = svc.history("东湖镇")[0].version
    with pytest.raises(Exception), svc._write() as session:  # noqa: B017
        svc._append(
            session,
            svc.find_township(session, "东湖镇"),
            "record",
            "upper_review",
            svc.today(),
            "",
            {},
            version,
        )
        raise RuntimeError("the rest of the change failed")
    assert w.seen[chain_of(svc)].seq == version
    svc.witness = None
    assert run(svc, capsys, "status", "东湖镇")[0] == 0


def test_concurrent_commands_keep_the_longer_head(svc: Service) -> None:
    """Two commands on one machine: the later save does not take the state back."""
    walk(svc)
    chain = chain_of(svc)
    first, second = Witness(), Witness()
    svc.witness = first
    from workflow.store import sql as hot

    with hot.read(svc.engine) as db:
        town = svc.find_township(db, "东湖镇")
    svc.witness = second
    with hot.read(svc.engine) as db:
        svc.find_township(db, "东湖镇")
    svc.witness = None
    svc.open_violation("东湖镇", "举报")
    head = svc.history("东湖镇")[0]
    with hot.read(svc.engine) as db:
        second.wrote(db, chain, head.version, head.head_hash)
    second.committed()
    second.save()
    first.save()  # older observation saved last
    assert _read(first.path())[0][chain].seq == head.version == town.version + 1


def test_the_tui_is_a_witness_too(svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    """The TUI's access carries a witness that saves as it goes (it runs for hours)."""
    from workflow.cli.tui import open_access

    walk(svc)
    url = svc.engine.url.render_as_string(hide_password=False)
    access = open_access(url, "admin", None, False, "en")
    assert access.reads().status("东湖镇").version == 5
    assert saved(svc)[chain_of(svc)][0] == 5
    rewrite_chain(svc, chain_of(svc), 3, note="区委已批准")
    fresh = open_access(url, "admin", None, False, "en")
    with pytest.raises(AuditFailure) as e:
        fresh.service().history("东湖镇")
    assert "the chain was rewritten" in e.value.text.en
    access.engine.dispose()
    fresh.engine.dispose()


def test_a_snapshot_older_than_this_machines_state_is_not_a_rewrite(svc: Service) -> None:
    """Two commands on one machine: one commits and saves its head while the other's
    read is already under way with the older head. The older read is not a cut chain:
    the witness reads again in a fresh transaction before it objects."""
    from workflow.store import sql as hot

    walk(svc)
    chain = chain_of(svc)
    old = svc.history("东湖镇")[0]
    svc.open_violation("东湖镇", "举报")  # another command commits event 6 ...
    new = svc.history("东湖镇")[0]
    writer = Witness()
    with hot.read(svc.engine) as db:
        writer.wrote(db, chain, new.version, new.head_hash, "东湖镇")
    writer.committed()
    writer.save()  # ... and saves it
    reader = Witness()
    with hot.read(svc.engine) as db:
        reader.see(db, chain, old.version, old.head_hash, "东湖镇", lambda: hot.read(svc.engine))
    assert reader.seen[chain].seq == new.version  # kept the newer head


def test_the_state_file_is_compacted_and_keeps_the_longest_heads(svc: Service) -> None:
    """Each command appends a line per chain it saw; the file is rewritten with one line
    per chain once it has grown well past that."""
    from workflow.ledger.witness import COMPACT_FACTOR, COMPACT_SLACK
    from workflow.store import sql as hot

    walk(svc)
    chain = chain_of(svc)
    head = svc.history("东湖镇")[0]
    rounds = COMPACT_FACTOR + COMPACT_SLACK + 10
    for _ in range(rounds):
        w = Witness()
        with hot.read(svc.engine) as db:
            w.wrote(db, chain, head.version, head.head_hash, "东湖镇")
        w.committed()
        w.save()
    seen, lines = _read(w.path())
    assert 0 < lines < rounds and list(seen) == [chain]
    assert (seen[chain].seq, seen[chain].hash) == (head.version, head.head_hash)


def test_a_township_named_by_its_id_is_witnessed_too(
    svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    walk(svc)
    chain = chain_of(svc)
    assert run(svc, capsys, "status", chain)[0] == 0
    assert saved(svc)[chain][0] == 5
    rewrite_chain(svc, chain, 2, note="区委已批准")
    code, out = run(svc, capsys, "advance", chain)
    assert code == 6 and "the chain was rewritten" in out
