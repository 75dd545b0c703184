"""What a reader may see of what the service read: violation notes taken out for
roles that may not read them (a coordinator sees only that a report is open), and
the district report limited to a coordinator's districts. Used by the service's
reads, so the CLI, the TUI and every export get the same answer."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from workflow.app.rules import Scope
from workflow.errors import NotPermitted
from workflow.i18n import tr

if TYPE_CHECKING:
    from workflow.store.tables import District, Event, Violation

NOTE_EVENTS = ("violation_open", "violation_resolve")


def redact_events(events: list[Event], scope: Scope) -> list[Event]:
    """The events with violation reports' notes emptied when ``scope`` may not read
    them (copies: the chain was verified on the stored events)."""
    if scope.notes:
        return events
    return [e.model_copy(update={"note": ""}) if e.kind in NOTE_EVENTS else e for e in events]


def redact_violations(rows: list[tuple[Violation, str]], scope: Scope) -> list[tuple[Violation, str]]:
    if scope.notes:
        return rows
    return [(v.model_copy(update={"opened_note": "", "resolved_note": ""}), n) for v, n in rows]


def require_report_scope(scope: Scope, district: District | None) -> None:
    """A coordinator's report covers one of their districts, named."""
    if scope.districts is None:
        return
    if district is None:
        raise NotPermitted(
            tr(
                "{u}（协调员）请用 --district 指定自己负责乡镇所在的区",
                "{u} (coordinator): name one of your districts with --district",
                u=scope.name,
            )
        )
    assert district.id is not None
    scope.require(district.id, district.name)


def redact_report(data: dict[str, Any], scope: Scope) -> dict[str, Any]:
    if scope.notes:
        return data
    violations = data.get("violations")
    if isinstance(violations, dict) and isinstance(violations.get("open_list"), list):
        violations["open_list"] = [v | {"note": ""} for v in violations["open_list"]]
    return data
