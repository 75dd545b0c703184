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


@pytest.mark.parametrize(
    ("old", "new", "key", "expected"),
    [
        (
            "params = { margin = 0.20 }",
            "params = { margin = nan }",
            "stages[3].checks[1].params.margin",
            "not a finite number",
        ),
        (
            "params = { margin = 0.20 }",
            "params = { margin = inf }",
            "stages[3].checks[1].params.margin",
            "not a finite number",
        ),
        (
            "params = { margin = 0.20 }",
            "params = { margin = -0.5 }",
            "stages[3].checks[1].params.margin",
            "out of range, expected 0 to 1",
        ),
        (
            "params = { margin = 0.20 }",
            "params = { margin = 1.5 }",
            "stages[3].checks[1].params.margin",
            "out of range, expected 0 to 1",
        ),
        (
            "params = { ratio = 0.8 }",
            "params = { ratio = 4.0 }",
            "stages[7].checks[0].params.ratio",
            "out of range",
        ),
        (
            "params = { min = 100, max = 300 }",
            "params = { min = 300, max = 100 }",
            "stages[3].checks[0].params",
            "min (300) is greater than max (100)",
        ),
        (
            "params = { min = 100, max = 300 }",
            "params = { min = 0, max = 300 }",
            "stages[3].checks[0].params.min",
            "out of range, expected 1 to 100000",
        ),
        (
            "deadline_days = 10",
            "deadline_days = 100000000000000000",
            "stages[0].deadline_days",
            "out of range, expected 1 to 3650",
        ),
        (
            "deadline_days = 10",
            "deadline_days = 0",
            "stages[0].deadline_days",
            "out of range, expected 1 to 3650",
        ),
        (
            "params = { tier = 1 }",
            "params = { tier = 7 }",
            "stages[5].checks[0].params.tier",
            "out of range, expected 1 to 3",
        ),
        (
            "params = { categories = [4, 5, 6] }",
            "params = { categories = [4, 9] }",
            "params.categories",
            "expected distinct whole numbers from 1 to 6",
        ),
        (
            'params = { base = "present" }',
            'params = { base = "everyone" }',
            "params.base",
            "expected one of: present, should_attend",
        ),
        (
            'params = { fact = "draft" }',
            'params = { fact = "draft_typo" }',
            "stages[0].checks[0].params.fact",
            "undefined fact 'draft_typo'",
        ),
        (
            'field = "forms_issued"',
            'field = "forms_isued"',
            "stages[1].checks[1].params.field",
            "fact 'consultation' has no field 'forms_isued'",
        ),
        ('zh = "起草工作报告"', 'zh = "起草\u200b工作报告"', "stages[0].zh", "U+200B"),
        ('id = "draft_report"', 'id = "draft report"', "stages[0].id", "identifier 'draft report'"),
    ],
)
def test_every_parameter_has_a_range_and_names_file_and_key(
    tmp_path: Path, old: str, new: str, key: str, expected: str
) -> None:
    path = write_variant(tmp_path, old, new)
    with pytest.raises(BadInput) as e:
        load(path)
    msg = e.value.text.en
    assert str(path) in msg and key in msg and expected in msg
    assert str(path) in e.value.text.zh


def test_nothing_may_leave_the_final_stage(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    text += '\n[[transitions]]\nkind = "advance"\nsource = "completed"\ndest = "draft_report"\n'
    path = tmp_path / "cycle.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as e:
        load(path)
    assert "nothing may leave the final stage 'completed' (advance)" in e.value.text.en
    assert "不能从最终阶段「completed」" in e.value.text.zh


def test_a_return_out_of_the_final_stage_is_refused(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    text += '\n[[transitions]]\nkind = "return"\nsource = "completed"\ndest = "congress"\n'
    path = tmp_path / "back.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as e:
        load(path)
    assert "nothing may leave the final stage 'completed' (return)" in e.value.text.en


def test_a_return_condition_naming_an_unknown_field_is_refused(tmp_path: Path) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    old = 'when = { fact = "review", field = "decision"'
    assert old in text
    path = tmp_path / "when.toml"
    path.write_text(text.replace(old, 'when = { fact = "review", field = "verdict"'), encoding="utf-8")
    with pytest.raises(BadInput) as e:
        load(path)
    assert ".when.field: fact 'review' has no field 'verdict'" in e.value.text.en


def test_deep_nesting_is_a_clear_error_not_a_recursion_error(tmp_path: Path) -> None:
    for depth in (20, 100_000):
        path = tmp_path / f"deep{depth}.toml"
        path.write_text("x = " + "[" * depth + "]" * depth + "\n", encoding="utf-8")
        with pytest.raises(BadInput) as e:
            load(path)
        assert (
            f"deep{depth}.toml" in e.value.text.en
            and "nested too deeply (at most 8 levels)" in e.value.text.en
        )
        assert "嵌套过深" in e.value.text.zh


def many_stages(n: int) -> str:
    """A valid definition of ``n`` working stages and a final one (bench/generate.py's)."""
    import sys

    sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "bench"))
    from generate import many_stages as generated

    return generated(n)


def test_twenty_thousand_stages_load_in_order() -> None:
    # Loading was quadratic (66 s for 20,000 stages); the numbers are in bench/run.py.
    from workflow.domain.definition import loads

    d = loads(many_stages(20_000).encode(), "long.toml")
    assert len(d.stages) == 20_001
    assert d.stages[-1].id == "done" and d.stages[12_345].id == "s12345" and d.stages[12_345].order == 12_346


def test_an_error_in_a_long_definition_lists_a_few_ids_not_all() -> None:
    from workflow.domain.definition import loads

    text = many_stages(5_000).replace('initial = "s0"', 'initial = "nope"')
    with pytest.raises(BadInput) as e:
        loads(text.encode(), "long.toml")
    assert "process.initial: unknown stage 'nope'" in e.value.text.en
    assert len(e.value.text.en) < 500


def test_district_add_with_a_nan_margin_is_refused_and_changes_nothing(tmp_path: Path) -> None:
    from tests.conftest import make_service
    from tests.hostile import full_dump

    svc = make_service(f"sqlite:///{tmp_path}/w.db")
    svc.init()
    path = write_variant(tmp_path, "params = { margin = 0.20 }", "params = { margin = nan }")
    before = full_dump(svc)
    with pytest.raises(BadInput) as e:
        svc.add_district("新区", str(path))
    assert "params.margin: value nan is not a finite number" in e.value.text.en
    assert full_dump(svc) == before
