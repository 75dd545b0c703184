"""The records the application hands to its front ends (audit events, violation
reports, a township's row), so that a screen names them without importing the store."""

from __future__ import annotations

from workflow.store.sql import TownRow
from workflow.store.tables import Event, Violation

__all__ = ["Event", "TownRow", "Violation"]
