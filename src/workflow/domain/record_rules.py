"""Records that cannot be true: the rules a fact's values and dates must keep, against
each other, against the township's start and against the step that rests on them.

Pure functions (no SQL, no Textual): the service calls them so that the CLI and the
TUI refuse alike, each refusal a bilingual message with the numbers."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workflow.domain.definition import Fact
from workflow.i18n import Text

PERIODS: tuple[tuple[str, str], ...] = (("start", "end"),)
"""Date fields that open and close a period (and ``<x>_start`` / ``<x>_end`` pairs)."""

AT_MOST: tuple[tuple[str, str], ...] = (
    ("present", "should_attend"),
    ("ballots_returned", "ballots_issued"),
)
"""Counts that cannot exceed another count of the same fact: (smaller, larger)."""

EVIDENCE_DATE_FIELDS = ("date",)
"""Roster columns that date the evidence a step rests on (a birth date does not)."""


@dataclass(frozen=True, slots=True)
class Evidence:
    """A dated piece of what an advance rests on: which, and its date."""

    what: Text
    day: dt.date


def _field_label(fact: Fact, name: str) -> Text:
    spec = next((f for f in fact.fields if f.name == name), None)
    return spec.label() if spec is not None else Text(name, name)


def _periods(fact: Fact) -> list[tuple[str, str]]:
    names = {f.name for f in fact.fields if f.type == "date"}
    pairs = [(a, b) for a, b in PERIODS if a in names and b in names]
    for n in sorted(names):
        if n.endswith("_start") and n.removesuffix("_start") + "_end" in names:
            pairs.append((n, n.removesuffix("_start") + "_end"))
    return pairs


def value_problems(fact: Fact, values: Mapping[str, Any]) -> list[Text]:
    """A period that ends before it starts; a count above the count it is part of."""
    out: list[Text] = []
    for start, end in _periods(fact):
        a, b = values.get(start), values.get(end)
        if isinstance(a, dt.date) and isinstance(b, dt.date) and b < a:
            sa, sb = _field_label(fact, start), _field_label(fact, end)
            out.append(
                Text(
                    f"「{fact.zh}」：{sb.zh}{b}早于{sa.zh}{a}（结束不能早于开始）",
                    f"{fact.en}: {sb.en} {b} is before {sa.en} {a} (a period cannot end before it starts)",
                )
            )
    for small, large in AT_MOST:
        a, b = values.get(small), values.get(large)
        if isinstance(a, int) and isinstance(b, int) and a > b:
            sa, sb = _field_label(fact, small), _field_label(fact, large)
            out.append(
                Text(
                    f"「{fact.zh}」：{sa.zh}{a}多于{sb.zh}{b}",
                    f"{fact.en}: {sa.en} {a} is more than {sb.en} {b}",
                )
            )
    return out


def start_problems(
    fact: Fact, values: Mapping[str, Any], effective: dt.date, started: dt.date | None, given: bool = True
) -> list[Text]:
    """A record dated before the township's process started; with a ``given`` start
    (not merely the day the township was entered), a date inside the record too."""
    if started is None:
        return []
    out: list[Text] = []
    if effective < started:
        out.append(
            Text(
                f"「{fact.zh}」的生效日期{effective}早于该乡镇换届开始的日期{started}",
                f"{fact.en}: effective date {effective} is before the township started on {started}",
            )
        )
    for f in fact.fields if given else ():
        day = values.get(f.name)
        if f.type == "date" and isinstance(day, dt.date) and day < started:
            out.append(
                Text(
                    f"「{fact.zh}」：{f.zh}{day}早于该乡镇换届开始的日期{started}",
                    f"{fact.en}: {f.en} {day} is before the township started on {started}",
                )
            )
    return out


def record_problems(
    fact: Fact,
    values: Mapping[str, Any],
    effective: dt.date,
    started: dt.date | None,
    given: bool = True,
) -> list[Text]:
    """Everything that makes a fact's record impossible (empty when it can be true)."""
    return value_problems(fact, values) + start_problems(fact, values, effective, started, given)


def fact_evidence(fact: Fact, values: Mapping[str, Any], recorded_on: dt.date | None) -> list[Evidence]:
    """The dates of a recorded fact: each date field, and the day it was recorded as
    effective."""
    out = [
        Evidence(Text(f"「{fact.zh}」的{f.zh}", f"the {f.en} of {fact.en}"), values[f.name])
        for f in fact.fields
        if f.type == "date" and isinstance(values.get(f.name), dt.date)
    ]
    if recorded_on is not None:
        out.append(Evidence(Text(f"「{fact.zh}」的记录", f"the record of {fact.en}"), recorded_on))
    return out


def roster_evidence(label: Text, rows: Sequence[Mapping[str, Any]]) -> list[Evidence]:
    """The latest evidence date of a roster's rows (a pledge's, a talk's date)."""
    days = [row[name] for row in rows for name in EVIDENCE_DATE_FIELDS if isinstance(row.get(name), dt.date)]
    if not days:
        return []
    return [
        Evidence(Text(f"{label.zh}名册中最晚的日期", f"the latest date in the {label.en} roster"), max(days))
    ]


def advance_problems(effective: dt.date, evidence: Iterable[Evidence]) -> list[Text]:
    """An advance dated before what it rests on: each later piece, with its date."""
    return [
        Text(
            f"推进日期{effective}早于{e.what.zh}{e.day}",
            f"advance date {effective} is before {e.what.en} ({e.day})",
        )
        for e in sorted(evidence, key=lambda e: e.day)
        if e.day > effective
    ]


def refusal(problems: list[Text]) -> Text:
    """The problems as one message: a heading, then a line each."""
    n = len(problems)
    head = Text(
        f"这不可能成立（{n}处）：",
        "this cannot be true (1 problem):" if n == 1 else f"this cannot be true ({n} problems):",
    )
    return Text(
        "\n".join([head.zh, *(f"  - {p.zh}" for p in problems)]),
        "\n".join([head.en, *(f"  - {p.en}" for p in problems)]),
    )
