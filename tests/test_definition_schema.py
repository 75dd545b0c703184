"""The declarative checker of a definition file's shape (workflow.domain.definition_schema)."""

from typing import Any

import pytest

from workflow.domain.definition_schema import (
    DefinitionTable,
    SettingsTable,
    StageTable,
    Table,
    checked,
    default,
)
from workflow.i18n import Text

MINIMAL: dict[str, Any] = {
    "process": {"id": "p", "zh": "流程", "en": "Process", "initial": "a", "final": "a"},
    "stages": [{"id": "a", "zh": "甲", "en": "A"}],
    "transitions": [],
}


def test_what_passes_comes_back_read_only_with_new_defaults_each_time() -> None:
    first, problems = checked(DefinitionTable, MINIMAL, "m.toml")
    second, _ = checked(DefinitionTable, MINIMAL, "m.toml")
    assert problems == [] and first is not None and second is not None
    assert isinstance(first.settings, SettingsTable) and isinstance(first.stages[0], StageTable)
    assert first.settings.holidays == [] and first.settings.holidays is not second.settings.holidays
    assert first.stages[0].facts is not second.stages[0].facts
    assert first.facts == {} and first.facts is not second.facts
    with pytest.raises(AttributeError, match="read-only"):
        first.process.zh = "改"
    with pytest.raises(AttributeError, match="read-only"):
        del first.stages[0].id


def test_a_top_that_is_not_a_table_and_a_key_that_is_not_a_string_are_reported() -> None:
    out, problems = checked(DefinitionTable, [1], "odd.toml")
    assert out is None
    assert problems == [
        Text(
            "odd.toml：键「(top)」的值 [1]（数组）不合要求：应为表",
            "odd.toml: key '(top)' has value [1] (an array): expected a table",
        )
    ]
    raw = {**MINIMAL, "facts": {1: {}}}
    out, problems = checked(DefinitionTable, raw, "odd.toml")
    assert out is None
    assert [p.en for p in problems] == [
        "odd.toml: key 'facts.1' has value 1 (an integer): expected a string",
        "odd.toml: missing key 'facts.1.zh'",
        "odd.toml: missing key 'facts.1.en'",
        "odd.toml: missing key 'facts.1.fields'",
    ]


def test_a_long_unknown_key_is_cut_short_and_the_expected_keys_are_those_of_the_top() -> None:
    raw = {**MINIMAL, "x" * 100: 1}
    _, problems = checked(DefinitionTable, raw, "k.toml")
    assert [p.en for p in problems] == [
        f"k.toml: unknown key '{'x' * 40}… (100)', expected one of: process, settings, stages, transitions, facts"
    ]


def test_a_default_that_does_not_fit_its_type_is_refused_when_the_table_is_declared() -> None:
    with pytest.raises(TypeError, match=r"Bad\.n: default 'three' does not fit its type"):

        class Bad(Table):
            n: int = "three"  # type: ignore[assignment]


def test_a_list_default_must_be_made_new_each_time() -> None:
    with pytest.raises(TypeError, match=r"Shared\.names: a list or table default is default"):

        class Shared(Table):
            names: list[str] = []  # noqa: RUF012


def test_an_annotation_without_a_checker_is_refused() -> None:
    with pytest.raises(TypeError, match="no checker for the annotation"):

        class Odd(Table):
            ratio: float

    with pytest.raises(TypeError, match="no checker for the annotation"):

        class Keyed(Table):
            counts: dict[int, str] = default({})
