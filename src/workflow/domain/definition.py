"""The process definition: stages, transitions, gates and facts, loaded from TOML
and validated so that every mistake names the file, the key and what was expected."""

from __future__ import annotations

import datetime as dt
import gc
import tomllib
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from workflow.domain.definition_checks import (
    MAX_DEADLINE_DAYS,
    MAX_DEPTH,
    MAX_FIELD_BOUND,
    bounded_int_problems,
    graph_problems,
    ident_problems,
    label_problems,
    listed,
    min_max_problems,
    param_problems,
    too_deep,
)
from workflow.domain.definition_schema import RECORDING_ROLES as RECORDING_ROLES  # a fact's default
from workflow.domain.definition_schema import DefinitionTable, checked
from workflow.domain.documents import DEFAULT_MAX_MB
from workflow.domain.fields import FIELD_TYPES, FieldSpec
from workflow.domain.gates import GATES, REQUIRED, Calendar
from workflow.domain.rosters import ROSTER_KINDS
from workflow.domain.text import shorten
from workflow.errors import BadInput
from workflow.i18n import Text, tr

DEFAULT_NAME = "township_election.toml"
MAX_FILE_BYTES = 16 * 1024 * 1024
MAX_DOCUMENT_MB = 1024
"""The most ``settings.max_document_mb`` may allow."""


@dataclass(frozen=True, slots=True)
class Check:
    id: str
    gate: str
    params: dict[str, Any]
    evidence: tuple[str, ...] = ()
    """Facts that must each have a document attached for this check to pass."""


@dataclass(frozen=True, slots=True)
class Stage:
    id: str
    order: int
    zh: str
    en: str
    deadline_days: int | None
    facts: tuple[str, ...]
    rosters: tuple[str, ...]
    checks: tuple[Check, ...]

    def label(self) -> Text:
        return Text(self.zh, self.en)


@dataclass(frozen=True, slots=True)
class Transition:
    kind: str
    source: str
    dest: str
    when: tuple[str, str, str] | None = None


@dataclass(frozen=True, slots=True)
class Fact:
    name: str
    zh: str
    en: str
    fields: tuple[FieldSpec, ...]
    recorded_by: tuple[str, ...] = RECORDING_ROLES
    """The roles that may record this fact (auditors never record)."""
    document: Text | None = None
    """What the document that evidences this fact is (the 批复, the vote record)."""

    def label(self) -> Text:
        return Text(self.zh, self.en)

    def document_label(self) -> Text:
        """The document a gate asks for, named in both languages."""
        if self.document is not None:
            return self.document
        return Text(f"「{self.zh}」的证明文件", f"a document evidencing {self.en}")


@dataclass(frozen=True, eq=False)
class Definition:
    """A validated process definition."""

    source: str
    id: str
    zh: str
    en: str
    initial: str
    final: str
    stages: tuple[Stage, ...]
    transitions: tuple[Transition, ...]
    facts: dict[str, Fact]
    calendar: Calendar
    rule_set: Text
    revert_to_any_earlier: bool
    max_document_bytes: int = DEFAULT_MAX_MB * 1024 * 1024
    """The largest document that may be attached (``settings.max_document_mb``)."""
    _by_id: dict[str, Stage] = field(default_factory=dict, repr=False)
    _labels: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        self._by_id.update({s.id: s for s in self.stages})

    def stage(self, stage_id: str) -> Stage:
        return self._by_id[stage_id]

    def has_stage(self, stage_id: str) -> bool:
        return stage_id in self._by_id

    def forward(self, source: str) -> Transition | None:
        """The advance transition leaving ``source``, if any (looked up once per stage)."""
        found = self._labels.setdefault("forward", {})
        if source not in found:
            found[source] = next(
                (t for t in self.transitions if t.kind == "advance" and t.source == source), None
            )
        return found[source]  # type: ignore[no-any-return]

    def next_stage(self, source: str) -> str | None:
        t = self.forward(source)
        return t.dest if t else None

    def working_stages(self) -> tuple[Stage, ...]:
        """The stages a township works through (every stage but the final one)."""
        return tuple(s for s in self.stages if s.id != self.final)

    def order_text(self) -> Text:
        """The stage order, for messages."""
        return Text(
            " → ".join(f"{s.order}.{s.zh}" for s in self.stages),
            " → ".join(f"{s.order}.{s.id}" for s in self.stages),
        )

    def fact_labels(self) -> dict[str, Text]:
        """Each fact's label (built once: every gate check asks for them)."""
        if "facts" not in self._labels:
            self._labels["facts"] = {name: f.label() for name, f in self.facts.items()}
        labels: dict[str, Text] = self._labels["facts"]
        return labels

    def document_labels(self) -> dict[str, Text]:
        """Each fact's document label (built once)."""
        if "documents" not in self._labels:
            self._labels["documents"] = {name: f.document_label() for name, f in self.facts.items()}
        labels: dict[str, Text] = self._labels["documents"]
        return labels

    def evidence_facts(self) -> tuple[str, ...]:
        """Every fact some check asks a document for, in definition order."""
        seen: dict[str, None] = {}
        for s in self.stages:
            for c in s.checks:
                seen.update(dict.fromkeys(c.evidence))
        return tuple(seen)

    def field_labels(self) -> dict[tuple[str, str], Text]:
        """Each fact field's label, by (fact, field) (built once)."""
        if "fields" not in self._labels:
            self._labels["fields"] = {
                (name, x.name): x.label() for name, f in self.facts.items() for x in f.fields
            }
        labels: dict[tuple[str, str], Text] = self._labels["fields"]
        return labels


def _type_ok(value: object, want: type | tuple[type, ...]) -> bool:
    if isinstance(value, bool) and want is not bool:
        return False
    if want is float:
        return isinstance(value, int | float)
    return isinstance(value, want)


def _type_name(want: type | tuple[type, ...]) -> str:
    names = {int: "integer", float: "number", str: "string", list: "list", bool: "boolean"}
    if isinstance(want, tuple):
        return " or ".join(names.get(w, w.__name__) for w in want)
    return names.get(want, want.__name__)


def build(raw: dict[str, Any], source: str) -> Definition:
    """Validate the parsed TOML ``raw`` and build a :class:`Definition`."""
    d, problems = checked(DefinitionTable, raw, source)
    if d is None:
        raise BadInput(_joined(problems))
    ids = [s.id for s in d.stages]
    stage_ids: set[str] = set()
    problems += label_problems(source, "process.zh", d.process.zh) + label_problems(
        source, "process.en", d.process.en
    )
    for i, s in enumerate(d.stages):
        problems += ident_problems(source, f"stages[{i}].id", s.id)
        problems += label_problems(source, f"stages[{i}].zh", s.zh) + label_problems(
            source, f"stages[{i}].en", s.en
        )
        problems += bounded_int_problems(
            source, f"stages[{i}].deadline_days", s.deadline_days, 1, MAX_DEADLINE_DAYS
        )
        if s.id not in stage_ids:
            stage_ids.add(s.id)
        else:
            problems.append(
                tr(
                    "{f}：stages[{i}].id：阶段「{s}」重复",
                    "{f}: stages[{i}].id: stage '{s}' repeated",
                    f=source,
                    i=i,
                    s=s.id,
                )
            )
    for key in ("initial", "final"):
        value = getattr(d.process, key)
        if value not in stage_ids:
            problems.append(
                tr(
                    "{f}：process.{k}：未知阶段「{v}」，应为：{e}",
                    "{f}: process.{k}: unknown stage '{v}', expected one of: {e}",
                    f=source,
                    k=key,
                    v=value,
                    e=listed(ids),
                )
            )
    facts: dict[str, Fact] = {}
    for name, fact in d.facts.items():
        specs = []
        problems += ident_problems(source, f"facts.{name}", name)
        problems += label_problems(source, f"facts.{name}.zh", fact.zh)
        problems += label_problems(source, f"facts.{name}.en", fact.en)
        for j, fld in enumerate(fact.fields):
            where = f"facts.{name}.fields[{j}]"
            problems += ident_problems(source, f"{where}.name", fld.name)
            problems += label_problems(source, f"{where}.zh", fld.zh) + label_problems(
                source, f"{where}.en", fld.en
            )
            for end in ("min", "max"):
                problems += bounded_int_problems(
                    source, f"{where}.{end}", getattr(fld, end), -MAX_FIELD_BOUND, MAX_FIELD_BOUND
                )
            problems += min_max_problems(source, where, {"min": fld.min, "max": fld.max})
            if fld.type not in FIELD_TYPES:
                problems.append(
                    tr(
                        "{f}：facts.{n}.fields[{j}].type：未知类型「{t}」，应为：{e}",
                        "{f}: facts.{n}.fields[{j}].type: unknown type '{t}', expected one of: {e}",
                        f=source,
                        n=name,
                        j=j,
                        t=fld.type,
                        e=", ".join(FIELD_TYPES),
                    )
                )
                continue
            if fld.type == "choice" and not fld.choices:
                problems.append(
                    tr(
                        "{f}：facts.{n}.fields[{j}].choices：choice 类型需要 choices",
                        "{f}: facts.{n}.fields[{j}].choices: a choice field needs choices",
                        f=source,
                        n=name,
                        j=j,
                    )
                )
            specs.append(
                FieldSpec(
                    name=fld.name,
                    type=fld.type,
                    zh=fld.zh,
                    en=fld.en,
                    required=fld.required,
                    choices=tuple(fld.choices),
                    min=fld.min,
                    max=fld.max,
                )
            )
        for role in fact.recorded_by:
            if role not in RECORDING_ROLES:
                problems.append(
                    tr(
                        "{f}：facts.{n}.recorded_by：未知角色「{r}」，应为：{e}",
                        "{f}: facts.{n}.recorded_by: unknown role '{r}', expected some of: {e}",
                        f=source,
                        n=name,
                        r=role,
                        e=", ".join(RECORDING_ROLES),
                    )
                )
        if not fact.recorded_by:
            problems.append(
                tr(
                    "{f}：facts.{n}.recorded_by：至少要有一个角色",
                    "{f}: facts.{n}.recorded_by: name at least one role",
                    f=source,
                    n=name,
                )
            )
        if bool(fact.document_zh) != bool(fact.document_en):
            problems.append(
                tr(
                    "{f}：facts.{n}：document_zh 与 document_en 须同时给出",
                    "{f}: facts.{n}: give both document_zh and document_en, or neither",
                    f=source,
                    n=name,
                )
            )
        elif fact.document_zh:
            problems += label_problems(source, f"facts.{name}.document_zh", fact.document_zh)
            problems += label_problems(source, f"facts.{name}.document_en", fact.document_en)
        document = Text(fact.document_zh, fact.document_en) if fact.document_zh else None
        facts[name] = Fact(name, fact.zh, fact.en, tuple(specs), tuple(fact.recorded_by), document)
    stages: list[Stage] = []
    check_ids: set[str] = set()
    for i, s in enumerate(d.stages):
        checks = []
        for j, c in enumerate(s.checks):
            where = f"stages[{i}].checks[{j}]"
            problems += ident_problems(source, f"{where}.id", c.id)
            if c.id in check_ids:
                problems.append(
                    tr(
                        "{f}：{w}.id：检查「{c}」重复",
                        "{f}: {w}.id: check '{c}' repeated",
                        f=source,
                        w=where,
                        c=c.id,
                    )
                )
            check_ids.add(c.id)
            spec = GATES.get(c.gate)
            if spec is None:
                problems.append(
                    tr(
                        "{f}：{w}.gate：门槛「{g}」没有实现，应为：{e}",
                        "{f}: {w}.gate: gate '{g}' has no implementation, expected one of: {e}",
                        f=source,
                        w=where,
                        g=c.gate,
                        e=", ".join(sorted(GATES)),
                    )
                )
                continue
            for pname, value in c.params.items():
                if pname not in spec.params:
                    problems.append(
                        tr(
                            "{f}：{w}.params.{p}：未知参数，应为：{e}",
                            "{f}: {w}.params.{p}: unknown parameter, expected one of: {e}",
                            f=source,
                            w=where,
                            p=pname,
                            e=", ".join(spec.params) or "-",
                        )
                    )
                    continue
                want = spec.params[pname][0]
                if not _type_ok(value, want):
                    problems.append(
                        tr(
                            "{f}：{w}.params.{p}：值 {v!r} 类型不对，应为 {t}",
                            "{f}: {w}.params.{p}: value {v!r} has the wrong type, expected {t}",
                            f=source,
                            w=where,
                            p=pname,
                            v=value,
                            t=_type_name(want),
                        )
                    )
                else:
                    problems += param_problems(source, where, pname, value, c.gate)
            for pname, (_, default) in spec.params.items():
                if default is REQUIRED and pname not in c.params:
                    problems.append(
                        tr(
                            "{f}：{w}.params：缺少参数「{p}」",
                            "{f}: {w}.params: missing parameter '{p}'",
                            f=source,
                            w=where,
                            p=pname,
                        )
                    )
            problems += min_max_problems(source, f"{where}.params", c.params)
            fact_param = c.params.get("fact")
            if isinstance(fact_param, str) and fact_param not in d.facts:
                problems.append(
                    tr(
                        "{f}：{w}.params.fact：未定义的事实「{v}」",
                        "{f}: {w}.params.fact: undefined fact '{v}'",
                        f=source,
                        w=where,
                        v=fact_param,
                    )
                )
            elif isinstance(fact_param, str) and isinstance(c.params.get("field"), str):
                problems += _field_problems(source, f"{where}.params.field", d, fact_param, c.params["field"])
            for k, fname in enumerate(c.evidence):
                if fname not in d.facts:
                    problems.append(
                        tr(
                            "{f}：{w}.evidence[{k}]：未定义的事实「{v}」，应为：{e}",
                            "{f}: {w}.evidence[{k}]: undefined fact '{v}', expected one of: {e}",
                            f=source,
                            w=where,
                            k=k,
                            v=shorten(fname),
                            e=listed(d.facts),
                        )
                    )
            checks.append(Check(c.id, c.gate, dict(c.params), tuple(dict.fromkeys(c.evidence))))
        for fname in s.facts:
            if fname not in d.facts:
                problems.append(
                    tr(
                        "{f}：stages[{i}].facts：未定义的事实「{v}」，应为：{e}",
                        "{f}: stages[{i}].facts: undefined fact '{v}', expected one of: {e}",
                        f=source,
                        i=i,
                        v=fname,
                        e=listed(d.facts),
                    )
                )
        for kind in s.rosters:
            if kind not in ROSTER_KINDS:
                problems.append(
                    tr(
                        "{f}：stages[{i}].rosters：未知名册「{v}」，应为：{e}",
                        "{f}: stages[{i}].rosters: unknown roster '{v}', expected one of: {e}",
                        f=source,
                        i=i,
                        v=kind,
                        e=", ".join(ROSTER_KINDS),
                    )
                )
        stages.append(
            Stage(s.id, i + 1, s.zh, s.en, s.deadline_days, tuple(s.facts), tuple(s.rosters), tuple(checks))
        )
    transitions = []
    for k, t in enumerate(d.transitions):
        for end in ("source", "dest"):
            value = getattr(t, end)
            if value not in stage_ids:
                problems.append(
                    tr(
                        "{f}：transitions[{k}].{e}：未知阶段「{v}」，应为：{o}",
                        "{f}: transitions[{k}].{e}: unknown stage '{v}', expected one of: {o}",
                        f=source,
                        k=k,
                        e=end,
                        v=shorten(value),
                        o=listed(ids),
                    )
                )
        if t.when is not None:
            key = f"transitions[{k}].when"
            if t.when.fact not in d.facts:
                problems.append(
                    tr(
                        "{f}：{k}.fact：未定义的事实「{v}」，应为：{e}",
                        "{f}: {k}.fact: undefined fact '{v}', expected one of: {e}",
                        f=source,
                        k=key,
                        v=shorten(t.when.fact),
                        e=listed(d.facts),
                    )
                )
            else:
                problems += _field_problems(source, f"{key}.field", d, t.when.fact, t.when.field)
        when = (t.when.fact, t.when.field, t.when.value) if t.when else None
        transitions.append(Transition(t.kind, t.source, t.dest, when))
    advances = [t for t in transitions if t.kind == "advance"]
    if not problems:
        problems += graph_problems(
            source,
            d.process.initial,
            d.process.final,
            ids,
            [(k, t.kind, t.source, t.dest) for k, t in enumerate(transitions)],
        )
    problems += bounded_int_problems(
        source, "settings.max_document_mb", d.settings.max_document_mb, 1, MAX_DOCUMENT_MB
    )
    if problems:
        raise BadInput(_joined(problems))
    holidays: list[dt.date] = []
    weekends: list[dt.date] = []
    for key, values, out in (
        ("holidays", d.settings.holidays, holidays),
        ("working_weekends", d.settings.working_weekends, weekends),
    ):
        for v in values:
            try:
                out.append(dt.date.fromisoformat(v))
            except ValueError:
                problems.append(
                    tr(
                        "{f}：settings.{k}：日期「{v}」应为 YYYY-MM-DD",
                        "{f}: settings.{k}: date '{v}' expected as YYYY-MM-DD",
                        f=source,
                        k=key,
                        v=v,
                    )
                )
    if problems:
        raise BadInput(_joined(problems))
    # Stage order follows the chain of advances from the initial stage.
    step = {t.source: t.dest for t in advances}
    order = [d.process.initial]
    while (nxt := step.get(order[-1])) is not None:
        order.append(nxt)  # a chain without a cycle through every stage (checked above)
    by_id = {s.id: s for s in stages}
    ordered = tuple(
        Stage(
            sid,
            n,
            by_id[sid].zh,
            by_id[sid].en,
            by_id[sid].deadline_days,
            by_id[sid].facts,
            by_id[sid].rosters,
            by_id[sid].checks,
        )
        for n, sid in enumerate(order, start=1)
    )
    return Definition(
        source=source,
        id=d.process.id,
        zh=d.process.zh,
        en=d.process.en,
        initial=d.process.initial,
        final=d.process.final,
        stages=ordered,
        transitions=tuple(transitions),
        facts=facts,
        calendar=Calendar(frozenset(holidays), frozenset(weekends)),
        rule_set=Text(d.settings.rule_set_zh, d.settings.rule_set_en),
        revert_to_any_earlier=d.settings.revert_to_any_earlier,
        max_document_bytes=d.settings.max_document_mb * 1024 * 1024,
    )


def _field_problems(source: str, key: str, d: DefinitionTable, fact: str, field_name: str) -> list[Text]:
    """``field_name`` must be a field of the (defined) fact ``fact``."""
    names = [f.name for f in d.facts[fact].fields]
    if field_name in names:
        return []
    return [
        tr(
            "{f}：{k}：事实「{a}」没有字段「{v}」，应为：{e}",
            "{f}: {k}: fact '{a}' has no field '{v}', expected one of: {e}",
            f=source,
            k=key,
            a=fact,
            v=shorten(field_name),
            e=listed(names),
        )
    ]


def _joined(problems: list[Text]) -> Text:
    return Text("\n".join(p.zh for p in problems), "\n".join(p.en for p in problems))


def load(path: Path | None = None) -> Definition:
    """Load a definition file, or the shipped default when ``path`` is None."""
    if path is None:
        return default_definition()
    source = str(path)
    try:
        data = path.read_bytes()
    except OSError as e:
        raise BadInput(
            tr(
                "无法读取流程定义文件 {f}：{e}",
                "cannot read definition file {f}: {e}",
                f=source,
                e=e.strerror or e,
            )
        ) from e
    return loads(data, source)


def loads(data: bytes, source: str) -> Definition:
    if len(data) > MAX_FILE_BYTES:
        raise BadInput(
            tr(
                "{f}：文件过大（{n}字节，最多{m}）",
                "{f}: the file is too large ({n} bytes, at most {m})",
                f=source,
                n=len(data),
                m=MAX_FILE_BYTES,
            )
        )
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError:
        raise BadInput(tr("{f}：不是 UTF-8 文本", "{f}: not UTF-8 text", f=source)) from None
    except tomllib.TOMLDecodeError as e:
        raise BadInput(tr("{f}：TOML 语法错误：{e}", "{f}: TOML syntax error: {e}", f=source, e=e)) from None
    except RecursionError:
        raise BadInput(_nested(source, "(top)")) from None
    deep = too_deep(raw)
    if deep is not None:
        raise BadInput(_nested(source, deep))
    # Building allocates a few objects per stage and frees none of them: the cyclic
    # collector's passes over the growing heap would only cost time (a third of it
    # for 20,000 stages).
    enabled = gc.isenabled()
    gc.disable()
    try:
        return build(raw, source)
    finally:
        if enabled:
            gc.enable()


def _nested(source: str, key: str) -> Text:
    return tr(
        "{f}：{k}：嵌套过深（最多{m}层）",
        "{f}: {k}: nested too deeply (at most {m} levels)",
        f=source,
        k=shorten(key),
        m=MAX_DEPTH,
    )


def shipped_bytes() -> bytes:
    """The text of the definition shipped with the program (package data
    ``workflow.states``): read beside the package's module, as every install but a
    zipped one lays it out; else through ``importlib.resources`` (which costs the
    start-up more imports than the rest of loading the definition)."""
    from importlib.util import find_spec

    spec = find_spec("workflow.states")
    try:
        if spec is None or not spec.submodule_search_locations:
            raise FileNotFoundError(DEFAULT_NAME)
        return Path(spec.submodule_search_locations[0], DEFAULT_NAME).read_bytes()
    except OSError:
        from importlib import resources

        return resources.files("workflow.states").joinpath(DEFAULT_NAME).read_bytes()


@cache
def default_definition() -> Definition:
    """The shipped definition (package data ``workflow.states``)."""
    return loads(shipped_bytes(), f"states/{DEFAULT_NAME}")
