"""Rosters: import (all or nothing) and reading."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

from workflow.app.base import (
    ServiceBase,
    StepResult,
    roster_stage,
)
from workflow.app.dates import check_not_before_start
from workflow.domain.rosters import COLUMNS, TABLE, ParsedRoster, bulk_rows, read_roster, roster_kind
from workflow.errors import BadInput
from workflow.i18n import Text
from workflow.store import sql as hot
from workflow.store.db import read_session


class Rosters(ServiceBase):
    """Rosters: import (all or nothing) and reading."""

    __slots__ = ()

    def roster(self, ref: str, kind: str) -> list[dict[str, Any]]:
        roster_kind(kind)
        self.ensure_schema()
        with read_session(self.engine) as session:
            town = self.find_township(session, ref)
            self.scope(session).require(town.district_id, town.name)
            return self._rosters(session, town, [kind])[kind]

    def import_roster(
        self,
        ref: str,
        kind: str,
        path: Path,
        replace: bool = False,
        expected_version: int | None = None,
        on: dt.date | str | None = None,
    ) -> StepResult:
        """Import a roster file, all or nothing, with one audit event."""
        rk = roster_kind(kind)
        self.ensure_schema()
        parsed = read_roster(path, rk, self.today())
        return self.import_parsed(ref, parsed, replace, expected_version, on)

    def import_parsed(
        self,
        ref: str,
        parsed: ParsedRoster,
        replace: bool = False,
        expected_version: int | None = None,
        on: dt.date | str | None = None,
    ) -> StepResult:
        from workflow.store.tables import Roster

        kind = parsed.kind.name
        effective = self._effective(on)
        with bulk_rows(), self._write() as session:
            town, d, expected = self._load_for_change(session, ref, "change", expected_version)
            check_not_before_start(session, town, effective)
            self._check_stage_open(town, d, roster_stage(d, kind), parsed.kind.label())
            found = session.get(Roster, (town.id, kind))
            existing = found.rows if found is not None else 0
            if existing and not replace:
                raise BadInput(
                    Text(
                        f"「{town.name}」已有{existing}行{parsed.kind.label().zh}："
                        "要替换，请勾选「替换」（命令行用 --replace）",
                        f"'{town.name}' already has {existing} rows of {parsed.kind.label().en}: "
                        "to replace them, tick 'replace' (on the command line, --replace)",
                    )
                )
            hot.raw(session).compress_fast()  # the event holds every row
            ev = self._append(
                session,
                town,
                "import",
                town.stage,
                effective,
                "",
                {
                    "kind": kind,
                    "file": parsed.file_name,
                    "sha256": parsed.sha256,
                    "rows": parsed.count,
                    "replaced": int(existing),
                    COLUMNS: list(parsed.table.columns),
                    TABLE: parsed.table,  # the rows, set into the payload as they are
                },
                expected,
            )
            return StepResult(town.name, "import", town.stage, town.stage, ev)
