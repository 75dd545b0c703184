"""The demo data set: generated records, taken through the real service.

District 某区 reproduces the seed: 10 townships, each stepped through every stage
between 2021-04-11 and 2021-05-22, with rosters generated so that the district report
*computes* the seed's figures. District 演示区 has six townships in progress, showing
a blocked gate, an open violation, a waiver, a return from upper review and an overdue
stage. Nothing is copied into a report: figures come from these records."""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import math
import random
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from workflow.app.demo_documents import minimal_pdf
from workflow.app.service import Service
from workflow.domain.fields import FieldSpec
from workflow.domain.gates import Calendar, at_least_with_margin
from workflow.domain.rosters import ROSTER_KINDS, parse_bytes
from workflow.store.db import read_session

if TYPE_CHECKING:
    pass

SEED_DISTRICT = "某区"
DEMO_DISTRICT = "演示区"
START = dt.date(2021, 4, 11)
END = dt.date(2021, 5, 22)

# The seed's totals, from which the per-township rosters are generated.
SEED_TOWNSHIPS = [
    "东湖镇",
    "西山镇",
    "南河乡",
    "北岭镇",
    "中和镇",
    "青龙乡",
    "白马镇",
    "桃源乡",
    "石门镇",
    "新塘镇",
]
SEED_SEATS = [100, 102, 104, 105, 106, 107, 107, 108, 108, 110]  # 1,057 delegates
SEED_DELEGATE_MIX = {"frontline": 591, "professional": 298, "migrant": 46}
SEED_NEW_TEAM = [9, 10, 10, 9, 10, 10, 10, 9, 10, 10]  # 97 members
SEED_OLD_TEAM = [9, 9, 10, 9, 10, 9, 10, 9, 10, 10]  # 95 members
SEED_NEW_AGE_SUM = 3550  # 36.60 average over 97
SEED_OLD_AGE_SUM = 3778  # 39.77 average over 95
SEED_NEW_UNDER_35 = [3, 3, 2, 3, 2, 3, 2, 2, 3, 2]  # 25
SEED_OLD_UNDER_35 = [2, 2, 1, 2, 2, 2, 1, 2, 2, 1]  # 17
SEED_ROTATED = [3, 3, 2, 3, 3, 3, 2, 3, 3, 2]  # 27
SEED_FINISH = [34, 35, 36, 37, 37, 38, 39, 39, 40, 41]  # days after 2021-04-11
DISTRICT_PLEDGES = {"1": 9, "2": 21, "3": 15}

DEMO_DOCUMENTS = {
    "review": ("区委批复", "District committee's written approval (pifu)"),
    "publicity": ("公示通知", "Publicity notice (gongshi)"),
    "standing_vote": ("常委会票决记录", "Standing committee vote record"),
}
"""What the demo attaches to the facts whose checks ask for a document."""

COORDINATOR = "赵组织"
DEMO_COORDINATOR = "陈协调"
REVIEWER = "李审核"
AUDITOR = "王审计"

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡"
    "余杜叶程苏魏吕丁任沈姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯"
    "龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华建文玉兰国红春梅海波鹏飞宇浩然晨"
    "阳雪琳志新东林斌凯峰辉婷慧颖亮俊琴云宁欣德胜利荣"
)


@dataclass
class NameBook:
    """Unique, plausible Chinese names from a seeded generator."""

    rng: random.Random
    used: set[str] = field(default_factory=set)

    def __call__(self) -> str:
        while True:
            n = self.rng.choice(SURNAMES) + "".join(
                self.rng.choice(GIVEN) for _ in range(self.rng.choice((1, 2, 2)))
            )
            if n not in self.used:
                self.used.add(n)
                return n


def _csv(kind: str, rows: Sequence[dict[str, Any]]) -> bytes:
    cols: Sequence[FieldSpec] = ROSTER_KINDS[kind].columns
    out = io.StringIO()
    w = csv.writer(out)
    w.writerow([c.name for c in cols])
    for r in rows:
        cells = []
        for c in cols:
            v = r.get(c.name)
            if isinstance(v, bool):
                v = "yes" if v else "no"
            elif isinstance(v, list):
                v = ";".join(v)
            cells.append("" if v is None else str(v))
        w.writerow(cells)
    return out.getvalue().encode("utf-8")


def _birth(rng: random.Random, age: int, on: dt.date) -> str:
    """A birth date that makes someone exactly ``age`` on ``on``."""
    anniversary = on.replace(year=on.year - age)
    return (anniversary - dt.timedelta(days=rng.randint(1, 360))).isoformat()


def _spread(rng: random.Random, n: int, lo: int, hi: int, total: int) -> list[int]:
    """n integers in [lo, hi] summing to ``total``."""
    values = [rng.randint(lo, hi) for _ in range(n)]
    while (diff := total - sum(values)) != 0:
        i = rng.randrange(n)
        step = 1 if diff > 0 else -1
        if lo <= values[i] + step <= hi:
            values[i] += step
    return values


def _allocate(total: int, weights: Sequence[int]) -> list[int]:
    """Split ``total`` in proportion to ``weights`` with exact integer totals."""
    whole = sum(weights)
    out, acc, prev = [], 0, 0
    for w in weights:
        acc += w
        cut = round(total * acc / whole)
        out.append(cut - prev)
        prev = cut
    return out


@dataclass
class TownPlan:
    """Everything generated for one township, and its stage dates."""

    name: str
    seats: int
    categories: dict[str, int]
    new_team: list[dict[str, Any]]
    old_team: list[dict[str, Any]]
    forms: int
    suggestions: int
    dates: list[dt.date]  # entry date of each stage, then completion
    candidates_extra: int = 1
    committee_seats: int = 7
    discipline_seats: int = 3
    grassroots: int = 12


def seed_plans(rng: random.Random, names: NameBook) -> list[TownPlan]:
    """Plans whose totals are the seed's figures."""
    n = len(SEED_TOWNSHIPS)
    mixes = {cat: _allocate(total, SEED_SEATS) for cat, total in SEED_DELEGATE_MIX.items()}
    new_sizes, old_sizes = SEED_NEW_TEAM, SEED_OLD_TEAM
    new_ages = _team_ages(rng, new_sizes, SEED_NEW_UNDER_35, SEED_NEW_AGE_SUM)
    old_ages = _team_ages(rng, old_sizes, SEED_OLD_UNDER_35, SEED_OLD_AGE_SUM)
    forms = _spread(rng, n, 150, 185, 1637)
    suggestions = _spread(rng, n, 4, 7, 56)
    plans = []
    for i, name in enumerate(SEED_TOWNSHIPS):
        finish = SEED_FINISH[i]
        rest = finish - 31
        t1 = rest // 3
        t2 = rest // 3
        offsets = [0, 4, 9, 13, 19, 31, 31 + t1, 31 + t1 + t2, finish]
        dates = [START + dt.timedelta(days=o) for o in offsets]
        congress = dates[-1]
        cats = {c: mixes[c][i] for c in mixes}
        cats["other"] = SEED_SEATS[i] - sum(cats.values())
        new_team = _team(rng, names, new_ages[i], congress, SEED_ROTATED[i], "new")
        old_team = _team(rng, names, old_ages[i], congress, 0, "outgoing")
        size = new_sizes[i]
        plans.append(
            TownPlan(
                name=name,
                seats=SEED_SEATS[i],
                categories=cats,
                new_team=new_team,
                old_team=old_team,
                forms=forms[i],
                suggestions=suggestions[i],
                dates=dates,
                candidates_extra=rng.randint(0, 3),
                committee_seats=size - 3,
                discipline_seats=3,
                grassroots=rng.randint(10, 18),
            )
        )
    return plans


def _team_ages(rng: random.Random, sizes: Sequence[int], young: Sequence[int], total: int) -> list[list[int]]:
    """Ages per township: ``young[i]`` under 35, the rest 35-55, summing to ``total``."""
    young_ages = [[rng.randint(29, 34) for _ in range(y)] for y in young]
    rest_total = total - sum(sum(a) for a in young_ages)
    rest_count = sum(sizes) - sum(young)
    rest = _spread(rng, rest_count, 35, 55, rest_total)
    out, k = [], 0
    for size, ya in zip(sizes, young_ages, strict=True):
        take = size - len(ya)
        ages = rest[k : k + take] + ya
        k += take
        rng.shuffle(ages)
        out.append(ages)
    return out


POSTS_COMMITTEE = [
    "党委副书记",
    "党委副书记",
    "组织委员",
    "宣传委员",
    "统战委员",
    "武装部长",
    "党委委员",
    "党委委员",
]
POSTS_DISCIPLINE = ["纪委书记", "纪委副书记", "纪委委员"]


def _team(
    rng: random.Random, names: NameBook, ages: list[int], on: dt.date, rotated: int, term: str
) -> list[dict[str, Any]]:
    size = len(ages)
    committee = size - 3
    rows = []
    # The secretary: the oldest of the youngest half, never under 35.
    order = sorted(range(size), key=lambda i: ages[i] < 35)
    women = set(rng.sample(range(1, size), k=rng.randint(1, 3)))
    for pos, idx in enumerate(order):
        if pos == 0:
            post, body = "党委书记", "committee"
        elif pos < committee:
            post, body = POSTS_COMMITTEE[(pos - 1) % len(POSTS_COMMITTEE)], "committee"
        else:
            post, body = POSTS_DISCIPLINE[(pos - committee) % 3], "discipline"
        is_rotated = term == "new" and pos < rotated + 1 and pos >= 1
        if is_rotated:
            years = rng.randint(5, 9)
        elif term == "new" and pos == size - 1 and rng.random() < 0.5:
            years = 6  # long in post, kept with a stated reason
        else:
            years = rng.randint(0, 4)
        rows.append(
            {
                "name": names(),
                "gender": "female" if pos in women else "male",
                "birth_date": _birth(rng, ages[idx], on),
                "post": post,
                "body": body,
                "term": term,
                "years_in_post": years,
                "rotated": is_rotated,
                "exemption": "临近退休，经区委同意暂不交流" if (years >= 5 and not is_rotated) else "",
                "reserve": term == "outgoing" and pos == size - 1,
            }
        )
    return rows


def _delegates(
    rng: random.Random, names: NameBook, plan: TownPlan, margin_short: bool = False
) -> list[dict[str, Any]]:
    seats = plan.seats
    need = at_least_with_margin(seats, 0.2)
    total = (seats + math.floor(seats * 0.15)) if margin_short else need + plan.candidates_extra
    rows = []
    elected_cats = [c for c, k in plan.categories.items() for _ in range(k)]
    rng.shuffle(elected_cats)
    on = plan.dates[3]
    for i in range(total):
        elected = i < seats and not margin_short
        cat = elected_cats[i] if i < len(elected_cats) else rng.choice(["frontline", "professional", "other"])
        rows.append(
            {
                "name": names(),
                "gender": "female" if rng.random() < 0.3 else "male",
                "birth_date": _birth(rng, rng.randint(25, 60), on),
                "category": cat,
                "nominated_by": "organisation" if rng.random() < 0.5 else "members",
                "review": "passed",
                "elected": elected,
            }
        )
    return rows


class DemoWriter:
    """Takes townships through the stages via the service, as named users."""

    def __init__(
        self, engine: Any, today: Callable[[], dt.date], rng: random.Random, clock: Callable[[], str]
    ) -> None:
        self.engine = engine
        self.today = today
        self.clock = clock
        self.rng = rng
        self.names = NameBook(rng)
        self.now = today()
        self._services: dict[str, Service] = {}

    def as_(self, user: str) -> Service:
        if user not in self._services:
            self._services[user] = Service(self.engine, user, today=lambda: self.now, clock=self.clock)
        return self._services[user]

    def at(self, user: str, day: dt.date) -> Service:
        """The service of ``user`` on the simulated ``day``, so that gates are evaluated
        as they were on that day (ages, finished publicity)."""
        self.now = day
        return self.as_(user)

    def roster(self, user: str, town: str, kind: str, rows: Sequence[dict[str, Any]], on: dt.date) -> None:
        data = _csv(kind, rows)
        parsed = parse_bytes(data, f"{kind}.csv", ROSTER_KINDS[kind], on)
        self.at(user, on).import_parsed(town, parsed, replace=True, on=on)

    def stage(self, user: str, town: str, plan: TownPlan, stage: str, *, short_margin: bool = False) -> None:
        """Record what ``stage`` needs, as the seed describes it."""
        d = plan.dates
        if stage == "draft_report":
            self.at(user, d[0] + dt.timedelta(days=2)).record(
                town,
                "draft",
                {
                    "title": f"{town}第十四次党代会工作报告（初稿）",
                    "date": str(d[0] + dt.timedelta(days=2)),
                    "version": "初稿",
                },
                on=d[0] + dt.timedelta(days=2),
            )
        elif stage == "lower_consultation":
            meet = d[2] - dt.timedelta(days=1)
            self.at(user, meet).record(
                town,
                "consultation",
                {
                    "forms_issued": str(plan.forms),
                    "suggestions": str(plan.suggestions),
                    "meeting_date": str(meet),
                },
                on=meet,
            )
        elif stage == "upper_review":
            self.at(user, d[2] + dt.timedelta(days=1)).record(
                town,
                "upper_consultation",
                {"date": str(d[2] + dt.timedelta(days=1))},
                on=d[2] + dt.timedelta(days=1),
            )
            self.at(REVIEWER, d[3] - dt.timedelta(days=1)).record(  # the district's decision
                town,
                "review",
                {"decision": "approved", "date": str(d[3] - dt.timedelta(days=1))},
                on=d[3] - dt.timedelta(days=1),
            )
            self.document(REVIEWER, town, "review", d[3] - dt.timedelta(days=1))
        elif stage == "delegate_nomination":
            self.at(user, d[3]).record(town, "nomination", {"seats": str(plan.seats)}, on=d[3])
            self.roster(
                user,
                town,
                "delegates",
                _delegates(self.rng, self.names, plan, short_margin),
                d[4] - dt.timedelta(days=1),
            )
        elif stage == "personnel_plan":
            self.roster(user, town, "team", plan.new_team + plan.old_team, d[4] + dt.timedelta(days=2))
            start = d[4] + dt.timedelta(days=1)
            end = _after_working_days(start, 5)
            self.at(user, end).record(
                town, "publicity", {"start": str(start), "end": str(end), "objections_open": "0"}, on=end
            )
            self.document(user, town, "publicity", end)
            vote = min(end + dt.timedelta(days=1), d[5])
            self.at(REVIEWER, vote).record(  # the district's decision
                town, "standing_vote", {"date": str(vote), "votes_for": "9", "votes_against": "0"}, on=vote
            )
            self.document(REVIEWER, town, "standing_vote", vote)
        elif stage == "talks":
            self.roster(
                user,
                town,
                "grassroots",
                [
                    {"name": self.names(), "organisation": f"{town}第{k + 1}村党支部"}
                    for k in range(plan.grassroots)
                ],
                d[5],
            )
            grassroots = self.as_(user).roster(town, "grassroots")
            talks = []
            day = str(min(d[5] + dt.timedelta(days=1), d[6]))
            secretary = plan.new_team[0]["name"]
            talks.append({"tier": "1", "interviewer": "区委书记", "interviewee": secretary, "date": day})
            for m in plan.new_team[1:] + [r for r in plan.old_team if r["reserve"]]:
                who = "区纪委书记" if m["body"] == "discipline" else "区委组织部部长"
                talks.append({"tier": "2", "interviewer": who, "interviewee": m["name"], "date": day})
            for g in grassroots:
                talks.append({"tier": "3", "interviewer": secretary, "interviewee": g["name"], "date": day})
            self.roster(user, town, "talks", talks, d[6])
        elif stage == "pledges":
            day = str(d[6])
            candidates = at_least_with_margin(plan.committee_seats, 0.2) + at_least_with_margin(
                plan.discipline_seats, 0.2
            )
            rows = [
                {
                    "category": c,
                    "signatories": n,
                    "date": str(START + dt.timedelta(days=2)),
                    "published_by": "meeting",
                }
                for c, n in DISTRICT_PLEDGES.items()
            ]
            rows += [
                {"category": "4", "signatories": candidates, "date": day, "published_by": "meeting"},
                {"category": "5", "signatories": plan.seats, "date": day, "published_by": "meeting"},
                {
                    "category": "6",
                    "signatories": self.rng.randint(30, 80),
                    "date": day,
                    "published_by": "notice_board",
                },
            ]
            self.roster(user, town, "pledges", rows, d[6])
        elif stage == "congress":
            cday = d[8]
            present = plan.seats - self.rng.randint(1, 6)
            ballots = []
            for body, seats, members in (
                ("committee", plan.committee_seats, [m for m in plan.new_team if m["body"] == "committee"]),
                (
                    "discipline",
                    plan.discipline_seats,
                    [m for m in plan.new_team if m["body"] == "discipline"],
                ),
            ):
                for m in members[:seats]:
                    ballots.append(
                        {
                            "body": body,
                            "candidate": m["name"],
                            "yes_votes": round(present * self.rng.uniform(0.9, 0.99)),
                        }
                    )
                for _ in range(at_least_with_margin(seats, 0.2) - seats):
                    ballots.append(
                        {
                            "body": body,
                            "candidate": self.names(),
                            "yes_votes": round(present * self.rng.uniform(0.2, 0.45)),
                        }
                    )
            self.roster(user, town, "ballots", ballots, cday)
            self.at(user, cday).record(
                town,
                "congress",
                {
                    "date": str(cday),
                    "should_attend": str(plan.seats),
                    "present": str(present),
                    "ballots_issued": str(present),
                    "ballots_returned": str(present),
                    "committee_seats": str(plan.committee_seats),
                    "discipline_seats": str(plan.discipline_seats),
                },
                on=cday,
            )

    def document(self, user: str, town: str, fact: str, day: dt.date) -> None:
        """Attach a document the demo makes itself (a one-page PDF) to ``fact``."""
        title, kind = DEMO_DOCUMENTS[fact]
        content = minimal_pdf(
            f"{town} {title}（演示文件）",
            [
                "workflow demo document - generated, not a real record",
                f"Kind: {kind}",
                f"Date: {day.isoformat()}",
                f"Township reference: {hashlib.sha256(town.encode()).hexdigest()[:16]}",
            ],
        )
        with tempfile.TemporaryDirectory(prefix="workflow-demo-") as folder:
            path = Path(folder) / f"{title}.pdf"
            path.write_bytes(content)
            self.at(user, day).attach(town, fact, path, note="演示文件（程序生成）")

    def walk(self, user: str, town: str, plan: TownPlan, until: str, stages: Sequence[str]) -> None:
        """Record and advance stage by stage until ``until`` is the current stage."""
        for k, stage in enumerate(stages):
            if stage == until:
                return
            self.stage(user, town, plan, stage)
            self.at(user, plan.dates[k + 1]).advance(town, on=plan.dates[k + 1])


def _after_working_days(start: dt.date, n: int, calendar: Calendar | None = None) -> dt.date:
    from workflow.domain.definition import default_definition

    cal = calendar or default_definition().calendar
    day, count = start, 0
    while True:
        count += cal.is_working_day(day)
        if count >= n:
            return day
        day += dt.timedelta(days=1)


@dataclass
class DemoSummary:
    created: list[str]
    skipped: list[str]


def build_demo(admin: Service, seed: int = 2021) -> DemoSummary:
    """Fill the database with both demo districts (skipping any that exist)."""
    from sqlmodel import select

    from workflow.store.tables import District, User

    admin.init(demo=True)
    engine = admin.engine
    rng = random.Random(seed)
    writer = DemoWriter(engine, admin.today, rng, admin.clock)
    with read_session(engine) as session:
        existing_users = set(session.exec(select(User.name)).all())
        existing = set(session.exec(select(District.name)).all())
    summary = DemoSummary([], [])
    for user, role in ((REVIEWER, "reviewer"), (AUDITOR, "auditor")):
        if user not in existing_users:
            admin.add_user(user, role)
    stages = [s.id for s in admin.definition.stages]
    if SEED_DISTRICT in existing:
        summary.skipped.append(SEED_DISTRICT)
    else:
        admin.add_district(SEED_DISTRICT)
        plans = seed_plans(rng, writer.names)
        for plan in plans:
            admin.add_township(plan.name, SEED_DISTRICT, since=plan.dates[0])
        if COORDINATOR not in existing_users:
            admin.add_user(COORDINATOR, "coordinator", [f"{SEED_DISTRICT}/{p.name}" for p in plans])
        for plan in plans:
            writer.walk(COORDINATOR, f"{SEED_DISTRICT}/{plan.name}", plan, "completed", stages)
        summary.created.append(SEED_DISTRICT)
    if DEMO_DISTRICT in existing:
        summary.skipped.append(DEMO_DISTRICT)
    else:
        _demo_district(admin, writer, stages, existing_users)
        summary.created.append(DEMO_DISTRICT)
    return summary


def _demo_plan(
    writer: DemoWriter, name: str, today: dt.date, start_ago: int, step: int, seats: int = 100
) -> TownPlan:
    start = today - dt.timedelta(days=start_ago)
    dates = [start + dt.timedelta(days=step * k) for k in range(9)]
    ages = [52, 47, 44, 41, 39, 37, 33, 31, 45, 36]
    return TownPlan(
        name=name,
        seats=seats,
        categories={
            "frontline": seats // 2,
            "professional": seats // 4,
            "migrant": seats // 20,
            "other": seats - seats // 2 - seats // 4 - seats // 20,
        },
        new_team=_team(writer.rng, writer.names, ages, today, 2, "new"),
        old_team=_team(writer.rng, writer.names, [a + 3 for a in ages], today, 0, "outgoing"),
        forms=160,
        suggestions=5,
        dates=dates,
    )


def _demo_district(admin: Service, writer: DemoWriter, stages: list[str], existing_users: set[str]) -> None:
    today = admin.today()
    d = DEMO_DISTRICT
    admin.add_district(d)
    plans = {
        "青山镇": _demo_plan(writer, "青山镇", today, 8, 5),
        "白水乡": _demo_plan(writer, "白水乡", today, 24, 6),
        "红旗镇": _demo_plan(writer, "红旗镇", today, 32, 6),
        "石桥镇": _demo_plan(writer, "石桥镇", today, 50, 8, seats=98),
        "柳河镇": _demo_plan(writer, "柳河镇", today, 30, 4),
        # overdue in pledges: entered 20 days before today (k = 6), deadline 10 days
        "金沙镇": _demo_plan(writer, "金沙镇", today, 68, 8),
    }
    # 金沙镇 walks eight days a stage and entered pledges 20 days ago: its start follows.
    plans["金沙镇"].dates = [today - dt.timedelta(days=12 + 8 * (7 - k)) for k in range(9)]
    for name, plan in plans.items():
        admin.add_township(name, d, since=plan.dates[0])
    if DEMO_COORDINATOR not in existing_users:
        admin.add_user(DEMO_COORDINATOR, "coordinator", [f"{d}/{n}" for n in plans])
    c = DEMO_COORDINATOR
    ref = {n: f"{d}/{n}" for n in plans}
    # 青山镇: in lower consultation, nothing recorded yet.
    writer.walk(c, ref["青山镇"], plans["青山镇"], "lower_consultation", stages)
    # 白水乡: blocked at delegate nomination, 115 candidates for 100 seats (15%).
    p = plans["白水乡"]
    writer.walk(c, ref["白水乡"], p, "delegate_nomination", stages)
    writer.stage(c, ref["白水乡"], p, "delegate_nomination", short_margin=True)
    # 红旗镇: an open violation report in the personnel plan.
    p = plans["红旗镇"]
    writer.walk(c, ref["红旗镇"], p, "personnel_plan", stages)
    writer.at(c, p.dates[4] + dt.timedelta(days=1)).open_violation(
        ref["红旗镇"], "群众来信反映有拉票苗头，待核实", on=p.dates[4] + dt.timedelta(days=1)
    )
    # 石桥镇: 98 seats, approved by the district with a waiver; now at talks.
    p = plans["石桥镇"]
    writer.walk(c, ref["石桥镇"], p, "delegate_nomination", stages)
    writer.stage(c, ref["石桥镇"], p, "delegate_nomination")
    writer.at(REVIEWER, p.dates[4]).waive_check(
        ref["石桥镇"], "delegate_seats", "区委批准该镇党代表名额为98名（党员人数少）", on=p.dates[4]
    )
    writer.at(c, p.dates[4]).advance(ref["石桥镇"], on=p.dates[4])
    writer.stage(c, ref["石桥镇"], p, "personnel_plan")
    writer.at(c, p.dates[5]).advance(ref["石桥镇"], on=p.dates[5])
    # 柳河镇: the district returned the report once; back at upper review.
    p = plans["柳河镇"]
    writer.walk(c, ref["柳河镇"], p, "upper_review", stages)
    writer.at(c, p.dates[2] + dt.timedelta(days=1)).record(
        ref["柳河镇"],
        "upper_consultation",
        {"date": str(p.dates[2] + dt.timedelta(days=1))},
        on=p.dates[2] + dt.timedelta(days=1),
    )
    writer.at(REVIEWER, p.dates[3]).record(
        ref["柳河镇"], "review", {"decision": "returned", "date": str(p.dates[3])}, on=p.dates[3]
    )
    writer.at(REVIEWER, p.dates[3]).return_(
        ref["柳河镇"], "draft_report", "报告对发展目标论证不足，退回修改", on=p.dates[3]
    )
    second = dt.timedelta(days=3)
    writer.at(c, p.dates[3] + second).record(
        ref["柳河镇"],
        "draft",
        {"title": "柳河镇党代会工作报告（修改稿）", "date": str(p.dates[3] + second), "version": "修改稿"},
        on=p.dates[3] + second,
    )
    writer.at(c, p.dates[3] + second).advance(ref["柳河镇"], on=p.dates[3] + second)
    writer.at(c, p.dates[3] + 2 * second).advance(ref["柳河镇"], on=p.dates[3] + 2 * second)
    # 金沙镇: overdue in pledges (entered 20 days before today, deadline 10 days).
    p = plans["金沙镇"]  # its dates were set above: pledges entered at k=6
    writer.walk(c, ref["金沙镇"], p, "pledges", stages)
