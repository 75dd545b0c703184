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


class ReportBuilder:
    """The report's figures gathered one township at a time (its facts and rosters
    given with it, then dropped), so that a report over 400,000 townships holds no
    more than one township's records and a few counters: constant memory in the
    number of townships. Violations and waivers are few and kept; so is, for each
    district, the largest count of each district-level pledge (a list entry a
    category and a slot a district: about 0.1 MB for every 1,000 districts)."""

    def __init__(self, d: Definition, district_name: str | None, today: dt.date) -> None:
        self.d = d
        self.district_name = district_name
        self.today = today
        self.townships = 0
        self.completed = 0
        self.stage_counts = {s.id: 0 for s in d.stages}
        self.forms = self.suggestions = 0
        self.categories = ROSTER_KINDS["delegates"].column("category").choices
        self.by_category = dict.fromkeys(self.categories, 0)
        self.total_delegates = 0
        self.min_delegates: int | None = None
        self.age_sum_new = self.age_sum_old = 0
        self.age_count_new = self.age_count_old = 0
        self.members = self.rotated = self.under_new = self.under_old = 0
        self.with_woman = self.with_young = 0
        self.pledges: dict[str, int] = {str(c): 0 for c in range(1, 7)}
        # each district's largest count of each district-level pledge: the district's
        # slot in ``_slots``, its counts at ``slot * len(DISTRICT_LEVEL_PLEDGES)`` on
        self._slots: dict[int, int] = {}
        self._district_level: list[int] = []
        self.rate_sum = 0.0
        self.rate_count = 0
        self.violations: list[dict[str, Any]] = []
        self.violation_total = 0
        self.waivers: list[dict[str, Any]] = []

    def township(
        self,
        town: TownshipRecord,
        facts: Mapping[str, Mapping[str, Any]],
        rosters: Mapping[str, Sequence[Mapping[str, Any]]],
    ) -> None:
        """One township with its facts and rosters (each roster's rows in order)."""
        self.townships += 1
        self.completed += town.stage == self.d.final
        self.stage_counts[town.stage] = self.stage_counts.get(town.stage, 0) + 1
        consultation = facts.get("consultation")
        if consultation is not None:
            self.forms += int(consultation["forms_issued"])
            self.suggestions += int(consultation["suggestions"])

        elected = [r for r in rosters.get("delegates", ()) if r.get("elected")]
        if elected:
            self.total_delegates += len(elected)
            self.min_delegates = min(self.min_delegates or len(elected), len(elected))
            for r in elected:
                if r["category"] in self.by_category:
                    self.by_category[r["category"]] += 1

        ref = facts.get("congress", {}).get("date") or self.today
        team = rosters.get("team", ())
        new = [r for r in team if r["term"] == "new"]
        ages_new = [age_on(r["birth_date"], ref) for r in new]
        ages_old = [age_on(r["birth_date"], ref) for r in team if r["term"] == "outgoing"]
        self.members += len(new)
        self.rotated += sum(1 for r in new if r.get("rotated"))
        self.age_sum_new += sum(ages_new)
        self.age_count_new += len(ages_new)
        self.age_sum_old += sum(ages_old)
        self.age_count_old += len(ages_old)
        self.under_new += sum(1 for a in ages_new if a < 35)
        self.under_old += sum(1 for a in ages_old if a < 35)
        if new:
            self.with_woman += any(r["gender"] == "female" for r in new)
            self.with_young += any(a < 35 for a in ages_new)

        for r in rosters.get("pledges", ()):
            cat = str(r["category"])
            if cat in DISTRICT_LEVEL_PLEDGES:
                at = self._district_slot(town.district_id) + DISTRICT_LEVEL_PLEDGES.index(cat)
                self._district_level[at] = max(self._district_level[at], int(r["signatories"]))
            else:
                self.pledges[cat] += int(r["signatories"])

        congress = facts.get("congress")
        if congress and congress.get("present"):
            for body, seats in (
                ("committee", congress["committee_seats"]),
                ("discipline", congress["discipline_seats"]),
            ):
                for winner in winners(rosters.get("ballots", ()), body, int(seats)):
                    self.rate_sum += int(winner["yes_votes"]) / int(congress["present"])
                    self.rate_count += 1

    def _district_slot(self, district_id: int) -> int:
        """Where a district's district-level pledge counts are (zero until seen)."""
        slot = self._slots.get(district_id)
        if slot is None:
            slot = self._slots[district_id] = len(self._district_level)
            self._district_level.extend([0] * len(DISTRICT_LEVEL_PLEDGES))
        return slot

    def violation(self, v: ViolationRecord, township: str) -> None:
        self.violation_total += 1
        if v.status == "open":
            self.violations.append({"id": v.id, "township": township, "note": v.opened_note})

    def waiver(self, w: WaiverRecord, township: str) -> None:
        self.waivers.append({"township": township, "check": w.check_id, "reason": w.reason, "by": w.actor})

    def result(self, first_date: dt.date | None, last_date: dt.date | None) -> dict[str, Any]:
        pledges = dict(self.pledges)
        for i, cat in enumerate(DISTRICT_LEVEL_PLEDGES):
            pledges[cat] += sum(self._district_level[i :: len(DISTRICT_LEVEL_PLEDGES)])
        avg_new = self.age_sum_new / self.age_count_new if self.age_count_new else None
        avg_old = self.age_sum_old / self.age_count_old if self.age_count_old else None
        total = self.total_delegates
        return {
            "district": self.district_name,
            "townships": self.townships,
            "townships_completed": self.completed,
            "stages": self.stage_counts,
            "first_date": first_date.isoformat() if first_date else None,
            "last_date": last_date.isoformat() if last_date else None,
            "opinion_forms": self.forms,
            "suggestions": self.suggestions,
            "delegates": {
                "total": total,
                "min_per_township": self.min_delegates or 0,
                "by_category": {
                    c: {"count": n, "percent": _pct(n, total)} for c, n in self.by_category.items()
                },
            },
            "team": {
                "members": self.members,
                "rotated": self.rotated,
                "rotation_rate": _pct(self.rotated, self.members),
                "average_age": round(avg_new, 2) if avg_new is not None else None,
                "average_age_change": round(avg_new - avg_old, 2)
                if avg_new is not None and avg_old is not None
                else None,
                "under_35": self.under_new,
                "under_35_change": self.under_new - self.under_old,
            },
            "townships_with_woman": self.with_woman,
            "townships_with_under_35": self.with_young,
            "pledges_by_category": pledges,
            "violations": {
                "total": self.violation_total,
                "open": len(self.violations),
                "open_list": self.violations,
            },
            "waivers": self.waivers,
            "average_vote_rate": _pct(self.rate_sum, self.rate_count) if self.rate_count else None,
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
