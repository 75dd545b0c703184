"""Exit-gate checks: plain functions over a township's records, each giving a
structured result (check id, passed, actual, required, message in zh and en)."""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Callable, Hashable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from fractions import Fraction
from typing import Any

from workflow.i18n import Text, tr


@dataclass(frozen=True, slots=True)
class CheckResult:
    """The outcome of one check of an exit gate."""

    id: str
    passed: bool
    actual: str
    required: str
    message: Text
    waived: bool = False
    waiver_reason: str = ""

    @property
    def ok(self) -> bool:
        """Passed, or failed but waived by a reviewer."""
        return self.passed or self.waived

    def as_dict(self, lang: str) -> dict[str, Any]:
        return {
            "id": self.id,
            "passed": self.passed,
            "waived": self.waived,
            "actual": self.actual,
            "required": self.required,
            "message": self.message.zh if lang == "zh" else self.message.en,
        }


@dataclass(frozen=True, slots=True)
class Calendar:
    """Working days: Monday to Friday, less holidays, plus working weekends."""

    holidays: frozenset[dt.date] = frozenset()
    working_weekends: frozenset[dt.date] = frozenset()

    def is_working_day(self, day: dt.date) -> bool:
        if day in self.holidays:
            return False
        return day.weekday() < 5 or day in self.working_weekends

    def working_days(self, start: dt.date, end: dt.date) -> int:
        """Working days from ``start`` to ``end``, both included."""
        days = 0
        day = start
        while day <= end:
            days += self.is_working_day(day)
            day += dt.timedelta(days=1)
        return days


@dataclass(slots=True)
class GateContext:
    """What a gate may look at: one township's facts and rosters, and the day."""

    township: str
    facts: Mapping[str, Mapping[str, Any]]
    rosters: Mapping[str, Sequence[Mapping[str, Any]]]
    today: dt.date
    calendar: Calendar = field(default_factory=Calendar)
    fact_labels: Mapping[str, Text] = field(default_factory=dict)
    field_labels: Mapping[tuple[str, str], Text] = field(default_factory=dict)
    documents: Mapping[str, int] = field(default_factory=dict)
    """How many documents are attached to each fact."""
    document_labels: Mapping[str, Text] = field(default_factory=dict)
    valid_until: dt.date | None = None
    """The first day on which a check evaluated here may give another result with no
    new record, only because the day changed (a publicity period ending, a member
    turning 35); None: not before a record changes. Gates that read ``today`` say so
    through :meth:`changes_on`, so that a stored gate state knows when it goes stale."""

    def changes_on(self, day: dt.date) -> None:
        """A result read here may change on ``day`` by the calendar alone."""
        if self.valid_until is None or day < self.valid_until:
            self.valid_until = day

    def field_label(self, fact: str, name: str) -> Text:
        return self.field_labels.get((fact, name), Text(name, name))

    def fact(self, name: str) -> Mapping[str, Any] | None:
        return self.facts.get(name)

    def fact_label(self, name: str) -> Text:
        return self.fact_labels.get(name, Text(name, name))

    def roster(self, kind: str) -> Sequence[Mapping[str, Any]]:
        return self.rosters.get(kind, ())

    def new_team(self) -> list[Mapping[str, Any]]:
        return [r for r in self.roster("team") if r.get("term") == "new"]

    def reference_date(self) -> dt.date:
        """Ages are computed at the congress date, or today when none is set."""
        congress = self.fact("congress")
        if congress and isinstance(congress.get("date"), dt.date):
            return congress["date"]  # type: ignore[no-any-return]
        return self.today

    def reference_is_today(self) -> bool:
        congress = self.fact("congress")
        return not (congress and isinstance(congress.get("date"), dt.date))


@dataclass(frozen=True, slots=True)
class Outcome:
    """What a gate function returns; the engine adds the check id."""

    passed: bool
    actual: str
    required: str
    message: Text


GateFn = Callable[[GateContext, Mapping[str, Any]], Outcome]


@dataclass(frozen=True, slots=True)
class Gate:
    """A named gate: its function, its parameters with their types and defaults,
    and the rosters it reads."""

    name: str
    fn: GateFn
    params: Mapping[str, tuple[type | tuple[type, ...], Any]]
    rosters: tuple[str, ...] = ()


GATES: dict[str, Gate] = {}

REQUIRED = object()


def gate(
    name: str,
    rosters: tuple[str, ...] = (),
    **params: tuple[type | tuple[type, ...], Any],
) -> Callable[[GateFn], GateFn]:
    """Register a gate function under ``name`` with its parameter types."""

    def register(fn: GateFn) -> GateFn:
        GATES[name] = Gate(name, fn, params, rosters)
        return fn

    return register


def evaluate(
    check_id: str,
    gate_name: str,
    params: Mapping[str, Any],
    ctx: GateContext,
    evidence: Sequence[str] = (),
) -> CheckResult:
    """Run one check, filling parameter defaults; a fact in ``evidence`` without an
    attached document fails the check, naming the document."""
    spec = GATES[gate_name]
    full = {k: params.get(k, default) for k, (_, default) in spec.params.items()}
    out = spec.fn(ctx, full)
    missing = [f for f in evidence if not ctx.documents.get(f)]
    if not missing:
        return CheckResult(check_id, out.passed, out.actual, out.required, out.message)
    return CheckResult(check_id, False, out.actual, out.required, missing_documents(ctx, missing, out))


_ALL = object()
"""A read of a whole watched mapping (its keys, its size, every item)."""

Dep = tuple[str, object, Hashable]
"""One input a gate read: which mapping, which key (or every key), and its print."""


class Watched(Mapping[str, Any]):
    """One of a township's mappings as its gates see it (facts, rosters, documents):
    each value made from its stored ``prints`` (e.g. the JSON text) on first read by
    ``load``, and every read noted in ``log``, so that the results can be shared with
    another township whose reads find the same prints (:class:`SharedChecks`)."""

    __slots__ = ("_load", "_log", "_made", "_prints", "_tag")

    def __init__(
        self, tag: str, prints: Mapping[str, Hashable], load: Callable[[str, Any], Any], log: list[Dep]
    ) -> None:
        self._tag, self._prints, self._load, self._log = tag, prints, load, log
        self._made: dict[str, Any] = {}

    def _value(self, key: str) -> Any:
        if key not in self._made:
            self._made[key] = self._load(key, self._prints[key])
        return self._made[key]

    def __getitem__(self, key: str) -> Any:
        self._log.append((self._tag, key, self._prints.get(key)))
        if key not in self._prints:
            raise KeyError(key)
        return self._value(key)

    def get(self, key: str, default: Any = None) -> Any:
        self._log.append((self._tag, key, self._prints.get(key)))
        return self._value(key) if key in self._prints else default

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        self._log.append((self._tag, key, self._prints.get(key)))
        return key in self._prints

    def __iter__(self) -> Iterator[str]:
        self._log.append((self._tag, _ALL, _everything(self._prints)))
        return iter(self._prints)

    def __len__(self) -> int:
        self._log.append((self._tag, _ALL, _everything(self._prints)))
        return len(self._prints)


def _everything(prints: Mapping[str, Hashable]) -> Hashable:
    return frozenset(prints.items())


def _reads_same(prints: Mapping[str, Hashable], key: object, p: Hashable) -> bool:
    """Reading ``key`` (or every key) of a mapping with these ``prints`` gives ``p``."""
    if isinstance(key, str):
        return prints.get(key) == p
    return _everything(prints) == p


SHARED_PER_STAGE = 32
"""At most this many sets of results kept per stage (a stage whose townships all read
differently costs at most this many comparisons more per township)."""


@dataclass(slots=True)
class SharedChecks:
    """Check results shared between townships in one evaluation of many (a bulk dry
    run): a stage's checks are evaluated for a township only when no township before
    it read the same inputs. A gate is a function of what it reads through its
    context: the watched facts, rosters and documents (:class:`Watched`), and the day,
    calendar and labels, the same for all the townships of one ``scope`` (a
    definition, a stage, a day); so a township whose watched mappings give the same
    prints for every read the earlier evaluation made would read exactly the same
    values, take the same paths and get the same results."""

    kept: dict[Hashable, list[tuple[tuple[Dep, ...], list[CheckResult], dt.date | None]]] = field(
        default_factory=dict
    )

    def evaluate(
        self,
        scope: Hashable,
        checks: Sequence[Any],
        prints: Mapping[str, Mapping[str, Hashable]],
        context: Callable[[list[Dep]], GateContext],
    ) -> tuple[list[CheckResult], dt.date | None]:
        """The results of ``checks`` (each with ``id``, ``gate``, ``params`` and
        ``evidence``, unwaived) and the context's ``valid_until``: those of an earlier
        township of ``scope`` whose reads give the same ``prints`` (by mapping tag),
        else evaluated in the context that ``context`` makes with a log of reads."""
        kept = self.kept.setdefault(scope, [])
        for deps, results, until in kept:
            if all(_reads_same(prints[tag], key, p) for tag, key, p in deps):
                return results, until
        log: list[Dep] = []
        ctx = context(log)
        results = [evaluate(c.id, c.gate, c.params, ctx, c.evidence) for c in checks]
        if len(kept) < SHARED_PER_STAGE:
            kept.append((tuple(dict.fromkeys(log)), results, ctx.valid_until))
        return results, ctx.valid_until


def missing_documents(ctx: GateContext, facts: Sequence[str], out: Outcome) -> Text:
    """The gate's own message, then each document still to be attached (when the gate
    itself passed, only those)."""
    parts: list[Text] = []
    for f in facts:
        label, doc = ctx.fact_label(f), ctx.document_labels.get(f) or Text("证明文件", "a document")
        parts.append(
            Text(
                f"「{label.zh}」尚未附加{doc.zh}（用 workflow attach 或乡镇页面的 d 键附加）",
                f"{label.en}: no document attached; {doc.en} is required "
                "(attach it with workflow attach, or d on the township screen)",
            )
        )
    zh = "；".join(p.zh for p in parts)
    en = "; ".join(p.en for p in parts)
    if out.passed:
        return Text(zh, en)
    return Text(f"{out.message.zh}；{zh}", f"{out.message.en}; {en}")


def waive(result: CheckResult, reason: str) -> CheckResult:
    return replace(result, waived=not result.passed, waiver_reason=reason)


def pct_of(share: float) -> str:
    """A share as a percentage (0.2 -> '20%')."""
    return f"{round(share * 100, 1):g}%"


def pct(part: int | Fraction, whole: int) -> str:
    """A percentage with at most one decimal, no trailing '.0'."""
    if whole == 0:
        return "0"
    value = round(float(Fraction(part) / whole * 100), 1)
    return f"{value:.0f}" if value == int(value) else f"{value:.1f}"


def ratio(value: float) -> Fraction:
    """An exact fraction of a decimal parameter such as 0.2 or 0.8."""
    return Fraction(str(value))


def at_least_with_margin(seats: int, margin: float) -> int:
    """ceil((1 + margin) × seats), computed exactly."""
    return math.ceil(seats * (1 + ratio(margin)))


def birthday(birth: dt.date, age: int) -> dt.date:
    """The day one born on ``birth`` turns ``age`` (29 February: 1 March in other years)."""
    try:
        return birth.replace(year=birth.year + age)
    except ValueError:
        return dt.date(birth.year + age, 3, 1)


def age_on(birth: dt.date, day: dt.date) -> int:
    """Whole years of age on ``day``."""
    return day.year - birth.year - ((day.month, day.day) < (birth.month, birth.day))


def names_list(names: Sequence[str], limit: int = 5) -> str:
    shown = "、".join(names[:limit])
    return shown + (f" 等{len(names)}人" if len(names) > limit else "")


def names_list_en(names: Sequence[str], limit: int = 5) -> str:
    shown = ", ".join(names[:limit])
    return shown + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _missing_fact(
    ctx: GateContext, fact: str, what: Text | str | None = None, need: Text | None = None
) -> Outcome:
    """A check on a fact not recorded yet. A check of one of its fields (``what``: the
    field's name, or the check's own words) says what it checks and needs, so that two
    checks on one fact never read alike."""
    label = ctx.fact_label(fact)
    if what is None:
        return Outcome(
            False,
            "0",
            "1",
            tr("尚未记录「{z}」", "{e} not recorded yet", z=label.zh, e=label.en),
        )
    name = ctx.field_label(fact, what) if isinstance(what, str) else what
    needs_zh = f"（应{need.zh}）" if need else ""
    needs_en = f" (needs {need.en})" if need else ""
    return Outcome(
        False,
        "-",
        need.en if need else "1",
        Text(
            f"尚未记录「{label.zh}」，无法核对{name.zh}{needs_zh}",
            f"{label.en} not recorded yet, so {name.en} cannot be checked{needs_en}",
        ),
    )


# ---------------------------------------------------------------- facts


@gate("fact_recorded", fact=(str, REQUIRED))
def fact_recorded(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    label = ctx.fact_label(p["fact"])
    if ctx.fact(p["fact"]) is None:
        return _missing_fact(ctx, p["fact"])
    return Outcome(True, "1", "1", tr("已记录「{z}」", "{e} recorded", z=label.zh, e=label.en))


@gate("fact_at_least", fact=(str, REQUIRED), field=(str, REQUIRED), min=(int, 1))
def fact_at_least(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    data = ctx.fact(p["fact"])
    if data is None:
        need = Text(f"不少于{p['min']}", f"at least {p['min']}")
        return _missing_fact(ctx, p["fact"], p["field"], need)
    value = data.get(p["field"])
    got = value if isinstance(value, int) else 0
    ok = got >= p["min"]
    label = ctx.field_label(p["fact"], p["field"])
    return Outcome(
        ok,
        str(got),
        f">= {p['min']}",
        Text(
            f"{label.zh}为{got}，{'不少于' if ok else '少于'}{p['min']}",
            f"{label.en}: {got}, {'at least' if ok else 'below'} {p['min']}",
        ),
    )


@gate("fact_equals", fact=(str, REQUIRED), field=(str, REQUIRED), value=(str, REQUIRED))
def fact_equals(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    data = ctx.fact(p["fact"])
    if data is None:
        need = Text(f"为{p['value']}", str(p["value"]))
        return _missing_fact(ctx, p["fact"], p["field"], need)
    label = ctx.fact_label(p["fact"])
    name = ctx.field_label(p["fact"], p["field"])
    got = str(data.get(p["field"]))
    ok = got == p["value"]
    return Outcome(
        ok,
        got,
        p["value"],
        Text(
            f"「{label.zh}」{name.zh}为{got}" + ("" if ok else f"，应为{p['value']}"),
            f"{label.en}: {name.en} is {got}" + ("" if ok else f", must be {p['value']}"),
        ),
    )


# ---------------------------------------------------------------- delegates


def _seats(ctx: GateContext) -> int | None:
    data = ctx.fact("nomination")
    if data is None:
        return None
    seats = data.get("seats")
    return seats if isinstance(seats, int) else None


@gate("delegate_seats", min=(int, 100), max=(int, 300))
def delegate_seats(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    seats = _seats(ctx)
    if seats is None:
        need = Text(f"{p['min']}至{p['max']}名", f"{p['min']} to {p['max']}")
        return _missing_fact(ctx, "nomination", Text("代表名额", "the number of delegate seats"), need)
    lo, hi = p["min"], p["max"]
    ok = lo <= seats <= hi
    return Outcome(
        ok,
        str(seats),
        f"{lo}-{hi}",
        Text(
            f"应选党代表{seats}名，" + ("在" if ok else "不在") + f"{lo}至{hi}名之间",
            f"{seats} delegate seats, " + ("within" if ok else "outside") + f" {lo}-{hi}",
        ),
    )


@gate("delegate_margin", rosters=("delegates",), margin=(float, 0.2))
def delegate_margin(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    seats = _seats(ctx)
    if seats is None:
        need = Text(f"差额不少于{pct_of(p['margin'])}", f"a margin of at least {pct_of(p['margin'])}")
        return _missing_fact(
            ctx, "nomination", Text("代表候选人差额", "the margin of delegate candidates"), need
        )
    candidates = len(ctx.roster("delegates"))
    return _margin_outcome(candidates, seats, p["margin"], Text("", ""))


def _margin_outcome(candidates: int, seats: int, margin: float, body: Text) -> Outcome:
    need = at_least_with_margin(seats, margin)
    ok = candidates >= need
    actual = pct(candidates - seats, seats) if seats else "0"
    want = pct(ratio(margin) * 100, 100)
    return Outcome(
        ok,
        str(candidates),
        f">= {need}",
        Text(
            f"{body.zh}候选人{candidates}名，应选{seats}名，差额{actual}%，"
            + ("不低于" if ok else "低于")
            + f"{want}%",
            f"{body.en}{candidates} candidates for {seats} seats: margin {actual}%, "
            + ("at least" if ok else "below")
            + f" {want}%",
        ),
    )


@gate("delegates_reviewed", rosters=("delegates",))
def delegates_reviewed(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    rows = ctx.roster("delegates")
    if not rows:
        return Outcome(
            False, "0", ">= 1", tr("尚未导入党代表候选人名册", "no delegate candidates imported yet")
        )
    pending = [str(r["name"]) for r in rows if r.get("review") == "pending"]
    ok = not pending
    return Outcome(
        ok,
        f"{len(rows) - len(pending)}/{len(rows)}",
        f"{len(rows)}/{len(rows)}",
        Text(f"{len(rows)}名候选人全部完成资格审查", f"all {len(rows)} candidates reviewed")
        if ok
        else Text(
            f"{len(pending)}名候选人尚未资格审查：{names_list(pending)}",
            f"{len(pending)} candidates not yet reviewed: {names_list_en(pending)}",
        ),
    )


@gate("delegates_elected", rosters=("delegates",))
def delegates_elected(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    seats = _seats(ctx)
    if seats is None:
        return _missing_fact(ctx, "nomination", Text("当选代表人数", "the number of delegates elected"))
    rows = ctx.roster("delegates")
    elected = [r for r in rows if r.get("elected")]
    unqualified = [str(r["name"]) for r in elected if r.get("review") != "passed"]
    if unqualified:
        return Outcome(
            False,
            str(len(elected)),
            str(seats),
            Text(
                f"当选者未通过资格审查：{names_list(unqualified)}",
                f"elected without passing review: {names_list_en(unqualified)}",
            ),
        )
    ok = len(elected) == seats
    return Outcome(
        ok,
        str(len(elected)),
        str(seats),
        Text(
            f"当选党代表{len(elected)}名，应选{seats}名",
            f"{len(elected)} delegates elected for {seats} seats",
        ),
    )


# ---------------------------------------------------------------- personnel


@gate("team_has_woman", rosters=("team",), min=(int, 1))
def team_has_woman(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    team = ctx.new_team()
    women = sum(1 for r in team if r.get("gender") == "female")
    ok = women >= p["min"]
    return Outcome(
        ok,
        str(women),
        f">= {p['min']}",
        Text(
            f"新班子{len(team)}人中女干部{women}名，" + ("达到" if ok else "少于") + f"{p['min']}名",
            f"{women} women in the new team of {len(team)}, " + ("meets" if ok else "below") + f" {p['min']}",
        ),
    )


@gate("team_has_young", rosters=("team",), age=(int, 35), min=(int, 1))
def team_has_young(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    team = ctx.new_team()
    day = ctx.reference_date()
    births = [r["birth_date"] for r in team if age_on(r["birth_date"], day) < p["age"]]
    young = len(births)
    if births and ctx.reference_is_today():  # the count drops when one of them turns that age
        ctx.changes_on(min(birthday(b, p["age"]) for b in births))
    ok = young >= p["min"]
    return Outcome(
        ok,
        str(young),
        f">= {p['min']}",
        Text(
            f"新班子中{p['age']}岁以下{young}名，" + ("达到" if ok else "少于") + f"{p['min']}名",
            f"{young} members under {p['age']} in the new team, "
            + ("meets" if ok else "below")
            + f" {p['min']}",
        ),
    )


@gate("team_rotation", rosters=("team",), years=(int, 5))
def team_rotation(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    team = ctx.new_team()
    due = [r for r in team if r["years_in_post"] >= p["years"]]
    open_ = [str(r["name"]) for r in due if not r.get("rotated") and not r.get("exemption")]
    ok = bool(team) and not open_
    if not team:
        return Outcome(False, "0", ">= 1", tr("尚未导入新班子名单", "no new team imported yet"))
    return Outcome(
        ok,
        str(len(open_)),
        "0",
        Text(
            f"任现职满{p['years']}年的{len(due)}人均已交流或说明理由",
            f"all {len(due)} members {p['years']}+ years in post rotated or exempted",
        )
        if ok
        else Text(
            f"任现职满{p['years']}年未交流且无理由：{names_list(open_)}",
            f"{p['years']}+ years in post, neither rotated nor exempted: {names_list_en(open_)}",
        ),
    )


@gate("publicity", working_days=(int, 5))
def publicity(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    data = ctx.fact("publicity")
    if data is None:
        return _missing_fact(ctx, "publicity")
    start, end = data["start"], data["end"]
    need = p["working_days"]
    days = ctx.calendar.working_days(start, end) if end >= start else 0
    if days < need:
        return Outcome(
            False,
            str(days),
            f">= {need}",
            Text(
                f"公示{start}至{end}共{days}个工作日，少于{need}个",
                f"publicity {start} to {end} lasted {days} working days, fewer than {need}",
            ),
        )
    if end >= ctx.today:
        ctx.changes_on(end + dt.timedelta(days=1))
        return Outcome(
            False,
            str(days),
            f">= {need}",
            Text(f"公示至{end}，尚未结束", f"publicity runs until {end}, not finished"),
        )
    objections = int(data.get("objections_open") or 0)
    if objections:
        return Outcome(
            False,
            f"{objections}",
            "0",
            Text(
                f"公示期间有{objections}件异议尚未了结", f"{objections} objections from publicity still open"
            ),
        )
    return Outcome(
        True,
        str(days),
        f">= {need}",
        Text(f"公示{days}个工作日，无未了结异议", f"publicity lasted {days} working days, no open objection"),
    )


@gate("standing_vote")
def standing_vote(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    data = ctx.fact("standing_vote")
    if data is None:
        return _missing_fact(ctx, "standing_vote")
    yes, no = int(data["votes_for"]), int(data["votes_against"])
    ok = yes > no and yes > 0
    return Outcome(
        ok,
        str(yes),
        f"> {no}",
        Text(
            f"区委常委会票决赞成{yes}票、反对{no}票，" + ("通过" if ok else "未通过"),
            f"standing committee vote {yes} for, {no} against: " + ("passed" if ok else "not passed"),
        ),
    )


# ---------------------------------------------------------------- talks


@gate(
    "talk_coverage",
    rosters=("team", "grassroots", "talks"),
    tier=(int, REQUIRED),
    secretary_posts=(list, ["党委书记", "secretary"]),
)
def talk_coverage(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    tier = int(p["tier"])
    posts = {str(s).lower() for s in p["secretary_posts"]}
    team = ctx.new_team()
    if tier == 1:
        required = [str(r["name"]) for r in team if str(r["post"]).lower() in posts]
        who = Text("乡镇党委书记", "township Party secretary")
    elif tier == 2:
        others = [str(r["name"]) for r in team if str(r["post"]).lower() not in posts]
        reserve = [str(r["name"]) for r in ctx.roster("team") if r.get("reserve")]
        required = list(dict.fromkeys(others + reserve))
        who = Text("班子其他成员及后备干部", "other team members and reserve cadres")
    else:
        required = [str(r["name"]) for r in ctx.roster("grassroots")]
        who = Text("基层党组织书记", "grassroots secretaries")
    if not required:
        return Outcome(
            False,
            "0",
            ">= 1",
            Text(
                f"第{tier}层：尚无应谈话人员名单（{who.zh}）",
                f"tier {tier}: no list of people to talk to yet ({who.en})",
            ),
        )
    talked = {str(r["interviewee"]) for r in ctx.roster("talks") if int(r["tier"]) == tier}
    missing = [n for n in required if n not in talked]
    done = len(required) - len(missing)
    ok = not missing
    return Outcome(
        ok,
        f"{done}/{len(required)}",
        f"{len(required)}/{len(required)}",
        Text(
            f"第{tier}层谈话已覆盖{who.zh}{done}/{len(required)}人",
            f"tier {tier} talks cover {done}/{len(required)} {who.en}",
        )
        if ok
        else Text(
            f"第{tier}层谈话尚未覆盖：{names_list(missing)}",
            f"tier {tier}: no talk yet with {names_list_en(missing)}",
        ),
    )


# ---------------------------------------------------------------- pledges


@gate("pledges_signed", rosters=("pledges",), categories=(list, [4, 5, 6]))
def pledges_signed(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    signed = {int(r["category"]) for r in ctx.roster("pledges") if int(r["signatories"]) > 0}
    wanted = [int(c) for c in p["categories"]]
    missing = [c for c in wanted if c not in signed]
    ok = not missing
    have = len(wanted) - len(missing)
    return Outcome(
        ok,
        f"{have}/{len(wanted)}",
        f"{len(wanted)}/{len(wanted)}",
        Text(f"{len(wanted)}类承诺均已签署公开", f"all {len(wanted)} pledge categories signed")
        if ok
        else Text(
            "尚缺第" + "、".join(str(c) for c in missing) + "类承诺",
            "pledge categories missing: " + ", ".join(str(c) for c in missing),
        ),
    )


# ---------------------------------------------------------------- congress


@gate("quorum", ratio=(float, 0.8))
def quorum(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    data = ctx.fact("congress")
    if data is None:
        wanted = Text(f"实到超过应到的{pct_of(p['ratio'])}", f"more than {pct_of(p['ratio'])} present")
        return _missing_fact(ctx, "congress", Text("到会人数", "attendance"), wanted)
    should, present = int(data["should_attend"]), int(data["present"])
    r = ratio(p["ratio"])
    ok = should > 0 and present > should * r
    share = pct(present, should)
    need = pct(r * 100, 100)
    return Outcome(
        ok,
        f"{present}/{should}",
        f"> {need}%",
        Text(
            f"应到{should}人，实到{present}人（{share}%），" + ("超过" if ok else "未超过") + f"{need}%",
            f"{present} of {should} delegates present ({share}%): "
            + ("above" if ok else "not above")
            + f" {need}%",
        ),
    )


BODY = {"committee": Text("党委", "committee"), "discipline": Text("纪委", "discipline committee")}


def _body_seats(data: Mapping[str, Any]) -> dict[str, int]:
    return {"committee": int(data["committee_seats"]), "discipline": int(data["discipline_seats"])}


@gate("committee_margin", rosters=("ballots",), margin=(float, 0.2))
def committee_margin(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    data = ctx.fact("congress")
    if data is None:
        need = Text(f"差额不少于{pct_of(p['margin'])}", f"a margin of at least {pct_of(p['margin'])}")
        return _missing_fact(
            ctx, "congress", Text("委员候选人差额", "the margin of committee candidates"), need
        )
    rows = ctx.roster("ballots")
    outcomes = []
    for body, seats in _body_seats(data).items():
        if seats == 0:
            continue
        candidates = sum(1 for r in rows if r["body"] == body)
        label = BODY[body]
        outcomes.append(
            _margin_outcome(candidates, seats, p["margin"], Text(label.zh + "：", label.en + ": "))
        )
    if not outcomes:
        return Outcome(False, "0", ">= 1", tr("应选名额为0", "no seats to elect"))
    failing = [o for o in outcomes if not o.passed]
    shown = failing or outcomes
    return Outcome(
        not failing,
        "; ".join(o.actual for o in outcomes),
        "; ".join(o.required for o in outcomes),
        Text("；".join(o.message.zh for o in shown), "; ".join(o.message.en for o in shown)),
    )


def winners(rows: Sequence[Mapping[str, Any]], body: str, seats: int) -> list[Mapping[str, Any]]:
    """The ``seats`` candidates of ``body`` with the most yes-votes."""
    ranked = sorted((r for r in rows if r["body"] == body), key=lambda r: -int(r["yes_votes"]))
    return ranked[:seats]


@gate("majority", rosters=("ballots",), base=(str, "present"))
def majority(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    data = ctx.fact("congress")
    if data is None:
        return _missing_fact(ctx, "congress", Text("当选者得票过半", "the majority of each elected"))
    base_key = "present" if p["base"] == "present" else "should_attend"
    base = int(data[base_key])
    base_label = (
        Text("实到代表", "electors present")
        if base_key == "present"
        else Text("应到代表", "electors entitled")
    )
    rows = ctx.roster("ballots")
    short: list[tuple[str, int]] = []
    elected = 0
    for body, seats in _body_seats(data).items():
        for r in winners(rows, body, seats):
            votes = int(r["yes_votes"])
            if votes * 2 > base:
                elected += 1
            else:
                short.append((str(r["candidate"]), votes))
    if not rows:
        return Outcome(False, "0", ">= 1", tr("尚未导入选票统计", "no ballots imported yet"))
    if short:
        name, votes = short[0]
        more_zh = f"等{len(short)}人" if len(short) > 1 else ""
        more_en = f" (and {len(short) - 1} more)" if len(short) > 1 else ""
        return Outcome(
            False,
            f"{votes}",
            f"> {base / 2:g}",
            Text(
                f"{name}{more_zh}得{votes}票，未超过{base_label.zh}{base}人的半数",
                f"{name}{more_en} got {votes} votes, not more than half of {base} {base_label.en}",
            ),
        )
    return Outcome(
        True,
        str(elected),
        f"> {base / 2:g}",
        Text(
            f"当选{elected}人得票均超过{base_label.zh}{base}人的半数",
            f"all {elected} elected got more than half of {base} {base_label.en}",
        ),
    )


@gate("ballots_valid")
def ballots_valid(ctx: GateContext, p: Mapping[str, Any]) -> Outcome:
    data = ctx.fact("congress")
    if data is None:
        return _missing_fact(ctx, "congress", Text("选票有效性", "the ballots' validity"))
    issued, returned = int(data["ballots_issued"]), int(data["ballots_returned"])
    ok = returned <= issued
    return Outcome(
        ok,
        str(returned),
        f"<= {issued}",
        Text(
            f"收回选票{returned}张，" + ("不多于" if ok else "多于") + f"发出的{issued}张",
            f"{returned} ballots returned, " + ("not more than" if ok else "more than") + f" {issued} issued",
        ),
    )
