"""What a process definition's values may be, beyond their types: the range of every
gate parameter (finite numbers, 0 ≤ margin ≤ 1, min ≤ max), deadline and field
bounds, identifiers and labels, the nesting depth of the raw file, and the shape of
the stage graph (nothing leaves the final stage, the advances run from the initial to
the final stage without a cycle, every fact and field a check or a return names
exists). Each problem names the file and the key; every check is linear in the size
of the file."""

from __future__ import annotations

import math
import re
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workflow.domain.text import TextProblem, is_clean, normalise, shorten
from workflow.i18n import Text, tr

MAX_DEPTH = 8
"""Deepest nesting of tables and arrays (``stages[6].checks[0].params.categories[2]``,
the deepest value a definition needs, is at level 7)."""
MAX_DEADLINE_DAYS = 3650
MAX_FIELD_BOUND = 10**9
MAX_LABEL = 200
MAX_LISTED = 10
"""Identifiers listed in a message before '...'."""

IDENT = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


@dataclass(frozen=True, slots=True)
class Bound:
    """The allowed range of one gate parameter (both ends included)."""

    low: float | None = None
    high: float | None = None
    choices: tuple[str, ...] = ()
    items: tuple[int, int] | None = None  # a list of whole numbers in this range


PARAM_BOUNDS: dict[str, Bound] = {
    "margin": Bound(0, 1),
    "ratio": Bound(0, 1),
    "min": Bound(0, 100_000),
    "max": Bound(1, 100_000),
    "age": Bound(18, 100),
    "years": Bound(1, 60),
    "working_days": Bound(0, 366),
    "tier": Bound(1, 3),
    "base": Bound(choices=("present", "should_attend")),
    "categories": Bound(items=(1, 6)),
}


def listed(values: Iterable[str]) -> str:
    """At most :data:`MAX_LISTED` values for a message, then how many more."""
    items = list(values)
    head = ", ".join(items[:MAX_LISTED])
    return head if len(items) <= MAX_LISTED else f"{head}, ... (+{len(items) - MAX_LISTED})"


def too_deep(raw: Any) -> str | None:
    """The key of the first value nested deeper than :data:`MAX_DEPTH`, else None
    (walked without recursion)."""
    stack: list[tuple[Any, str, int]] = [(raw, "", 0)]
    while stack:
        value, key, depth = stack.pop()
        if depth >= MAX_DEPTH:
            return key or "(top)"
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for k, v in items:
            if isinstance(v, Mapping | list):  # only containers go deeper
                stack.append(
                    (v, f"{key}[{k}]" if isinstance(k, int) else (f"{key}.{k}" if key else k), depth + 1)
                )
    return None


def param_problems(source: str, where: str, name: str, value: Any, gate: str) -> list[Text]:
    """What is wrong with the value of gate parameter ``name`` (its type is checked
    elsewhere)."""
    key = f"{where}.params.{name}"
    bound = PARAM_BOUNDS.get(name)
    if isinstance(value, float) and not math.isfinite(value):
        return [
            tr(
                "{f}：{k}：值 {v} 不是有限数",
                "{f}: {k}: value {v} is not a finite number",
                f=source,
                k=key,
                v=value,
            )
        ]
    if bound is None:
        if isinstance(value, list):
            return _list_problems(source, key, value)
        return []
    if bound.choices:
        if value not in bound.choices:
            return [
                tr(
                    "{f}：{k}：值 {v!r} 应为以下之一：{o}",
                    "{f}: {k}: value {v!r}, expected one of: {o}",
                    f=source,
                    k=key,
                    v=value,
                    o=", ".join(bound.choices),
                )
            ]
        return []
    if bound.items is not None:
        lo, hi = bound.items
        bad = [x for x in value if isinstance(x, bool) or not isinstance(x, int) or not lo <= x <= hi]
        if bad or len(set(value)) != len(value):
            return [
                tr(
                    "{f}：{k}：应为{a}到{b}之间互不相同的整数，而不是 {v}",
                    "{f}: {k}: expected distinct whole numbers from {a} to {b}, not {v}",
                    f=source,
                    k=key,
                    a=lo,
                    b=hi,
                    v=shorten(repr(value)),
                )
            ]
        return []
    low, high = bound.low, bound.high
    if name == "min" and gate == "delegate_seats":
        low = 1
    number = isinstance(value, int | float) and not isinstance(value, bool)
    if number and ((low is not None and value < low) or (high is not None and value > high)):
        return [
            tr(
                "{f}：{k}：值 {v} 超出范围，应在 {a} 到 {b} 之间",
                "{f}: {k}: value {v} is out of range, expected {a} to {b}",
                f=source,
                k=key,
                v=shorten(repr(value)),
                a=_num(low),
                b=_num(high),
            )
        ]
    return []


def _num(value: float | None) -> str:
    if value is None:
        return "-"
    return str(int(value)) if float(value).is_integer() else str(value)


def _list_problems(source: str, key: str, value: list[Any]) -> list[Text]:
    """A list of words (such as ``secretary_posts``): short printable strings."""
    for i, item in enumerate(value):
        if not isinstance(item, str) or not item.strip() or len(item) > MAX_LABEL:
            return [
                tr(
                    "{f}：{k}[{i}]：应为不超过{m}字的非空文本",
                    "{f}: {k}[{i}]: expected non-empty text of at most {m} characters",
                    f=source,
                    k=key,
                    i=i,
                    m=MAX_LABEL,
                )
            ]
    return []


def min_max_problems(source: str, key: str, params: Mapping[str, Any]) -> list[Text]:
    lo, hi = params.get("min"), params.get("max")
    if isinstance(lo, int) and isinstance(hi, int) and lo > hi:
        return [
            tr(
                "{f}：{k}：min（{a}）大于 max（{b}）",
                "{f}: {k}: min ({a}) is greater than max ({b})",
                f=source,
                k=key,
                a=lo,
                b=hi,
            )
        ]
    return []


def ident_problems(source: str, key: str, value: str) -> list[Text]:
    """An identifier (stage, check, fact, field): letters, digits and '_', at most 64."""
    if IDENT.fullmatch(value):
        return []
    return [
        tr(
            "{f}：{k}：标识「{v}」应为字母开头、由字母数字和下划线组成、不超过64个字符",
            "{f}: {k}: identifier '{v}' must start with a letter and hold only letters, "
            "digits and '_' (at most 64)",
            f=source,
            k=key,
            v=shorten(value),
        )
    ]


def label_problems(source: str, key: str, value: str) -> list[Text]:
    """A label shown to people: the one text normaliser's rules, at most 200."""
    if is_clean(value, MAX_LABEL):
        return []
    try:
        normalise(value, max_length=MAX_LABEL)
    except TextProblem as e:
        return [Text(f"{source}：{key}：{e.reason.zh}", f"{source}: {key}: {e.reason.en}")]
    if not value.strip():
        return [tr("{f}：{k}：不能为空", "{f}: {k}: must not be empty", f=source, k=key)]
    return []


def bounded_int_problems(source: str, key: str, value: int | None, low: int, high: int) -> list[Text]:
    if value is None or low <= value <= high:
        return []
    return [
        tr(
            "{f}：{k}：值 {v} 超出范围，应在 {a} 到 {b} 之间",
            "{f}: {k}: value {v} is out of range, expected {a} to {b}",
            f=source,
            k=key,
            v=shorten(str(value)),
            a=low,
            b=high,
        )
    ]


def graph_problems(
    source: str,
    initial: str,
    final: str,
    stage_ids: Sequence[str],
    edges: Sequence[tuple[int, str, str, str]],
) -> list[Text]:
    """The stage graph: ``edges`` are (index, kind, source, dest). Nothing leaves the
    final stage; one advance per stage; the advances lead from the initial stage to
    the final one without a cycle, reaching every stage."""
    problems: list[Text] = []
    for k, kind, src, _dest in edges:
        if src == final:
            problems.append(
                tr(
                    "{f}：transitions[{k}]：不能从最终阶段「{s}」{w}",
                    "{f}: transitions[{k}]: nothing may leave the final stage '{s}' ({w})",
                    f=source,
                    k=k,
                    s=final,
                    w=kind,
                )
            )
    advances = [(src, dest) for _, kind, src, dest in edges if kind == "advance"]
    counts = Counter(src for src, _ in advances)
    for src, n in counts.items():
        if n > 1:
            problems.append(
                tr(
                    "{f}：transitions：阶段「{s}」有多个前进方向",
                    "{f}: transitions: stage '{s}' has more than one advance",
                    f=source,
                    s=src,
                )
            )
    if problems:
        return problems
    step = dict(advances)
    chain = [initial]
    on_chain = {initial}
    while (nxt := step.get(chain[-1])) is not None:
        if nxt in on_chain:
            problems.append(
                tr(
                    "{f}：transitions：前进路线从「{a}」回到「{b}」，形成循环",
                    "{f}: transitions: the advances loop from '{a}' back to '{b}'",
                    f=source,
                    a=chain[-1],
                    b=nxt,
                )
            )
            return problems
        chain.append(nxt)
        on_chain.add(nxt)
    if chain[-1] != final:
        problems.append(
            tr(
                "{f}：transitions：从初始阶段「{i}」前进止于「{e}」，到不了最终阶段「{z}」",
                "{f}: transitions: advancing from the initial stage '{i}' stops at '{e}' and never "
                "reaches the final stage '{z}'",
                f=source,
                i=initial,
                e=chain[-1],
                z=final,
            )
        )
    missed = [s for s in stage_ids if s not in on_chain]
    if missed:
        problems.append(
            tr(
                "{f}：stages：阶段 {s} 从初始阶段「{i}」无法到达",
                "{f}: stages: stage {s} cannot be reached from the initial stage '{i}'",
                f=source,
                s=listed(f"'{m}'" for m in missed),
                i=initial,
            )
        )
    return problems
