"""Evidence: documents attached to facts, listed, written out, superseded; gates that
need a document; hostile files; ``audit verify`` catching a document missing, altered
or swapped in the store (SQLite and PostgreSQL)."""

from __future__ import annotations

import json
import zipfile
from pathlib import Path

import pytest
from sqlalchemy import text

from tests.conftest import attach_evidence, make_service, sign_in
from tests.hostile import write_zip_bomb
from workflow.app.demo_documents import minimal_pdf
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.domain import documents as media
from workflow.domain.text import display_name
from workflow.errors import BadInput, Blocked, NotPermitted
from workflow.store.documents import folder_of

PNG = (
    bytes.fromhex("89504e470d0a1a0a0000000d4948445200000001000000010806000000")
    + b"\x1f\x15\xc4\x89"
    + b"\0" * 16
)
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\0" * 64


def to_upper_review(svc: Service, town: str = "东湖镇") -> None:
    svc.record(town, "draft", {"title": "工作报告", "date": "2021-04-12"})
    svc.advance(town, on="2021-04-13")
    svc.record(
        town, "consultation", {"forms_issued": "160", "suggestions": "5", "meeting_date": "2021-04-15"}
    )
    svc.advance(town, on="2021-04-16")
    svc.record(town, "upper_consultation", {"date": "2021-04-17"})
    svc.record(town, "review", {"decision": "approved", "date": "2021-04-18"})


def pdf(tmp_path: Path, name: str = "批复.pdf", body: str = "approval") -> Path:
    path = tmp_path / name
    path.write_bytes(minimal_pdf("区委批复", [body]))
    return path


def office(tmp_path: Path, name: str, kind: str) -> Path:
    """A minimal DOCX or XLSX: its content types and its main part."""
    main_part, content_type = {
        "docx": ("word/document.xml", "wordprocessingml.document.main+xml"),
        "xlsx": ("xl/workbook.xml", "spreadsheetml.sheet.main+xml"),
    }[kind]
    types = (
        '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/'
        f'content-types"><Override PartName="/{main_part}" ContentType="application/vnd.openxmlformats-'
        f'officedocument.{content_type}"/></Types>'
    )
    path = tmp_path / name
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", types)
        z.writestr(main_part, "<x/>")
    return path


def url_of(svc: Service) -> str:
    return svc.engine.url.render_as_string(hide_password=False)


def cli(svc: Service, capsys: pytest.CaptureFixture[str], *args: str, user: str = "admin") -> tuple[int, str]:
    sign_in(url_of(svc), user)
    code = main(["--db", url_of(svc), "--lang", "en", *args])
    out = capsys.readouterr()
    return code, out.out + out.err


# ---------------------------------------------------------------- the gate


def test_a_gate_that_needs_evidence_blocks_naming_the_document_then_passes(
    svc: Service, tmp_path: Path
) -> None:
    to_upper_review(svc)
    with pytest.raises(Blocked) as e:
        svc.advance("东湖镇", on="2021-04-19")
    [check] = [c for c in e.value.checks if c.id == "review_approved"]
    assert "区委批复" in check.message.zh and "尚未附加" in check.message.zh
    assert "written approval" in check.message.en and "no document attached" in check.message.en
    svc.attach("东湖镇", "review", pdf(tmp_path))
    assert svc.advance("东湖镇", on="2021-04-19").to_stage == "delegate_nomination"


def test_a_check_whose_own_test_fails_says_both(svc: Service) -> None:
    to_upper_review(svc)
    svc.record("东湖镇", "review", {"decision": "returned", "date": "2021-04-18"})
    [check] = [c for c in svc.status("东湖镇").checks if c.id == "review_approved"]
    assert not check.passed
    assert "must be approved" in check.message.en and "no document attached" in check.message.en


def test_a_definition_names_an_undefined_fact_as_evidence(tmp_path: Path) -> None:
    from workflow.domain.definition import DEFAULT_NAME, loads

    source = (Path(__file__).parents[1] / "states" / DEFAULT_NAME).read_text(encoding="utf-8")
    bad = source.replace('evidence = ["review"]', 'evidence = ["reviews"]')
    with pytest.raises(BadInput) as e:
        loads(bad.encode(), "d.toml")
    assert "evidence[0]" in e.value.text.en and "undefined fact 'reviews'" in e.value.text.en


# ---------------------------------------------------------------- attach, list, get, supersede


def test_attach_list_get_and_supersede(svc: Service, tmp_path: Path) -> None:
    to_upper_review(svc)
    first = svc.attach("东湖镇", "review", pdf(tmp_path, body="first scan"), note="扫描件")
    a = first.attachment
    assert (a.fact, a.media_type, a.name, a.actor, a.note) == (
        "review",
        media.PDF,
        "批复.pdf",
        "admin",
        "扫描件",
    )
    assert a.size == pdf(tmp_path, body="first scan").stat().st_size
    fixed = svc.attach(
        "东湖镇", "review", pdf(tmp_path, "批复-更正.pdf", "second scan"), supersedes=a.sha256[:12]
    ).attachment
    assert fixed.supersedes == a.id
    listing = svc.evidence("东湖镇")
    assert [(x.id, x.superseded_by) for x in listing.of("review")] == [(a.id, fixed.id), (fixed.id, None)]
    assert listing.facts()[:3] == ["review", "publicity", "standing_vote"]
    out = tmp_path / "out" / "copy.pdf"
    out.parent.mkdir()
    svc.get_document(fixed.sha256, out)
    assert out.read_bytes() == pdf(tmp_path, "again.pdf", "second scan").read_bytes()
    with pytest.raises(BadInput):
        svc.get_document(fixed.sha256, out)  # never over an existing file
    with pytest.raises(BadInput) as e:
        svc.attach("东湖镇", "review", pdf(tmp_path, "x.pdf", "third"), supersedes=str(a.id))
    assert f"already superseded by #{fixed.id}" in e.value.text.en
    with pytest.raises(BadInput) as e:
        svc.attach("东湖镇", "review", pdf(tmp_path, "dup.pdf", "second scan"))
    assert "already attached" in e.value.text.en
    assert svc.verify().ok


def test_the_attach_event_carries_the_document_and_replays(svc: Service, tmp_path: Path) -> None:
    to_upper_review(svc)
    r = svc.attach("东湖镇", "review", pdf(tmp_path))
    payload = json.loads(r.step.event.payload)
    assert payload == {
        "attachment": r.attachment.id,
        "fact": "review",
        "sha256": r.attachment.sha256,
        "size": r.attachment.size,
        "media_type": "application/pdf",
        "name": "批复.pdf",
        "supersedes": None,
    }
    with svc.engine.begin() as conn:
        conn.execute(text("UPDATE attachment SET name = 'other.pdf'"))
    report = svc.verify()
    assert [(d.table, d.field) for d in report.differences] == [("attachment", "name")]


def test_media_type_comes_from_the_content(svc: Service, tmp_path: Path) -> None:
    to_upper_review(svc)
    looks_like_pdf = tmp_path / "scan.pdf"
    looks_like_pdf.write_bytes(PNG)
    assert svc.attach("东湖镇", "review", looks_like_pdf).attachment.media_type == media.PNG
    photo = tmp_path / "photo"
    photo.write_bytes(JPEG)
    assert svc.attach("东湖镇", "review", photo).attachment.media_type == media.JPEG
    for kind, want in (("docx", media.DOCX), ("xlsx", media.XLSX)):
        path = office(tmp_path, f"f.{kind}", kind)
        assert svc.attach("东湖镇", "review", path).attachment.media_type == want
    text_file = tmp_path / "notice.pdf"
    text_file.write_text("not a pdf at all", encoding="utf-8")
    with pytest.raises(BadInput) as e:
        svc.attach("东湖镇", "review", text_file)
    assert "not a kind of file that can be attached" in e.value.text.en


def test_an_old_binary_word_file_is_read_by_its_streams(tmp_path: Path) -> None:
    import olefile

    assert olefile.__version__  # the library is there; a damaged OLE2 file is refused
    fake = tmp_path / "a.wps"
    fake.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600)
    with pytest.raises(BadInput) as e:
        media.media_type(fake, "a.wps")
    assert "OLE2" in e.value.text.en


# ---------------------------------------------------------------- hostile files


def test_a_zip_bomb_dressed_as_a_docx_is_refused(svc: Service, tmp_path: Path) -> None:
    to_upper_review(svc)
    bomb = write_zip_bomb(tmp_path / "报告.docx", 200 * 1024 * 1024)
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(BadInput) as e:
        svc.attach("东湖镇", "review", bomb)
    assert "decompression bomb" in e.value.text.en
    assert svc.evidence("东湖镇").attachments == []
    folder = folder_of_svc(svc)
    if folder is not None and folder.exists():  # the staged copy was removed
        assert [p for p in folder.rglob("*") if p.is_file()] == []


def folder_of_svc(svc: Service) -> Path | None:
    if svc.engine.dialect.name != "sqlite":
        return None
    return folder_of(str(svc.engine.url.database))


def test_the_size_cap_is_the_definitions_parameter(db_url: str, tmp_path: Path) -> None:
    from workflow.domain.definition import DEFAULT_NAME

    source = (Path(__file__).parents[1] / "states" / DEFAULT_NAME).read_text(encoding="utf-8")
    small = tmp_path / "small.toml"
    small.write_text(source.replace("max_document_mb = 50", "max_document_mb = 1"), encoding="utf-8")
    svc = make_service(db_url)
    svc.init()
    svc.add_district("某区", str(small))
    svc.add_township("东湖镇", "某区")
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + b"0" * (1024 * 1024 + 10))
    with pytest.raises(BadInput) as e:
        svc.attach("东湖镇", "review", big)
    assert "too large" in e.value.text.en and "1.0 MB" in e.value.text.en
    svc.engine.dispose()


def test_a_hostile_file_name_is_kept_only_as_a_harmless_display_name(svc: Service, tmp_path: Path) -> None:
    to_upper_review(svc)
    path = tmp_path / "..\\..\\etc\x1b[31m\u202epasswd.pdf"
    path.write_bytes(minimal_pdf("x", ["x"]))
    a = svc.attach("东湖镇", "review", path).attachment
    assert a.name == "etc_[31m_passwd.pdf"
    assert display_name("../../a/b.pdf") == "b.pdf" and display_name("..") == "document"
    folder = folder_of_svc(svc)
    if folder is not None:  # only hash-named files, all inside the store
        files = [p for p in folder.rglob("*") if p.is_file()]
        assert [p.relative_to(folder).as_posix() for p in files] == [f"{a.sha256[:2]}/{a.sha256[2:]}"]


def test_nothing_is_left_behind_by_a_refused_attach(svc: Service, tmp_path: Path) -> None:
    to_upper_review(svc)
    with pytest.raises(BadInput):
        svc.attach("东湖镇", "no_such_fact", pdf(tmp_path))
    with pytest.raises(BadInput):
        svc.attach("东湖镇", "review", tmp_path / "missing.pdf")
    folder = folder_of_svc(svc)
    if folder is not None and folder.exists():
        assert [p for p in folder.rglob("*") if p.is_file()] == []


# ---------------------------------------------------------------- who may


def test_who_may_attach_and_write_out(svc: Service, tmp_path: Path) -> None:
    svc.add_township("西山镇", "某区")
    svc.add_user("王审计", "auditor")
    svc.add_user("赵组织", "coordinator", ["东湖镇"])
    svc.add_user("钱组织", "coordinator", ["西山镇"])
    to_upper_review(svc)
    with pytest.raises(NotPermitted):
        make_service(url_of(svc), "王审计").attach("东湖镇", "review", pdf(tmp_path))
    with pytest.raises(NotPermitted):
        make_service(url_of(svc), "钱组织").attach("东湖镇", "review", pdf(tmp_path))
    a = make_service(url_of(svc), "赵组织").attach("东湖镇", "review", pdf(tmp_path)).attachment
    assert a.actor == "赵组织"
    make_service(url_of(svc), "王审计").get_document(a.sha256, tmp_path / "auditor.pdf")
    make_service(url_of(svc), "赵组织").get_document(str(a.id), tmp_path / "own.pdf")
    with pytest.raises(NotPermitted):
        make_service(url_of(svc), "钱组织").get_document(a.sha256, tmp_path / "other.pdf")


# ---------------------------------------------------------------- audit verify


def _tamper(svc: Service, sha: str, content: bytes | None) -> None:
    """Change what the store holds under ``sha``: None removes it."""
    if svc.engine.dialect.name == "sqlite":
        path = folder_of(str(svc.engine.url.database)) / sha[:2] / sha[2:]
        if content is None:
            path.unlink()
        else:
            path.write_bytes(content)
        return
    with svc.engine.begin() as conn:
        conn.execute(text("DELETE FROM documentblob WHERE sha256 = :s"), {"s": sha})
        if content is not None:
            conn.execute(
                text("INSERT INTO documentblob (sha256, part, data) VALUES (:s, 0, :d)"),
                {"s": sha, "d": content},
            )


@pytest.mark.parametrize("how", ["altered", "deleted", "swapped"])
def test_audit_verify_names_a_document_missing_altered_or_swapped(
    svc: Service, tmp_path: Path, capsys: pytest.CaptureFixture[str], how: str
) -> None:
    to_upper_review(svc)
    a = svc.attach("东湖镇", "review", pdf(tmp_path, body="the real approval")).attachment
    code, out = cli(svc, capsys, "audit", "verify")
    assert code == 0, out
    original = pdf(tmp_path, "again.pdf", "the real approval").read_bytes()
    if how == "altered":
        _tamper(svc, a.sha256, original.replace(b"real", b"fake"))
    elif how == "deleted":
        _tamper(svc, a.sha256, None)
    else:  # another file of the very same size
        other = pdf(tmp_path, "other.pdf", "the fake approval").read_bytes()
        assert len(other) == len(original)
        _tamper(svc, a.sha256, other)
    code, out = cli(svc, capsys, "audit", "verify")
    assert code == 6
    assert "township '东湖镇'" in out and "review" in out and "批复.pdf" in out
    assert ("missing" if how == "deleted" else "altered or replaced") in out
    with pytest.raises(Exception) as e:
        svc.get_document(a.sha256, tmp_path / "out.pdf")
    assert getattr(e.value, "exit_code", None) == 6
    assert not (tmp_path / "out.pdf").exists()


def test_attach_evidence_helper_lets_the_township_pass(svc: Service) -> None:
    to_upper_review(svc)
    attach_evidence(svc, "东湖镇", "review")
    assert svc.status("东湖镇").ready


def test_a_backup_carries_the_documents_and_restores_them(sqlite_url: str, tmp_path: Path) -> None:
    svc = make_service(sqlite_url)
    svc.init()
    svc.add_district("某区")
    svc.add_township("东湖镇", "某区")
    to_upper_review(svc)
    a = svc.attach("东湖镇", "review", pdf(tmp_path)).attachment
    target = tmp_path / "backup" / "copy.db"
    target.parent.mkdir()
    svc.backup(target)
    assert (folder_of(target) / a.sha256[:2] / a.sha256[2:]).read_bytes() == pdf(
        tmp_path, "p.pdf"
    ).read_bytes()
    assert make_service(f"sqlite:///{target}").verify().ok
    live = Path(str(svc.engine.url.database))
    (folder_of(live) / a.sha256[:2] / a.sha256[2:]).unlink()  # lost on the live disk
    assert not svc.verify().ok
    svc.restore(target)
    assert make_service(sqlite_url).verify().ok


def test_a_document_of_several_parts_comes_back_whole(svc: Service, tmp_path: Path) -> None:
    to_upper_review(svc)
    big = tmp_path / "big.pdf"
    big.write_bytes(b"%PDF-1.4\n" + bytes(range(256)) * (9 * 4096 + 7))  # over two 4 MiB parts
    a = svc.attach("东湖镇", "review", big).attachment
    out = tmp_path / "back.pdf"
    svc.get_document(a.sha256, out)
    assert out.read_bytes() == big.read_bytes()
    assert svc.verify().ok
