"""The one text normaliser: NFKC, invisible / control / bidi characters refused with
their position and code point, over-long values refused without echoing them; used
for every name (districts, townships, users) and the roster duplicate key."""

from __future__ import annotations

import pytest

from tests.hostile import full_dump
from workflow.app.service import Service
from workflow.domain.text import TextProblem, name_key, normalise
from workflow.errors import BadInput


@pytest.mark.parametrize(
    ("raw", "clean"),
    [
        ("  东湖镇 ", "东湖镇"),
        ("１２３", "123"),  # full-width digits
        ("Zoe\u0308", "Zoë"),  # NFD to NFC
        ("Ａｌｉｃｅ", "Alice"),
        ("张\u3000三", "张 三"),  # ideographic space
    ],
)
def test_normalise_folds_compatibility_forms(raw: str, clean: str) -> None:
    assert normalise(raw) == clean


@pytest.mark.parametrize(
    ("raw", "code"),
    [
        ("ro\u200bot", "U+200B"),  # zero-width space
        ("ro\u200dot", "U+200D"),  # zero-width joiner
        ("ab\u202ecd", "U+202E"),  # right-to-left override
        ("ab\u2066cd", "U+2066"),  # left-to-right isolate
        ("a\x07b", "U+0007"),  # control
        ("a\nb", "U+000A"),
        ("\ufeffabc", "U+FEFF"),
        ("a\u3164b", "U+3164"),  # Hangul filler: blank but not a space
    ],
)
def test_invisible_and_control_characters_are_refused_by_position(raw: str, code: str) -> None:
    with pytest.raises(TextProblem) as e:
        normalise(raw)
    assert code in e.value.reason.en and code in e.value.reason.zh
    assert "character" in e.value.reason.en and "个字符" in e.value.reason.zh


def test_an_over_long_value_is_not_echoed() -> None:
    with pytest.raises(TextProblem) as e:
        normalise("名" * 10_000, max_length=200)
    assert "10000 characters, at most 200" in e.value.reason.en
    assert len(e.value.reason.en) < 150 and len(e.value.reason.zh) < 150


def test_name_key_compares_case_and_spacing_insensitively() -> None:
    assert name_key("Li  Si") == name_key("li si") == name_key("ＬＩ ＳＩ")


def test_a_look_alike_admin_is_refused(svc: Service) -> None:
    before = full_dump(svc)
    with pytest.raises(BadInput) as e:
        svc.add_user("ad\u200bmin", "admin")
    assert "U+200B" in e.value.text.en and "user name" in e.value.text.en
    assert "用户名" in e.value.text.zh
    assert full_dump(svc) == before


@pytest.mark.parametrize("kind", ["district", "township", "user"])
def test_a_10000_character_name_gets_a_short_message(svc: Service, kind: str) -> None:
    name = "名" * 10_000
    before = full_dump(svc)
    with pytest.raises(BadInput) as e:
        if kind == "district":
            svc.add_district(name)
        elif kind == "township":
            svc.add_township(name, "某区")
        else:
            svc.add_user(name, "coordinator")
    assert "10000 characters, at most 200" in e.value.text.en
    assert len(e.value.text.en) < 200 and len(e.value.text.zh) < 200
    assert full_dump(svc) == before


def test_a_decomposed_or_full_width_township_name_is_the_same_township(svc: Service) -> None:
    svc.add_township("Zoë镇", "某区")
    before = full_dump(svc)
    with pytest.raises(BadInput) as e:
        svc.add_township("Zoe\u0308镇", "某区")
    assert "already has" in e.value.text.en
    assert full_dump(svc) == before
    assert svc.status("Zoe\u0308镇").township == "Zoë镇"
    svc.add_township("镇１", "某区")
    assert svc.status("镇1").township == "镇1"
