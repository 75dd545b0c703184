"""The state machine: one ``transitions`` Machine per process definition, with one
model that stands for the township being changed: it is set to that township's stage
for the step, so neither the machine nor the cost of a step grows with the number of
townships (adding a model per township would: transitions' add_model is superlinear)."""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache
from typing import Literal

from transitions import EventData, Machine, MachineError

from workflow.domain.definition import Definition
from workflow.errors import Blocked
from workflow.i18n import Text

StepKind = Literal["advance", "return", "revert"]


class _Bound:
    """The model that stands for the township being changed."""

    def __init__(self) -> None:
        self.gate_ok = False
        self.return_ok = False
        self.target = ""
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
        self._model = _Bound()
        self.machine.add_model(self._model, initial=definition.initial)
        self._lock = threading.Lock()  # the TUI steps townships from worker threads

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
        """Set the model to ``plan.source``, fire the trigger; the new stage."""
        with self._lock:
            model = self._model
            model.gate_ok, model.return_ok, model.target = gate_ok, return_ok, plan.dest
            self.machine.set_state(plan.source, model=model)
            try:
                moved = bool(model.trigger(plan.trigger))  # type: ignore[attr-defined]
            except MachineError as e:
                raise Blocked(Text(f"该步骤不被允许：{e.value}", f"step not allowed: {e.value}")) from e
            if not moved:
                raise Blocked(Text("门槛未满足，阶段未改变", "the gate does not hold; stage unchanged"))
            return str(model.state)


@cache
def engine_for(definition: Definition) -> Engine:
    """One engine (one Machine) per definition, built once."""
    return Engine(definition)
