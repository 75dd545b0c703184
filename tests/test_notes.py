"""Text that cannot lie on screen: a note or a reason is one clean line (a line break,
an escape sequence or a bidi override is refused, naming the field), and stored free
text is always shown with such characters escaped."""

from __future__ import annotations

import pytest

from tests.conftest import sign_in
from workflow.app.service import Service
from workflow.cli.main import main
from workflow.domain.text import visible
from workflow.errors import BadInput

FAKE_LINE = "区委已批准\n  5 2026-11-30 01:00:00 李审核 advance 区委已批准"
ESCAPE = "已核实\x1b[2K"
BIDI = "正常\u202e批准"


@pytest.mark.parametrize("note", [FAKE_LINE, ESCAPE, BIDI], ids=["newline", "escape", "bidi"])
def test_a_note_that_could_fake_a_line_is_refused_and_changes_nothing(svc: Service, note: str) -> None:
    svc.record("东湖镇", "draft", {"title": "工作报告", "date": "2021-06-30"})
    before = svc.status("东湖镇").version
    for change in (
        lambda: svc.advance("东湖镇", note=note),
        lambda: svc.open_violation("东湖镇", note),
        lambda: svc.waive_check("东湖镇", "draft_recorded", note),
    ):
        with pytest.raises(BadInput) as e:
            change()
        assert "U+" in e.value.text.en and ("note" in e.value.text.en or "reason" in e.value.text.en)
        assert "说明" in e.value.text.zh or "理由" in e.value.text.zh
    assert svc.status("东湖镇").version == before


def test_the_cli_refuses_it_with_exit_2_in_both_languages(
    svc: Service, capsys: pytest.CaptureFixture[str]
) -> None:
    url = svc.engine.url.render_as_string(hide_password=False)
    sign_in(url, "admin")
    assert main(["--db", url, "--lang", "en", "violation", "open", "东湖镇", "--note", ESCAPE]) == 2
    err = capsys.readouterr().err
    assert "invalid reason" in err and "U+001B" in err and "\x1b" not in err
    assert main(["--db", url, "--lang", "zh", "violation", "open", "东湖镇", "--note", FAKE_LINE]) == 2
    assert "理由无效" in capsys.readouterr().err


def test_stored_free_text_is_shown_escaped() -> None:
    assert visible(FAKE_LINE) == "区委已批准\\n  5 2026-11-30 01:00:00 李审核 advance 区委已批准"
    assert visible(ESCAPE) == "已核实\\x1b[2K"
    assert visible(BIDI) == "正常\\u202e批准"
    assert visible("普通说明 plain") == "普通说明 plain"
