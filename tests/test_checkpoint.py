"""Signed checkpoints: an auditor's key, a checkpoint of every chain, and verify proving
that every chain still extends it, even after a rewrite that recomputed every hash."""

from __future__ import annotations

import base64
import json
import stat
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text

from tests.conftest import sign_in
from tests.test_audit import drop_triggers, walk
from workflow.app.checkpoints import key_path
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.ledger import chain as audit
from workflow.store.sql import HASHED_FIELDS


def run(svc: Service, capsys: pytest.CaptureFixture[str], *args: str, user: str = "admin") -> tuple[int, str]:
    url = svc.engine.url.render_as_string(hide_password=False)
    sign_in(url, user)
    code = main(["--db", url, "--lang", "en", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


def chain_of(svc: Service, name: str = "东湖镇") -> str:
    return str(svc.history(name)[0].id)


def rewrite_chain(svc: Service, chain: str, seq: int, **changes: Any) -> None:
    """What an attacker with write access can do: change event ``seq`` of ``chain``,
    recompute its hash and every later event's link and hash, and set the township's
    head to match. The chain verifies on its own afterwards."""
    drop_triggers(svc)
    cols = ", ".join(("id", *HASHED_FIELDS))
    with svc.engine.begin() as conn:
        rows = [
            dict(r._mapping)
            for r in conn.execute(
                text(f"SELECT {cols} FROM event WHERE chain = :c ORDER BY seq"), {"c": chain}
            )
        ]
        prev = audit.GENESIS if seq == 1 else None
        for row in rows:
            if row["seq"] < seq:
                prev = audit.event_hash(**{k: row[k] for k in HASHED_FIELDS})
                continue
            if row["seq"] == seq:
                row.update(changes)
            row["prev_hash"] = prev
            fields = {k: row[k] for k in HASHED_FIELDS}
            prev = audit.event_hash(**fields)
            conn.execute(
                text(
                    "UPDATE event SET note = :note, effective_date = :effective_date, actor = :actor, "
                    "prev_hash = :prev_hash, hash = :h WHERE id = :id"
                ),
                {**row, "h": prev},
            )
        if chain.isdigit():
            conn.execute(
                text("UPDATE township SET head_hash = :h WHERE id = :i"), {"h": prev, "i": int(chain)}
            )


def cut_tail(svc: Service, chain: str) -> None:
    """Delete a township's last event and set version, head and stage to match."""
    drop_triggers(svc)
    with svc.engine.begin() as conn:
        last = conn.execute(
            text("SELECT id, seq FROM event WHERE chain = :c ORDER BY seq DESC LIMIT 1"), {"c": chain}
        ).one()
        conn.execute(text("DELETE FROM event WHERE id = :i"), {"i": last[0]})
        head, to = conn.execute(
            text("SELECT hash, to_stage FROM event WHERE chain = :c ORDER BY seq DESC LIMIT 1"), {"c": chain}
        ).one()
        conn.execute(
            text("UPDATE township SET version = :v, head_hash = :h, stage = :s WHERE id = :i"),
            {"v": last[1] - 1, "h": head, "s": to, "i": int(chain)},
        )


def delete_township(svc: Service, chain: str) -> None:
    """Delete a township with every row and event of it."""
    drop_triggers(svc)
    with svc.engine.begin() as conn:
        for table in ("fact", "roster", "waiver", "violation", "usertownship", "gatestate", "event"):
            conn.execute(text(f"DELETE FROM {table} WHERE township_id = :i"), {"i": int(chain)})
        conn.execute(text("DELETE FROM township WHERE id = :i"), {"i": int(chain)})


@pytest.fixture
def signed(svc: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> Path:
    """A walked township, the admin's key, and a checkpoint made then."""
    walk(svc)
    assert run(svc, capsys, "audit", "key", "create")[0] == 0
    cp = tmp_path / "cp.json"
    code, out = run(svc, capsys, "audit", "checkpoint", "-o", str(cp))
    assert code == 0, out
    return cp


def test_key_create_keeps_the_private_key_private_and_records_the_public_key(
    svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out = run(svc, capsys, "audit", "key", "create")
    assert code == 0 and "public key recorded on the system chain" in out
    path = key_path("admin")
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    with svc.engine.connect() as conn:
        payload = json.loads(
            conn.execute(
                text("SELECT payload FROM event WHERE chain = 'system' AND kind = 'audit_key'")
            ).scalar_one()
        )
    assert payload["user"] == "admin" and payload["fingerprint"] in out and payload["public_key"] in out
    assert "PRIVATE" not in json.dumps(payload) and path.read_bytes().startswith(b"-----BEGIN PRIVATE KEY")
    code, out = run(svc, capsys, "audit", "key", "create")  # again: the same key, not recorded twice
    assert code == 0 and "already recorded" in out


def test_only_auditors_and_admins_make_keys_and_checkpoints(
    svc: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    svc.add_user("李协调", "coordinator", ["东湖镇"])
    assert run(svc, capsys, "audit", "key", "create", user="李协调")[0] == 4
    assert run(svc, capsys, "audit", "checkpoint", "-o", str(tmp_path / "x.json"), user="李协调")[0] == 4
    svc.add_user("王审计", "auditor")
    assert run(svc, capsys, "audit", "key", "create", user="王审计")[0] == 0
    assert run(svc, capsys, "audit", "checkpoint", "-o", str(tmp_path / "x.json"), user="王审计")[0] == 0


def test_checkpoint_lists_every_chain_signed(signed: Path, svc: Service) -> None:
    data = json.loads(signed.read_text(encoding="utf-8"))
    chains = {c: (s, h) for c, s, h in data["chains"]}
    chain = chain_of(svc)
    events = svc.history("东湖镇")[1]
    assert chains[chain] == (events[-1].seq, events[-1].hash) and "system" in chains
    assert data["names"][chain] == "某区/东湖镇" and len(data["database_id"]) == 32
    assert len(base64.b64decode(data["signature"])) == 64


def test_a_log_that_grew_after_the_checkpoint_still_extends_it(
    signed: Path, svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    svc.add_township("西山镇", "某区")
    svc.open_violation("东湖镇", "群众来信反映问题")  # the checkpointed chain grows too
    code, out = run(svc, capsys, "audit", "verify", "--checkpoint", str(signed))
    assert code == 0 and "every chain still extends the checkpoint" in out, out


def test_whole_chain_rewritten_with_recomputed_hashes_is_caught_by_the_checkpoint(
    signed: Path, svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    chain = chain_of(svc)
    rewrite_chain(svc, chain, 2, note="区委已批准")
    code, out = run(svc, capsys, "audit", "verify")
    assert code == 0  # consistent on its own: only an anchor outside the database sees it
    code, out = run(svc, capsys, "audit", "verify", "--checkpoint", str(signed))
    assert code == 6
    assert f"'某区/东湖镇' (chain {chain})" in out and "were rewritten, reordered or replaced" in out


def test_tail_cut_with_state_adjusted_is_caught_by_the_checkpoint(
    signed: Path, svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    chain = chain_of(svc)
    cut_tail(svc, chain)
    # the replay sees it too (the cut events' rows are still there); the checkpoint names
    # how many events the chain had
    assert run(svc, capsys, "audit", "verify")[0] == 6
    code, out = run(svc, capsys, "audit", "verify", "--checkpoint", str(signed))
    assert code == 6 and "the checkpoint has 5 events" in out and "the database has only 4" in out


def test_township_deleted_with_its_events_is_caught_by_the_checkpoint(
    signed: Path, svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    chain = chain_of(svc)
    delete_township(svc, chain)
    assert run(svc, capsys, "audit", "verify")[0] == 6  # the system chain added it: replay names it
    code, out = run(svc, capsys, "audit", "verify", "--checkpoint", str(signed))
    assert code == 6 and f"'某区/东湖镇' (chain {chain})" in out and "deleted with its events" in out


def test_a_system_chain_event_rewritten_is_caught_by_the_checkpoint(
    signed: Path, svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    rewrite_chain(svc, "system", 1, actor="mallory")
    code, out = run(svc, capsys, "audit", "verify", "--checkpoint", str(signed))
    assert code == 6 and "chain system" in out


def test_an_edited_checkpoint_has_a_bad_signature(
    signed: Path, svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads(signed.read_text(encoding="utf-8"))
    data["chains"] = [c for c in data["chains"] if c[0] != chain_of(svc)]  # hide a chain
    signed.write_text(json.dumps(data), encoding="utf-8")
    code, out = run(svc, capsys, "audit", "verify", "--checkpoint", str(signed))
    assert code == 6 and "bad signature" in out


def test_an_untrusted_key_is_refused(signed: Path, svc: Service, capsys: pytest.CaptureFixture[str]) -> None:
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from workflow.app.checkpoints import encode_key

    other = encode_key(Ed25519PrivateKey.generate().public_key())
    code, out = run(svc, capsys, "audit", "verify", "--checkpoint", str(signed), "--trust", other)
    assert code == 6 and "not among the keys given with --trust" in out
    mine = json.loads(signed.read_text(encoding="utf-8"))["signer"]["fingerprint"]
    code, out = run(svc, capsys, "audit", "verify", "--checkpoint", str(signed), "--trust", mine)
    assert code == 0 and "trusted as a key given with --trust" in out


def test_a_key_neither_mine_nor_recorded_is_refused(
    signed: Path, svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    """A checkpoint signed with a key this database never recorded (say, made by an
    attacker for a forged log) is refused unless named with --trust."""
    key_path("admin").unlink()  # another machine: this one has no key of its own
    drop_triggers(svc)
    with svc.engine.begin() as conn:
        conn.execute(text("DELETE FROM event WHERE kind = 'audit_key'"))
    code, out = run(svc, capsys, "audit", "verify", "--checkpoint", str(signed))
    assert code == 6 and "is not trusted" in out


def test_a_checkpoint_of_another_database_is_named(
    signed: Path, svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    with svc.engine.begin() as conn:
        conn.execute(text("UPDATE meta SET value = 'another' WHERE key = 'database_id'"))
    code, out = run(svc, capsys, "audit", "verify", "--checkpoint", str(signed))
    assert code == 6 and "this database is another" in out


def test_no_checkpoint_is_signed_over_a_log_that_fails(
    svc: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    walk(svc)
    assert run(svc, capsys, "audit", "key", "create")[0] == 0
    drop_triggers(svc)
    with svc.engine.begin() as conn:
        conn.execute(text("UPDATE event SET note = 'x' WHERE chain = :c AND seq = 2"), {"c": chain_of(svc)})
    code, out = run(svc, capsys, "audit", "checkpoint", "-o", str(tmp_path / "cp.json"))
    assert code == 6 and "no checkpoint signed" in out and not (tmp_path / "cp.json").exists()


def test_a_private_key_readable_by_others_is_refused(
    svc: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert run(svc, capsys, "audit", "key", "create")[0] == 0
    key_path("admin").chmod(0o644)
    code, out = run(svc, capsys, "audit", "checkpoint", "-o", str(tmp_path / "cp.json"))
    assert code == 2 and "readable by others" in out and not (tmp_path / "cp.json").exists()
