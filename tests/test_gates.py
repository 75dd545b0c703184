"""Every exit gate across its boundary, with the numbers in both languages."""

from __future__ import annotations

import datetime as dt
import inspect
from collections.abc import Mapping, Sequence
from typing import Any

from workflow.domain.definition import default_definition
from workflow.domain.gates import GateContext, evaluate

D = default_definition()
DAY = dt.date(2021, 5, 20)


def ctx(
    facts: Mapping[str, Mapping[str, Any]] | None = None,
    rosters: Mapping[str, Sequence[Mapping[str, Any]]] | None = None,
    today: dt.date = DAY,
) -> GateContext:
    return GateContext(
        township="东湖镇",
        facts=facts or {},
        rosters=rosters or {},
        today=today,
        calendar=D.calendar,
        fact_labels=D.fact_labels(),
        field_labels=D.field_labels(),
    )


def check(check_id: str, c: GateContext) -> Any:
    spec = next(x for s in D.stages for x in s.checks if x.id == check_id)
    return evaluate(spec.id, spec.gate, spec.params, c)


def delegates(n: int, elected: int = 0, review: str = "passed") -> list[dict[str, Any]]:
    return [
        {"name": f"候选人{i}", "review": review, "elected": i < elected, "category": "frontline"}
        for i in range(n)
    ]


def test_delegate_margin_119_for_100_is_19_percent_and_fails() -> None:
    r = check("delegate_margin", ctx({"nomination": {"seats": 100}}, {"delegates": delegates(119)}))
    assert not r.passed
    assert r.message.zh == "候选人119名，应选100名，差额19%，低于20%"
    assert r.message.en == "119 candidates for 100 seats: margin 19%, below 20%"
    assert (r.actual, r.required) == ("119", ">= 120")


def test_delegate_margin_120_for_100_passes() -> None:
    r = check("delegate_margin", ctx({"nomination": {"seats": 100}}, {"delegates": delegates(120)}))
    assert r.passed
    assert "差额20%，不低于20%" in r.message.zh and "margin 20%, at least 20%" in r.message.en


def test_delegate_margin_uses_the_ceiling() -> None:
    # ceil(1.2 x 101) = 122: 121 candidates are not enough.
    r = check("delegate_margin", ctx({"nomination": {"seats": 101}}, {"delegates": delegates(121)}))
    assert not r.passed and r.required == ">= 122"
    assert "121 candidates for 101 seats" in r.message.en and "候选人121名，应选101名" in r.message.zh


def test_delegate_seats_between_100_and_300() -> None:
    low = check("delegate_seats", ctx({"nomination": {"seats": 99}}))
    assert not low.passed and "99 delegate seats, outside 100-300" in low.message.en
    assert low.message.zh == "应选党代表99名，不在100至300名之间"
    assert check("delegate_seats", ctx({"nomination": {"seats": 100}})).passed
    assert check("delegate_seats", ctx({"nomination": {"seats": 300}})).passed
    assert not check("delegate_seats", ctx({"nomination": {"seats": 301}})).passed


def test_every_candidate_reviewed_and_elected_equals_seats() -> None:
    rows = delegates(120, elected=100)
    rows[5]["review"] = "pending"
    rows[5]["elected"] = False
    r = check("delegates_reviewed", ctx(rosters={"delegates": rows}))
    assert not r.passed and "1 candidates not yet reviewed: 候选人5" in r.message.en
    assert r.message.zh == "1名候选人尚未资格审查：候选人5"
    e = check("delegates_elected", ctx({"nomination": {"seats": 100}}, {"delegates": delegates(120, 99)}))
    assert not e.passed and e.message.en == "99 delegates elected for 100 seats"
    assert e.message.zh == "当选党代表99名，应选100名"
    assert check(
        "delegates_elected", ctx({"nomination": {"seats": 100}}, {"delegates": delegates(120, 100)})
    ).passed


def member(name: str, gender: str = "male", age: int = 40, years: int = 1, **kw: Any) -> dict[str, Any]:
    birth = DAY.replace(year=DAY.year - age) - dt.timedelta(days=10)
    row = {
        "name": name,
        "gender": gender,
        "birth_date": birth,
        "post": "党委委员",
        "body": "committee",
        "term": "new",
        "years_in_post": years,
        "rotated": False,
        "exemption": "",
        "reserve": False,
    }
    row.update(kw)
    return row


def test_team_without_a_woman_fails() -> None:
    team = [member("甲"), member("乙")]
    r = check("team_woman", ctx(rosters={"team": team}))
    assert not r.passed
    assert r.message.zh == "新班子2人中女干部0名，少于1名"
    assert r.message.en == "0 women in the new team of 2, below 1"
    team.append(member("丙", gender="female"))
    assert check("team_woman", ctx(rosters={"team": team})).passed


def test_member_under_35_counted_at_the_congress_date() -> None:
    team = [member("甲", age=35), member("乙", age=50)]
    r = check("team_under_35", ctx(rosters={"team": team}))
    assert not r.passed and r.message.en == "0 members under 35 in the new team, below 1"
    assert r.message.zh == "新班子中35岁以下0名，少于1名"
    team[0] = member("甲", age=34)
    assert check("team_under_35", ctx(rosters={"team": team})).passed
    # A year later the same person is 35: the reference date is the congress date.
    later = ctx({"congress": {"date": DAY.replace(year=DAY.year + 1)}}, {"team": team})
    assert not check("team_under_35", later).passed


def test_five_years_in_post_needs_rotation_or_exemption() -> None:
    team = [member("甲", years=5), member("乙", years=4)]
    r = check("rotation", ctx(rosters={"team": team}))
    assert not r.passed
    assert r.message.zh == "任现职满5年未交流且无理由：甲"
    assert r.message.en == "5+ years in post, neither rotated nor exempted: 甲"
    team[0]["exemption"] = "临近退休"
    assert check("rotation", ctx(rosters={"team": team})).passed
    team[0] = member("甲", years=7, rotated=True)
    assert check("rotation", ctx(rosters={"team": team})).passed


def test_publicity_four_working_days_fails_five_passes() -> None:
    # 2021-05-10 (Mon) to 2021-05-13 (Thu): 4 working days.
    four = {"publicity": {"start": dt.date(2021, 5, 10), "end": dt.date(2021, 5, 13), "objections_open": 0}}
    r = check("publicity", ctx(four))
    assert not r.passed and r.actual == "4"
    assert r.message.zh == "公示2021-05-10至2021-05-13共4个工作日，少于5个"
    assert r.message.en == "publicity 2021-05-10 to 2021-05-13 lasted 4 working days, fewer than 5"
    five = {"publicity": {"start": dt.date(2021, 5, 10), "end": dt.date(2021, 5, 14), "objections_open": 0}}
    assert check("publicity", ctx(five)).passed


def test_publicity_skips_holidays_and_counts_working_weekends() -> None:
    # 2021-04-30 (Fri) .. 2021-05-06 (Thu): 4-30, (5-1..5-5 holiday), 5-6 = 2 days.
    f = {"publicity": {"start": dt.date(2021, 4, 30), "end": dt.date(2021, 5, 6), "objections_open": 0}}
    assert check("publicity", ctx(f)).actual == "2"
    # 2021-05-06 .. 2021-05-10 includes Saturday 5-8, a working day: 6, 7, 8, 10 = 4.
    g = {"publicity": {"start": dt.date(2021, 5, 6), "end": dt.date(2021, 5, 10), "objections_open": 0}}
    assert check("publicity", ctx(g)).actual == "4"


def test_publicity_with_an_open_objection_or_not_finished_fails() -> None:
    f = {"publicity": {"start": dt.date(2021, 5, 10), "end": dt.date(2021, 5, 14), "objections_open": 1}}
    r = check("publicity", ctx(f))
    assert not r.passed and r.message.en == "1 objections from publicity still open"
    assert r.message.zh == "公示期间有1件异议尚未了结"
    running = ctx({"publicity": {**f["publicity"], "objections_open": 0}}, today=dt.date(2021, 5, 14))
    assert not check("publicity", running).passed


def test_standing_vote_must_pass() -> None:
    assert check("standing_vote", ctx({"standing_vote": {"votes_for": 9, "votes_against": 0}})).passed
    r = check("standing_vote", ctx({"standing_vote": {"votes_for": 4, "votes_against": 5}}))
    assert not r.passed and "4 for, 5 against: not passed" in r.message.en
    assert "赞成4票、反对5票，未通过" in r.message.zh


def talk_rosters(missing: str | None = None) -> dict[str, list[dict[str, Any]]]:
    team = [
        member("书记甲", post="党委书记"),
        member("委员乙"),
        member("后备丙", term="outgoing", reserve=True),
    ]
    grassroots = [{"name": "支书丁", "organisation": "一村"}, {"name": "支书戊", "organisation": "二村"}]
    talks = [
        {"tier": "1", "interviewer": "区委书记", "interviewee": "书记甲"},
        {"tier": "2", "interviewer": "区纪委书记", "interviewee": "委员乙"},
        {"tier": "2", "interviewer": "区委组织部部长", "interviewee": "后备丙"},
        {"tier": "3", "interviewer": "书记甲", "interviewee": "支书丁"},
        {"tier": "3", "interviewer": "书记甲", "interviewee": "支书戊"},
    ]
    talks = [t for t in talks if t["interviewee"] != missing]
    return {"team": team, "grassroots": grassroots, "talks": talks}


def test_talks_cover_every_tier() -> None:
    for tier in ("talks_tier1", "talks_tier2", "talks_tier3"):
        assert check(tier, ctx(rosters=talk_rosters())).passed


def test_one_grassroots_secretary_without_a_talk_is_named() -> None:
    r = check("talks_tier3", ctx(rosters=talk_rosters(missing="支书戊")))
    assert not r.passed and r.actual == "1/2"
    assert r.message.zh == "第3层谈话尚未覆盖：支书戊"
    assert r.message.en == "tier 3: no talk yet with 支书戊"


def test_reserve_cadre_needs_a_tier_two_talk() -> None:
    r = check("talks_tier2", ctx(rosters=talk_rosters(missing="后备丙")))
    assert not r.passed and "后备丙" in r.message.zh and "后备丙" in r.message.en


def pledge(cat: str, n: int = 10) -> dict[str, Any]:
    return {"category": cat, "signatories": n, "published_by": "meeting"}


def test_missing_pledge_category_is_named() -> None:
    r = check("pledges_signed", ctx(rosters={"pledges": [pledge("4"), pledge("6")]}))
    assert not r.passed
    assert r.message.zh == "尚缺第5类承诺"
    assert r.message.en == "pledge categories missing: 5"
    assert check("pledges_signed", ctx(rosters={"pledges": [pledge(c) for c in "456"]})).passed


def congress(**kw: int) -> dict[str, Any]:
    base = {
        "date": DAY,
        "should_attend": 100,
        "present": 95,
        "ballots_issued": 95,
        "ballots_returned": 95,
        "committee_seats": 5,
        "discipline_seats": 3,
    }
    base.update(kw)
    return {"congress": base}


def test_quorum_exactly_four_fifths_fails_just_above_passes() -> None:
    r = check("quorum", ctx(congress(present=80)))
    assert not r.passed
    assert r.message.zh == "应到100人，实到80人（80%），未超过80%"
    assert r.message.en == "80 of 100 delegates present (80%): not above 80%"
    ok = check("quorum", ctx(congress(present=81)))
    assert ok.passed and ok.message.en == "81 of 100 delegates present (81%): above 80%"


def ballots(votes: Sequence[int], body: str = "committee") -> list[dict[str, Any]]:
    return [{"body": body, "candidate": f"{body}{i}", "yes_votes": v} for i, v in enumerate(votes)]


def test_candidate_with_exactly_half_the_votes_is_not_elected() -> None:
    rows = ballots([90, 88, 85, 80, 50, 10]) + ballots([90, 88, 87, 5], "discipline")
    r = check("majority", ctx(congress(present=100), {"ballots": rows}))
    assert not r.passed
    assert r.message.zh == "committee4得50票，未超过实到代表100人的半数"
    assert r.message.en == "committee4 got 50 votes, not more than half of 100 electors present"
    rows[4]["yes_votes"] = 51
    assert check("majority", ctx(congress(present=100), {"ballots": rows})).passed


def test_committee_margin_per_body() -> None:
    rows = ballots([90, 88, 85, 80, 70, 10]) + ballots([90, 88, 87], "discipline")
    r = check("committee_margin", ctx(congress(), {"ballots": rows}))
    assert not r.passed
    assert "纪委：候选人3名，应选3名，差额0%，低于20%" in r.message.zh
    assert "discipline committee: 3 candidates for 3 seats: margin 0%, below 20%" in r.message.en
    rows += ballots([1], "discipline")
    assert check("committee_margin", ctx(congress(), {"ballots": rows})).passed


def test_ballots_returned_more_than_issued_fails() -> None:
    r = check("ballots_valid", ctx(congress(ballots_issued=95, ballots_returned=96)))
    assert not r.passed
    assert r.message.zh == "收回选票96张，多于发出的95张"
    assert r.message.en == "96 ballots returned, more than 95 issued"
    assert check("ballots_valid", ctx(congress(ballots_issued=95, ballots_returned=95))).passed


def test_missing_fact_says_what_is_missing() -> None:
    r = check("quorum", ctx())
    assert not r.passed
    assert (
        r.message.en
        == "Party congress not recorded yet, so attendance cannot be checked (needs more than 80% present)"
    )
    assert r.message.zh == "尚未记录「党代会」，无法核对到会人数（应实到超过应到的80%）"


def test_checks_on_one_missing_fact_never_read_alike() -> None:
    """Each check on a fact not recorded yet says what it would check: never one
    message for two different checks, in either language."""
    for fact_checks in (
        ("delegate_seats", "delegate_margin", "delegates_elected"),
        ("quorum", "committee_margin", "majority", "ballots_valid"),
        ("consultation_recorded", "opinion_forms_issued"),
    ):
        results = [check(c, ctx()) for c in fact_checks]
        assert not any(r.passed for r in results)
        for lang in ("zh", "en"):
            messages = [r.message(lang) for r in results]
            assert len(set(messages)) == len(messages), messages


def test_fact_checks_name_the_field_in_both_languages() -> None:
    r = check("opinion_forms_issued", ctx({"consultation": {"forms_issued": 0, "suggestions": 0}}))
    assert not r.passed and (r.actual, r.required) == ("0", ">= 1")
    assert r.message.zh == "发放征求意见表(份)为0，少于1"
    assert r.message.en == "Opinion forms issued: 0, below 1"
    missing = check("draft_recorded", ctx())
    assert (missing.actual, missing.required) == ("0", "1")


def test_shared_checks_are_shared_only_when_every_read_gives_the_same() -> None:
    """Townships whose gates read the same stored values share one evaluation; a
    township whose gates read another value (or a fact the first did not have) is
    evaluated on its own; a value no gate read makes no difference."""
    import json

    from workflow.domain import gates
    from workflow.domain.gates import Dep, SharedChecks, Watched

    d = default_definition()
    checks = d.stage("lower_consultation").checks
    shared = SharedChecks()
    evaluated: list[str] = []

    def results(name: str, facts: dict[str, dict[str, Any]]) -> list[Any]:
        prints: dict[str, Mapping[str, Any]] = {
            "facts": {k: json.dumps(v) for k, v in facts.items()},
            "rosters": {},
            "documents": {},
        }

        def context(log: list[Dep]) -> GateContext:
            evaluated.append(name)
            return GateContext(
                township=name,
                facts=Watched("facts", prints["facts"], lambda _k, t: json.loads(t), log),
                rosters=Watched("rosters", prints["rosters"], lambda _k, t: t, log),
                today=dt.date(2021, 6, 30),
                fact_labels=d.fact_labels(),
                field_labels=d.field_labels(),
                documents=Watched("documents", prints["documents"], lambda _k, t: t, log),
            )

        return shared.evaluate(("lower_consultation",), checks, prints, context)[0]

    ten = {"consultation": {"forms_issued": 10}}
    a = results("甲", ten)
    b = results("乙", {**ten, "draft": {"title": "报告"}})  # a fact no gate of the stage reads
    c = results("丙", {"consultation": {"forms_issued": 0}})
    e = results("丁", {})
    assert evaluated == ["甲", "丙", "丁"]
    assert b is a and all(r.passed for r in a)
    assert [r.passed for r in c] == [True, False] and [r.passed for r in e] == [False, False]
    # the results are shared whatever the township's name: no gate reads it
    assert "ctx.township" not in inspect.getsource(gates)
