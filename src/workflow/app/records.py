"""Facts, waivers and violation reports of a township."""

from __future__ import annotations

import datetime as dt
import json
from collections.abc import Mapping
from typing import TYPE_CHECKING

from workflow.app import record_evidence as evidence
from workflow.app.base import (
    ServiceBase,
    StepResult,
    _require_reason,
    fact_stage,
    parse_fact_values,
)
from workflow.app.dates import check_not_before_start
from workflow.app.rules import require_record
from workflow.app.scoped import redact_violations
from workflow.domain import record_rules as rules
from workflow.errors import BadInput
from workflow.i18n import Text, tr
from workflow.store.db import read_session

if TYPE_CHECKING:
    from workflow.store.tables import Violation


class Records(ServiceBase):
    """Facts, waivers and violation reports of a township."""

    __slots__ = ()

    def record(
        self,
        ref: str,
        fact: str,
        values: Mapping[str, str],
        on: dt.date | str | None = None,
        note: str = "",
        expected_version: int | None = None,
    ) -> StepResult:
        """Record (or correct) a fact of the current or a later stage."""
        from workflow.store.tables import Fact

        self.ensure_schema()
        effective = self._effective(on)
        with self._write() as session:
            town, d, expected = self._load_for_change(session, ref, "change", expected_version)
            check_not_before_start(session, town, effective)
            spec = d.facts.get(fact)
            if spec is None:
                raise BadInput(
                    tr(
                        "未知事实「{f}」，应为：{o}",
                        "unknown fact '{f}', expected one of: {o}",
                        f=fact,
                        o=", ".join(d.facts),
                    )
                )
            require_record(self.actor(session), spec)
            self._check_stage_open(town, d, fact_stage(d, fact), Text(spec.zh, spec.en))
            parsed = parse_fact_values(spec.name, spec.fields, values, self.today())
            started, given = evidence.started_on(session, town)
            if impossible := rules.record_problems(spec, parsed, effective, started, given):
                raise BadInput(rules.refusal(impossible))
            existing = session.get(Fact, (town.id, fact))
            data = json.dumps(
                {f.name: f.dump(parsed[f.name]) for f in spec.fields}, ensure_ascii=False, sort_keys=True
            )
            ev = self._append(
                session,
                town,
                "record",
                town.stage,
                effective,
                note.strip(),
                {"fact": fact, "values": json.loads(data), "corrects": existing is not None},
                expected,
            )
            return StepResult(town.name, "record", town.stage, town.stage, ev)

    def waive_check(
        self,
        ref: str,
        check: str,
        reason: str,
        expected_version: int | None = None,
        on: dt.date | str | None = None,
    ) -> StepResult:
        """A reviewer lets one check of one township pass, with a reason."""
        from sqlmodel import select

        from workflow.store.tables import Waiver

        self.ensure_schema()
        reason = _require_reason(reason)
        effective = self._effective(on)
        with self._write() as session:
            town, d, expected = self._load_for_change(session, ref, "review", expected_version)
            check_not_before_start(session, town, effective)
            all_checks = {c.id for s in d.stages for c in s.checks}
            if check not in all_checks:
                raise BadInput(
                    tr(
                        "未知检查「{c}」，应为：{o}",
                        "unknown check '{c}', expected one of: {o}",
                        c=check,
                        o=", ".join(sorted(all_checks)),
                    )
                )
            if session.exec(
                select(Waiver).where(Waiver.township_id == town.id, Waiver.check_id == check)
            ).first():
                raise BadInput(
                    tr(
                        "「{t}」的检查 {c} 已豁免",
                        "check {c} of '{t}' is already waived",
                        t=town.name,
                        c=check,
                    )
                )
            ev = self._append(
                session,
                town,
                "waive",
                town.stage,
                effective,
                reason,
                {"check": check, "reason": reason},
                expected,
            )
            return StepResult(town.name, "waive", town.stage, town.stage, ev)

    def open_violation(
        self, ref: str, note: str, expected_version: int | None = None, on: dt.date | str | None = None
    ) -> tuple[Violation, StepResult]:
        """Record a violation report; it blocks every forward step until resolved."""
        from workflow.store.tables import Violation

        self.ensure_schema()
        note = _require_reason(note)
        effective = self._effective(on)
        with self._write() as session:
            town, _d, expected = self._load_for_change(session, ref, "change", expected_version)
            check_not_before_start(session, town, effective)
            assert town.id is not None
            v = Violation(  # its id; the event sets the rest
                township_id=town.id, opened_note=note, opened_by=self.actor_name, opened_on=effective
            )
            session.add(v)
            session.flush()
            ev = self._append(
                session, town, "violation_open", town.stage, effective, note, {"violation": v.id}, expected
            )
            session.refresh(v)
            return v, StepResult(town.name, "violation_open", town.stage, town.stage, ev)

    def resolve_violation(self, violation_id: int, note: str) -> tuple[Violation, StepResult]:
        from workflow.store.tables import Violation

        self.ensure_schema()
        note = _require_reason(note)
        with self._write() as session:
            v = session.get(Violation, violation_id)
            if v is None:
                raise BadInput(tr("未找到违纪举报 #{i}", "no violation report #{i}", i=violation_id))
            town, _d, expected = self._load_for_change(session, str(v.township_id), "resolve", None)
            if v.status != "open":
                raise BadInput(
                    tr("违纪举报 #{i} 已处理", "violation report #{i} is already resolved", i=violation_id)
                )
            ev = self._append(
                session,
                town,
                "violation_resolve",
                town.stage,
                self.today(),
                note,
                {"violation": v.id},
                expected,
            )
            session.refresh(v)
            return v, StepResult(town.name, "violation_resolve", town.stage, town.stage, ev)

    def violations(self, ref: str | None = None) -> list[tuple[Violation, str]]:
        from sqlmodel import col, select

        from workflow.store.tables import Township, Violation

        self.ensure_schema()
        with read_session(self.engine) as session:
            scope = self.scope(session)
            stmt = select(Violation, Township.name).join(Township)
            if scope.districts is not None:
                stmt = stmt.where(col(Township.district_id).in_(scope.districts))
            if ref:
                town = self.find_township(session, ref)
                scope.require(town.district_id, town.name)
                stmt = stmt.where(Violation.township_id == town.id)
            return redact_violations(list(session.exec(stmt.order_by(col(Violation.id)))), scope)
