"""Loading and validating process definitions."""

from __future__ import annotations

from pathlib import Path

import pytest

from workflow.domain.definition import RECORDING_ROLES, default_definition, load, loads
from workflow.domain.documents import DEFAULT_MAX_MB
from workflow.domain.fields import FieldSpec
from workflow.errors import BadInput
from workflow.i18n import Text

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


def test_every_type_error_of_a_file_is_reported_with_its_key_and_value_in_both_languages(
    tmp_path: Path,
) -> None:
    text = SHIPPED.read_text(encoding="utf-8")
    for old, new in (
        ('en = "Township Party committee re-election"', "en = 42"),
        ("deadline_days = 10", 'deadline_days = "ten"'),
        ('facts = ["draft"]', 'facts = ["draft", 7]'),
        ("revert_to_any_earlier = true", 'revert_to_any_earlier = "yes"'),
        ('kind = "advance"', 'kind = "forward"'),
    ):
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "typed.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(BadInput) as e:
        load(path)
    en, zh = e.value.text.en.splitlines(), e.value.text.zh.splitlines()
    assert en == [
        f"{path}: key 'process.en' has value 42 (an integer): expected a string",
        f"{path}: key 'settings.revert_to_any_earlier' has value 'yes' (a string): "
        "expected a boolean (true or false)",
        f"{path}: key 'stages[0].deadline_days' has value 'ten' (a string): expected an integer",
        f"{path}: key 'stages[0].facts[1]' has value 7 (an integer): expected a string",
        f"{path}: key 'transitions[0].kind' has value 'forward' (a string): expected one of: advance, return",
    ]
    assert zh == [
        f"{path}：键「process.en」的值 42（整数）不合要求：应为文本",
        f"{path}：键「settings.revert_to_any_earlier」的值 'yes'（文本）不合要求：应为布尔值（true 或 false）",
        f"{path}：键「stages[0].deadline_days」的值 'ten'（文本）不合要求：应为整数",
        f"{path}：键「stages[0].facts[1]」的值 7（整数）不合要求：应为文本",
        f"{path}：键「transitions[0].kind」的值 'forward'（文本）不合要求：应为以下之一：advance, return",
    ]


@pytest.mark.parametrize(
    ("old", "new", "key", "shown"),
    [
        ("deadline_days = 10", "deadline_days = true", "stages[0].deadline_days", "true (a boolean)"),
        ("max_document_mb = 50", "max_document_mb = false", "settings.max_document_mb", "false (a boolean)"),
        (
            "max_document_mb = 50",
            "max_document_mb = 50.0",
            "settings.max_document_mb",
            "50.0 (a decimal number)",
        ),
        (
            'type = "int", zh = "发放征求意见表(份)", en = "Opinion forms issued", min = 0',
            'type = "int", zh = "发放征求意见表(份)", en = "Opinion forms issued", min = true',
            "facts.consultation.fields[0].min",
            "true (a boolean)",
        ),
    ],
)
def test_a_boolean_or_a_decimal_is_not_taken_for_an_integer(
    tmp_path: Path, old: str, new: str, key: str, shown: str
) -> None:
    path = write_variant(tmp_path, old, new)
    with pytest.raises(BadInput) as e:
        load(path)
    assert e.value.text.en == f"{path}: key '{key}' has value {shown}: expected an integer"
    assert e.value.text.zh.endswith("不合要求：应为整数") and f"「{key}」" in e.value.text.zh


def test_an_unknown_key_deep_inside_names_the_keys_of_its_own_table(tmp_path: Path) -> None:
    path = write_variant(
        tmp_path,
        '{ name = "title", type = "text", zh = "标题", en = "Title" }',
        '{ name = "title", type = "text", zh = "标题", en = "Title", foo = 1 }',
    )
    with pytest.raises(BadInput) as e:
        load(path)
    assert e.value.text.en == (
        f"{path}: unknown key 'facts.draft.fields[0].foo', "
        "expected one of: name, type, zh, en, required, choices, min, max"
    )
    assert e.value.text.zh == (
        f"{path}：未知的键「facts.draft.fields[0].foo」，应为：name, type, zh, en, required, choices, min, max"
    )


def test_a_stages_key_that_is_not_an_array_is_reported_with_the_rest() -> None:
    text = (
        '[process]\nid = "p"\nzh = "流程"\nen = "Process"\ninitial = "a"\n'
        '[stages]\nid = "a"\n'
        '[[transitions]]\nkind = "advance"\nsource = "a"\n'
    )
    with pytest.raises(BadInput) as e:
        loads(text.encode(), "flat.toml")
    assert e.value.text.en.splitlines() == [
        "flat.toml: missing key 'process.final'",
        "flat.toml: key 'stages' has value {'id': 'a'} (a table): expected an array of tables",
        "flat.toml: missing key 'transitions[0].dest'",
    ]
    assert e.value.text.zh.splitlines()[1] == (
        "flat.toml：键「stages」的值 {'id': 'a'}（表）不合要求：应为由表组成的数组"
    )


def test_a_long_value_is_shown_cut_short() -> None:
    text = many_stages(1).replace('zh = "阶段0"', f'zh = ["{"x" * 500}"]')
    with pytest.raises(BadInput) as e:
        loads(text.encode(), "long.toml")
    msg = e.value.text.en
    assert "key 'stages[0].zh' has value ['xxxx" in msg and "… (504) (an array): expected a string" in msg
    assert len(msg) < 200


def test_defaults_are_filled_when_settings_and_optional_keys_are_left_out() -> None:
    text = (
        '[process]\nid = "p"\nzh = "流程"\nen = "Process"\ninitial = "a"\nfinal = "b"\n'
        '[[stages]]\nid = "a"\nzh = "甲"\nen = "A"\nfacts = ["f"]\n'
        '[[stages]]\nid = "b"\nzh = "乙"\nen = "B"\n'
        '[[transitions]]\nkind = "advance"\nsource = "a"\ndest = "b"\n'
        '[facts.f]\nzh = "事实"\nen = "Fact"\nfields = [{ name = "n", type = "int", zh = "数", en = "N" }]\n'
    )
    d = loads(text.encode(), "short.toml")
    assert d.calendar.holidays == frozenset() and d.calendar.working_weekends == frozenset()
    assert d.rule_set == Text("", "")
    assert d.revert_to_any_earlier is True
    assert d.max_document_bytes == DEFAULT_MAX_MB * 1024 * 1024
    a, b = d.stages
    assert (a.deadline_days, a.rosters, a.checks) == (None, (), ())
    assert (b.facts, b.rosters, b.checks) == ((), (), ())
    assert d.transitions[0].when is None
    fact = d.facts["f"]
    assert fact.recorded_by == RECORDING_ROLES and fact.document is None
    assert fact.fields == (
        FieldSpec(name="n", type="int", zh="数", en="N", required=True, choices=(), min=None),
    )


def test_loading_a_definition_imports_no_pydantic() -> None:
    import subprocess
    import sys

    code = (
        "import sys, workflow.domain.definition as d; d.default_definition(); "
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pydantic', 'pydantic_core')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


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
    d = loads(many_stages(20_000).encode(), "long.toml")
    assert len(d.stages) == 20_001
    assert d.stages[-1].id == "done" and d.stages[12_345].id == "s12345" and d.stages[12_345].order == 12_346


def test_an_error_in_a_long_definition_lists_a_few_ids_not_all() -> None:
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
