"""The district report: every figure computed from the records (facts, rosters,
events), never copied. Percentages and rates in percent with one decimal; ages in
years with two decimals. Plain data in, plain data out: ``workflow.app.report`` reads
the records."""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from workflow.domain.definition import Definition
from workflow.domain.gates import age_on, winners
from workflow.domain.rosters import ROSTER_KINDS
from workflow.i18n import Lang

DISTRICT_LEVEL_PLEDGES = ("1", "2", "3")


@dataclass(frozen=True, slots=True)
class TownshipRecord:
    """A township as the report reads it."""

    id: int
    name: str
    district_id: int
    stage: str


@dataclass(frozen=True, slots=True)
class ViolationRecord:
    id: int
    township_id: int
    status: str
    opened_note: str


@dataclass(frozen=True, slots=True)
class WaiverRecord:
    township_id: int
    check_id: str
    reason: str
    actor: str


def _pct(part: float, whole: float) -> float:
    return round(part * 100 / whole, 1) if whole else 0.0


def _mean(values: Sequence[float]) -> float | None:
    return sum(values) / len(values) if values else None


def compute(
    d: Definition,
    district_name: str | None,
    towns: Mapping[int, TownshipRecord],
    facts: Mapping[int, Mapping[str, Mapping[str, Any]]],
    rosters: Mapping[int, Mapping[str, Sequence[Mapping[str, Any]]]],
    first_date: dt.date | None,
    last_date: dt.date | None,
    violations: Sequence[ViolationRecord],
    waivers: Sequence[WaiverRecord],
    today: dt.date,
) -> dict[str, Any]:
    """The report's figures from one district's (or every district's) records."""
    ids: list[int] = list(towns)
    completed = [town for town in towns.values() if town.stage == d.final]
    forms = sum(
        int(facts[t]["consultation"]["forms_issued"]) for t in ids if "consultation" in facts.get(t, {})
    )
    suggestions = sum(
        int(facts[t]["consultation"]["suggestions"]) for t in ids if "consultation" in facts.get(t, {})
    )

    elected_by_town = {
        t: [r for r in rosters.get(t, {}).get("delegates", []) if r.get("elected")] for t in ids
    }
    with_delegates = [len(v) for t, v in elected_by_town.items() if v]
    total_delegates = sum(with_delegates)
    by_category: dict[str, dict[str, float]] = {}
    for cat in ROSTER_KINDS["delegates"].column("category").choices:
        n = sum(1 for v in elected_by_town.values() for r in v if r["category"] == cat)
        by_category[cat] = {"count": n, "percent": _pct(n, total_delegates)}

    new_ages: list[int] = []
    old_ages: list[int] = []
    members = rotated = under_new = under_old = 0
    with_woman = with_young = 0
    for t in ids:
        ref = facts.get(t, {}).get("congress", {}).get("date") or today
        team = rosters.get(t, {}).get("team", [])
        new = [r for r in team if r["term"] == "new"]
        old = [r for r in team if r["term"] == "outgoing"]
        members += len(new)
        rotated += sum(1 for r in new if r.get("rotated"))
        ages_new = [age_on(r["birth_date"], ref) for r in new]
        ages_old = [age_on(r["birth_date"], ref) for r in old]
        new_ages += ages_new
        old_ages += ages_old
        under_new += sum(1 for a in ages_new if a < 35)
        under_old += sum(1 for a in ages_old if a < 35)
        if new:
            with_woman += any(r["gender"] == "female" for r in new)
            with_young += any(a < 35 for a in ages_new)
    avg_new, avg_old = _mean(new_ages), _mean(old_ages)

    pledges: dict[str, int] = {str(c): 0 for c in range(1, 7)}
    district_level: dict[tuple[int, str], int] = {}
    for t in ids:
        for r in rosters.get(t, {}).get("pledges", []):
            cat = str(r["category"])
            if cat in DISTRICT_LEVEL_PLEDGES:
                key = (towns[t].district_id, cat)
                district_level[key] = max(district_level.get(key, 0), int(r["signatories"]))
            else:
                pledges[cat] += int(r["signatories"])
    for (_, cat), n in district_level.items():
        pledges[cat] += n

    rates: list[float] = []
    for t in ids:
        congress = facts.get(t, {}).get("congress")
        if not congress or not congress.get("present"):
            continue
        for body, seats in (
            ("committee", congress["committee_seats"]),
            ("discipline", congress["discipline_seats"]),
        ):
            for winner in winners(rosters.get(t, {}).get("ballots", []), body, int(seats)):
                rates.append(int(winner["yes_votes"]) / int(congress["present"]))

    stage_counts = {s.id: 0 for s in d.stages}
    for town in towns.values():
        stage_counts[town.stage] = stage_counts.get(town.stage, 0) + 1

    return {
        "district": district_name,
        "townships": len(towns),
        "townships_completed": len(completed),
        "stages": stage_counts,
        "first_date": first_date.isoformat() if first_date else None,
        "last_date": last_date.isoformat() if last_date else None,
        "opinion_forms": forms,
        "suggestions": suggestions,
        "delegates": {
            "total": total_delegates,
            "min_per_township": min(with_delegates) if with_delegates else 0,
            "by_category": by_category,
        },
        "team": {
            "members": members,
            "rotated": rotated,
            "rotation_rate": _pct(rotated, members),
            "average_age": round(avg_new, 2) if avg_new is not None else None,
            "average_age_change": round(avg_new - avg_old, 2)
            if avg_new is not None and avg_old is not None
            else None,
            "under_35": under_new,
            "under_35_change": under_new - under_old,
        },
        "townships_with_woman": with_woman,
        "townships_with_under_35": with_young,
        "pledges_by_category": pledges,
        "violations": {
            "total": len(violations),
            "open": sum(1 for v in violations if v.status == "open"),
            "open_list": [
                {"id": v.id, "township": towns[v.township_id].name, "note": v.opened_note}
                for v in violations
                if v.status == "open"
            ],
        },
        "waivers": [
            {"township": towns[w.township_id].name, "check": w.check_id, "reason": w.reason, "by": w.actor}
            for w in waivers
        ],
        "average_vote_rate": _pct(sum(rates), len(rates)) if rates else None,
    }


def _shown(value: object) -> object:
    return "-" if value is None else value


def render_text(r: Mapping[str, Any], lang: Lang) -> str:
    """The report as lines a person reads."""
    zh = lang == "zh"
    dl, tm = r["delegates"], r["team"]
    cats = {
        "frontline": ("农村工作一线", "front-line"),
        "professional": ("专业技术人才和先进模范人物", "professional and model workers"),
        "migrant": ("外出务工党员", "migrant-worker members"),
        "other": ("其他", "other"),
    }
    r = {**r, "average_vote_rate": _shown(r["average_vote_rate"])}
    tm = {
        **tm,
        "average_age": _shown(tm["average_age"]),
        "average_age_change": _shown(tm["average_age_change"]),
    }
    name = r["district"] or ("全部" if zh else "all districts")
    all_done = bool(r["last_date"]) and r["townships_completed"] == r["townships"]
    lines = []
    if zh:
        lines += [
            f"{name}：{r['townships']}个乡镇，完成换届{r['townships_completed']}个，"
            f"{r['first_date'] or '-'} 启动，"
            + (f"{r['last_date']} 全部完成" if all_done else "尚未全部完成"),
            f"工作报告：发放征求意见表{r['opinion_forms']}份，征求到意见建议{r['suggestions']}条",
            f"党代表：选举产生{dl['total']}名，每个乡镇至少{dl['min_per_township']}名",
        ]
        lines += [f"  {cats[c][0]}：{v['count']}名，占{v['percent']}%" for c, v in dl["by_category"].items()]
        lines += [
            f"班子：成员{tm['members']}人，交流{tm['rotated']}人，交流面{tm['rotation_rate']}%",
            f"  平均年龄{tm['average_age']}岁，变化{tm['average_age_change']}岁；"
            f"35岁以下{tm['under_35']}人，变化{tm['under_35_change']:+d}人",
            f"  有女干部的乡镇{r['townships_with_woman']}个，"
            f"有35岁以下干部的乡镇{r['townships_with_under_35']}个",
            "承诺：" + "，".join(f"第{c}类{n}人" for c, n in r["pledges_by_category"].items()),
            f"违纪举报：{r['violations']['total']}件，未处理{r['violations']['open']}件",
            f"豁免：{len(r['waivers'])}项",
            "当选人平均得票率："
            + (f"{r['average_vote_rate']}%" if r["average_vote_rate"] not in (None, "-") else "暂无"),
        ]
    else:
        lines += [
            f"{name}: {r['townships']} townships, {r['townships_completed']} completed, "
            + (
                f"from {r['first_date'] or '-'} to {r['last_date']}"
                if all_done
                else f"started {r['first_date'] or '-'}, not all completed yet"
            ),
            f"Work report: {r['opinion_forms']} opinion forms issued, "
            f"{r['suggestions']} suggestions received",
            f"Delegates: {dl['total']} elected, at least {dl['min_per_township']} per township",
        ]
        lines += [f"  {cats[c][1]}: {v['count']} ({v['percent']}%)" for c, v in dl["by_category"].items()]
        lines += [
            f"Team: {tm['members']} members, {tm['rotated']} rotated ({tm['rotation_rate']}%)",
            f"  average age {tm['average_age']} (change {tm['average_age_change']}); "
            f"{tm['under_35']} under 35 (change {tm['under_35_change']:+d})",
            f"  townships with a woman: {r['townships_with_woman']}; with a member under 35: "
            f"{r['townships_with_under_35']}",
            "Pledges: " + ", ".join(f"category {c}: {n}" for c, n in r["pledges_by_category"].items()),
            f"Violation reports: {r['violations']['total']}, open {r['violations']['open']}",
            f"Waivers: {len(r['waivers'])}",
            "Average vote rate of the elected: "
            + (f"{r['average_vote_rate']}%" if r["average_vote_rate"] not in (None, "-") else "none yet"),
        ]
    for w in r["waivers"]:
        lines.append(
            f"  [豁免] {w['township']} {w['check']}：{w['reason']}"
            if zh
            else f"  [waived] {w['township']} {w['check']}: {w['reason']}"
        )
    for v in r["violations"]["open_list"]:
        lines.append(
            f"  [未处理举报] #{v['id']} {v['township']}：{v['note']}"
            if zh
            else f"  [open report] #{v['id']} {v['township']}: {v['note']}"
        )
    return "\n".join(lines)
