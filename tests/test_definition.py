"""Loading and validating process definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.domain.definition import default_definition, load
from workflow.errors import BadInput

SHIPPED = Path(__file__).parent.parent / "states" / "township_election.toml"


def write_variant(tmp_path: Path, old: str, new: str) -> Path:
    text = SHIPPED.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "district.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return path


def test_shipped_definition_has_eight_stages_and_completed() -> None:
    d = default_definition()
    assert [s.id for s in d.stages] == [
        "draft_report",
        "lower_consultation",
        "upper_review",
        "delegate_nomination",
        "personnel_plan",
        "talks",
        "pledges",
        "congress",
        "completed",
    ]
    assert [s.order for s in d.stages] == list(range(1, 10))
    assert d.stage("talks").zh == "分级谈话"
    assert d.next_stage("congress") == "completed"


def test_gate_parameters_come_from_the_file() -> None:
    d = default_definition()
    margin = next(c for c in d.stage("delegate_nomination").checks if c.id == "delegate_margin")
    assert margin.params == {"margin": 0.2}
    quorum = next(c for c in d.stage("congress").checks if c.id == "quorum")
    assert quorum.params == {"ratio": 0.8}


def test_typo_in_a_key_names_file_key_and_expectation(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "deadline_days = 10", "deadline_dayz = 10")
    with pytest.raises(BadInput) as e:
        load(path)
    msg = e.value.text.en
    assert str(path) in msg
    assert "stages[0].deadline_dayz" in msg
    assert "unknown key" in msg and "deadline_days" in msg
    assert "未知的键" in e.value.text.zh


def test_gate_without_implementation_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, 'gate = "quorum"', 'gate = "quorom"')
    with pytest.raises(BadInput) as e:
        load(path)
    assert "gate 'quorom' has no implementation" in e.value.text.en
    assert "stages[7].checks[0].gate" in e.value.text.en


def test_parameter_of_wrong_type_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "params = { margin = 0.20 }", 'params = { margin = "20%" }')
    with pytest.raises(BadInput) as e:
        load(path)
    assert "params.margin" in e.value.text.en
    assert "expected number" in e.value.text.en


def test_unknown_parameter_is_refused(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "params = { ratio = 0.8 }", "params = { ratio = 0.8, base = 1 }")
    with pytest.raises(BadInput) as e:
        load(path)
    assert "params.base: unknown parameter, expected one of: ratio" in e.value.text.en


def test_unreachable_stage_is_refused(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path,
        'source = "pledges"\ndest = "congress"',
        'source = "pledges"\ndest = "completed"',
    )
    with pytest.raises(BadInput) as e:
        load(path)
    assert "stage 'congress' cannot be reached" in e.value.text.en


def test_toml_syntax_error_names_the_file(tmp_path: Path) -> None:
    path = tmp_path / "broken.toml"
    path.write_text("[process\nid = 1\n", encoding="utf-8")
    with pytest.raises(BadInput) as e:
        load(path)
    assert "broken.toml" in e.value.text.en and "TOML syntax error" in e.value.text.en


def test_missing_file_is_bad_input(tmp_path: Path) -> None:
    with pytest.raises(BadInput) as e:
        load(tmp_path / "nope.toml")
    assert "nope.toml" in e.value.text.en


def test_a_district_may_tighten_a_parameter(tmp_path: Path) -> None:
    path = write_variant(tmp_path, "params = { margin = 0.20 }", "params = { margin = 0.25 }")
    d = load(path)
    margin = next(c for c in d.stage("delegate_nomination").checks if c.id == "delegate_margin")
    assert margin.params["margin"] == 0.25


def test_stage_order_may_be_changed_by_the_transitions(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    text = text.replace(
        'source = "personnel_plan"\ndest = "talks"', 'source = "personnel_plan"\ndest = "pledges"'
    )
    text = text.replace('source = "talks"\ndest = "pledges"', 'source = "talks"\ndest = "congress"')
    text = text.replace('source = "pledges"\ndest = "congress"', 'source = "pledges"\ndest = "talks"')
    path = tmp_path / "swapped.toml"
    path.write_text(text, encoding="utf-8")
    d = load(path)
    assert [s.id for s in d.stages][5:7] == ["pledges", "talks"]
