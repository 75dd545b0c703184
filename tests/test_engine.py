"""The state machine: stage order, allowed backward steps, binding only while changing."""

from __future__ import annotations

import pytest

from workflow.definition import default_definition
from workflow.engine import engine_for
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


def test_the_machine_holds_no_model_between_steps() -> None:
    engine = engine_for(D)
    for _ in range(3):
        engine.perform(engine.plan("talks", "advance", None), gate_ok=True)
    assert engine.machine.models == []
    assert engine_for(D) is engine


def test_unknown_stage_names_the_order() -> None:
    with pytest.raises(Blocked) as e:
        engine_for(D).plan("talks", "advance", "tallks")
    assert "unknown stage 'tallks'" in e.value.text.en
