"""The state machine: stage order, allowed backward steps, one model however many steps."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import pytest

from workflow.domain.definition import default_definition
from workflow.domain.engine import engine_for
from workflow.errors import Blocked

D = default_definition()
IDS = [s.id for s in D.stages]
PAIRS = [(a, b) for a in IDS for b in IDS if a != b]


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_advance_goes_only_to_the_next_stage(current: str, target: str) -> None:
    engine = engine_for(D)
    nxt = D.next_stage(current)
    if target == nxt:
        plan = engine.plan(current, "advance", target)
        assert engine.perform(plan, gate_ok=True) == target
        with pytest.raises(Blocked):
            engine.perform(plan, gate_ok=False)
    else:
        with pytest.raises(Blocked) as e:
            engine.plan(current, "advance", target)
        if nxt is not None:
            assert "Stage order: 1.draft_report" in e.value.text.en
            assert "阶段顺序：1.起草工作报告" in e.value.text.zh


@pytest.mark.parametrize(("current", "target"), PAIRS)
def test_backward_steps(current: str, target: str) -> None:
    engine = engine_for(D)
    if D.stage(target).order < D.stage(current).order:
        plan = engine.plan(current, "return", target)
        expected = "return" if (current, target) == ("upper_review", "draft_report") else "revert"
        assert plan.kind == expected
        assert engine.perform(plan, gate_ok=True) == target
    else:
        with pytest.raises(Blocked) as e:
            engine.plan(current, "return", target)
        assert "earlier stage" in e.value.text.en


def test_return_needs_the_returned_decision() -> None:
    engine = engine_for(D)
    plan = engine.plan("upper_review", "return", "draft_report")
    with pytest.raises(Blocked):
        engine.perform(plan, gate_ok=True, return_ok=False)


def test_the_machine_holds_one_model_whatever_the_number_of_steps() -> None:
    engine = engine_for(D)
    stages = [s.id for s in D.working_stages()]
    for stage in stages * 3:
        assert engine.perform(engine.plan(stage, "advance", None), gate_ok=True) == D.next_stage(stage)
    assert len(engine.machine.models) == 1
    assert engine_for(D) is engine


def test_steps_from_threads_each_see_their_own_stage() -> None:
    engine = engine_for(D)
    stages = [s.id for s in D.working_stages()]

    def step(i: int) -> tuple[str, str]:
        source = stages[i % len(stages)]
        return source, engine.perform(engine.plan(source, "advance", None), gate_ok=True)

    with ThreadPoolExecutor(max_workers=8) as pool:
        results = list(pool.map(step, range(400)))
    assert all(dest == D.next_stage(source) for source, dest in results)


def test_unknown_stage_names_the_order() -> None:
    with pytest.raises(Blocked) as e:
        engine_for(D).plan("talks", "advance", "tallks")
    assert "unknown stage 'tallks'" in e.value.text.en
