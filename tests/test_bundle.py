"""The audit bundle: written from the demo (and from PostgreSQL), checked on "another
machine" (a fresh directory, no database, no configuration); an edited event, a
removed document, a replaced document and a checkpoint with a bad signature are each
exit 6, named."""

from __future__ import annotations

import json
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from tests.conftest import sign_in
from tests.test_evidence import pdf, to_upper_review
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.errors import NotPermitted
from workflow.ledger.bundle import CHECKPOINT, document_member, events_member, verify_bundle


@pytest.fixture
def bundled(demo_url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, str]:
    """A bundle of one demo township with a checkpoint signed by the auditor, and the
    auditor's key fingerprint."""
    sign_in(demo_url, "王审计")
    assert main(["--db", demo_url, "audit", "key", "create"]) == 0
    fp = next(w for w in capsys.readouterr().out.split() if w.startswith("sha256:"))
    out = tmp_path / "bundle" / "东湖镇.zip"
    out.parent.mkdir()
    assert (
        main(
            ["--db", demo_url, "--lang", "en", "audit", "bundle", "--township", "某区/东湖镇", "-o", str(out)]
        )
        == 0
    )
    printed = capsys.readouterr().out
    assert "1 townships" in printed and "3 documents" in printed and "signed checkpoint included" in printed
    return out, fp


def elsewhere(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, bundle: Path) -> Path:
    """The bundle copied to another machine's view: a fresh folder, with no database
    and no configuration (empty config and data folders; nothing signed in)."""
    machine = tmp_path / "other-machine"
    (machine / "config").mkdir(parents=True)
    (machine / "data").mkdir()
    monkeypatch.setenv("WORKFLOW_CONFIG_DIR", str(machine / "config"))
    monkeypatch.setenv("WORKFLOW_DATA_DIR", str(machine / "data"))
    monkeypatch.delenv("WORKFLOW_DB", raising=False)
    monkeypatch.chdir(machine)
    copy = machine / bundle.name
    copy.write_bytes(bundle.read_bytes())
    return copy


def rewrite(bundle: Path, member: str, change: Callable[[bytes], bytes | None]) -> None:
    """Change one member of the bundle (None: remove it)."""
    with zipfile.ZipFile(bundle) as z:
        items = [(i, z.read(i)) for i in z.infolist()]
    with zipfile.ZipFile(bundle, "w", zipfile.ZIP_DEFLATED) as z:
        for info, data in items:
            if info.filename == member:
                changed = change(data)
                if changed is None:
                    continue
                data = changed
            z.writestr(info.filename, data)


def verify(bundle: Path, capsys: pytest.CaptureFixture[str], *trust: str) -> tuple[int, str]:
    args = ["--lang", "en", "audit", "verify-bundle", str(bundle)]
    for key in trust:
        args += ["--trust", key]
    code = main(args)
    out = capsys.readouterr()
    return code, out.out + out.err


def first_document(bundle: Path) -> tuple[str, dict[str, object]]:
    with zipfile.ZipFile(bundle) as z:
        state = json.loads(z.read("state.json"))
    attachment = next(a for town in state.values() for a in town["attachments"])
    return document_member(str(attachment["sha256"])), attachment


def test_a_demo_township_bundle_verifies_on_another_machine(
    bundled: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle, fp = bundled
    assert bundle.stat().st_size < 2 * 1024 * 1024  # a few MB at most
    with zipfile.ZipFile(bundle) as z:
        names = set(z.namelist())
    assert {
        "README.txt",
        "manifest.json",
        "state.json",
        "checkpoint.json",
        "timeline.html",
        "timeline.csv",
    } <= names
    assert "events/system.jsonl" in names and any(n.startswith("definitions/") for n in names)
    copy = elsewhere(tmp_path, monkeypatch, bundle)
    code, out = verify(copy, capsys, fp)
    assert code == 0, out
    assert "audit bundle intact: 1 townships, 2 chains" in out and "3 documents" in out
    assert "signature checked with a key given with --trust" in out
    assert not list((tmp_path / "other-machine").glob("*.db"))  # no database was made


def test_an_edited_event_is_named(
    bundled: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle, fp = bundled
    copy = elsewhere(tmp_path, monkeypatch, bundle)
    with zipfile.ZipFile(copy) as z:
        chain = next(n for n in z.namelist() if n.startswith("events/") and n != events_member("system"))

    def edit(data: bytes) -> bytes:
        lines = data.decode().splitlines()
        event = json.loads(lines[1])
        event["actor"] = "某人"
        lines[1] = json.dumps(event, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
        return ("\n".join(lines) + "\n").encode()

    rewrite(copy, chain, edit)
    code, out = verify(copy, capsys, fp)
    assert code == 6
    assert f"{chain}: '东湖镇': event #" in out and "(seq 2) was edited" in out


def test_a_removed_document_is_named(
    bundled: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle, fp = bundled
    copy = elsewhere(tmp_path, monkeypatch, bundle)
    member, attachment = first_document(copy)
    rewrite(copy, member, lambda _data: None)
    code, out = verify(copy, capsys, fp)
    assert code == 6
    assert f"{member}: missing: township '东湖镇', {attachment['fact']}, file '{attachment['name']}'" in out


def test_a_replaced_document_is_named(
    bundled: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle, fp = bundled
    copy = elsewhere(tmp_path, monkeypatch, bundle)
    member, attachment = first_document(copy)
    rewrite(copy, member, lambda data: data.replace(b"Date:", b"DATE:"))  # the same size
    code, out = verify(copy, capsys, fp)
    assert code == 6
    assert f"{member}: township '东湖镇', {attachment['fact']}, file '{attachment['name']}'" in out
    assert "was altered or replaced" in out


def test_a_checkpoint_with_a_bad_signature_is_named(
    bundled: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle, fp = bundled
    copy = elsewhere(tmp_path, monkeypatch, bundle)

    def forge(data: bytes) -> bytes:
        cp = json.loads(data)
        cp["created_at"] = "2030-01-01T00:00:00Z"
        return json.dumps(cp).encode()

    rewrite(copy, CHECKPOINT, forge)
    code, out = verify(copy, capsys, fp)
    assert code == 6
    assert "checkpoint.json: bad signature" in out


def test_another_key_and_a_changed_state_are_named(
    bundled: tuple[Path, str],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    bundle, _fp = bundled
    copy = elsewhere(tmp_path, monkeypatch, bundle)
    code, out = verify(copy, capsys, "sha256:" + "0" * 64)
    assert code == 6 and "not among the keys given with --trust" in out

    def restage(data: bytes) -> bytes:
        state = json.loads(data)
        for town in state.values():
            town["stage"] = "talks"
        return json.dumps(state).encode()

    rewrite(copy, "state.json", restage)
    report = verify_bundle(copy)
    assert not report.ok
    texts = " ".join(p.en for p in report.problems)
    assert (
        'township \'东湖镇\', stage: the bundle states "talks", replaying the log gives "completed"' in texts
    )


def test_only_auditors_and_admins_make_bundles(demo_url: str, tmp_path: Path) -> None:
    from tests.conftest import demo_service
    from workflow.app.bundle import make_bundle

    with pytest.raises(NotPermitted):
        make_bundle(demo_service(demo_url, "赵组织"), tmp_path / "b.zip", townships=["某区/东湖镇"])
    assert not (tmp_path / "b.zip").exists()


def test_a_bundle_from_either_backend_verifies(svc: Service, tmp_path: Path) -> None:
    from workflow.app.bundle import make_bundle

    to_upper_review(svc)
    svc.attach("东湖镇", "review", pdf(tmp_path))
    out = tmp_path / "b.zip"
    summary = make_bundle(svc, out, districts=["某区"])
    assert (summary.events, summary.documents) == (summary.events, 1)
    report = verify_bundle(out)
    assert report.ok, [p.en for p in report.problems]
    assert report.documents == 1 and report.townships == ["某区/东湖镇"]
