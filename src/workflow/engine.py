"""The state machine: one ``transitions`` Machine per process definition. A township
is bound to it only while it is being changed, so the cost of a step does not grow
with the number of townships."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from transitions import EventData, Machine, MachineError

from workflow.definition import Definition
from workflow.errors import Blocked
from workflow.i18n import Text

StepKind = Literal["advance", "return", "revert"]


class _Bound:
    """The model bound to the machine for one step."""

    def __init__(self, gate_ok: bool, return_ok: bool, target: str) -> None:
        self.gate_ok = gate_ok
        self.return_ok = return_ok
        self.target = target
        self.state = ""


def _target_is(dest: str) -> Callable[..., bool]:
    """A condition: the step asked for ``dest``."""

    def condition(event: EventData) -> bool:
        return bool(getattr(event.model, "target", None) == dest)

    return condition


@dataclass(frozen=True, slots=True)
class Plan:
    """A step the definition allows: its kind, its trigger, where it goes."""

    kind: StepKind
    trigger: str
    source: str
    dest: str


class Engine:
    """Plans and performs stage changes for one definition."""

    def __init__(self, definition: Definition) -> None:
        self.definition = definition
        # Three triggers (advance, return, revert); the destination of a backward step is
        # the model's ``target``, so binding a model adds few methods (it is per step).
        transitions: list[dict[str, object]] = []
        for t in definition.transitions:
            if t.kind == "advance":
                transitions.append(
                    {"trigger": "advance", "source": t.source, "dest": t.dest, "conditions": "gate_ok"}
                )
            else:
                transitions.append(
                    {
                        "trigger": "return",
                        "source": t.source,
                        "dest": t.dest,
                        "conditions": ["return_ok", _target_is(t.dest)],
                    }
                )
        if definition.revert_to_any_earlier:
            ids = [s.id for s in definition.stages]
            for i, dest in enumerate(ids):
                later = ids[i + 1 :]
                if later:
                    transitions.append(
                        {"trigger": "revert", "source": later, "dest": dest, "conditions": _target_is(dest)}
                    )
        self.machine = Machine(
            model=None,
            states=[s.id for s in definition.stages],
            transitions=transitions,
            initial=definition.initial,
            auto_transitions=False,
            ignore_invalid_triggers=False,
            send_event=True,
        )

    def plan(self, current: str, kind: Literal["advance", "return"], to: str | None) -> Plan:
        """The step from ``current`` that was asked for, or Blocked naming the order."""
        d = self.definition
        if to is not None and not d.has_stage(to):
            raise Blocked(
                Text(
                    f"未知阶段「{to}」。阶段顺序：{d.order_text().zh}",
                    f"unknown stage '{to}'. Stage order: {d.order_text().en}",
                )
            )
        cur = d.stage(current)
        if kind == "advance":
            nxt = d.next_stage(current)
            if nxt is None:
                raise Blocked(
                    Text(
                        f"「{cur.zh}」已是最后阶段，不能再前进",
                        f"'{cur.id}' is the last stage; there is nothing to advance to",
                    )
                )
            if to is not None and to != nxt:
                tgt = d.stage(to)
                raise Blocked(
                    Text(
                        f"不能从第{cur.order}步「{cur.zh}」直接到第{tgt.order}步「{tgt.zh}」，"
                        f"下一步只能是第{d.stage(nxt).order}步「{d.stage(nxt).zh}」。"
                        f"阶段顺序：{d.order_text().zh}",
                        f"cannot step from {cur.order}.{cur.id} to {tgt.order}.{tgt.id}: "
                        f"the next stage is {d.stage(nxt).order}.{nxt}. "
                        f"Stage order: {d.order_text().en}",
                    )
                )
            return Plan("advance", "advance", current, nxt)
        assert to is not None
        tgt = d.stage(to)
        if tgt.order >= cur.order:
            raise Blocked(
                Text(
                    f"退回只能到更早的阶段：当前第{cur.order}步「{cur.zh}」，"
                    f"目标第{tgt.order}步「{tgt.zh}」。阶段顺序：{d.order_text().zh}",
                    f"a return goes only to an earlier stage: now {cur.order}.{cur.id}, "
                    f"asked {tgt.order}.{tgt.id}. Stage order: {d.order_text().en}",
                )
            )
        explicit = next(
            (t for t in d.transitions if t.kind == "return" and t.source == current and t.dest == to), None
        )
        if explicit is not None:
            return Plan("return", "return", current, to)
        if d.revert_to_any_earlier:
            return Plan("revert", "revert", current, to)
        raise Blocked(
            Text(
                f"流程定义不允许从「{cur.zh}」退回「{tgt.zh}」。阶段顺序：{d.order_text().zh}",
                f"the definition allows no return from {cur.id} to {to}. Stage order: {d.order_text().en}",
            )
        )

    def perform(self, plan: Plan, gate_ok: bool, return_ok: bool = True) -> str:
        """Bind a model at ``plan.source``, fire the trigger, unbind; the new stage."""
        model = _Bound(gate_ok, return_ok, plan.dest)
        self.machine.add_model(model, initial=plan.source)
        try:
            try:
                moved = bool(model.trigger(plan.trigger))  # type: ignore[attr-defined]
            except MachineError as e:
                raise Blocked(Text(f"该步骤不被允许：{e.value}", f"step not allowed: {e.value}")) from e
            if not moved:
                raise Blocked(Text("门槛未满足，阶段未改变", "the gate does not hold; stage unchanged"))
            return model.state
        finally:
            self.machine.remove_model(model)


@cache
def engine_for(definition: Definition) -> Engine:
    """One engine (one Machine) per definition, built once."""
    return Engine(definition)
