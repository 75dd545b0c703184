"""The one application service every front end calls: its parts, by concern, put
together. Each part checks the permissions of what it does; every change writes
state and audit event in one transaction."""

from __future__ import annotations

from dataclasses import dataclass

from workflow.app.base import BulkInterrupted, BulkOutcome, StepResult
from workflow.app.evidence import Evidence
from workflow.app.maintenance import Maintenance
from workflow.app.records import Records
from workflow.app.rosters import Rosters
from workflow.app.setup import Setup
from workflow.app.steps import Steps

__all__ = ["BulkInterrupted", "BulkOutcome", "Service", "StepResult"]


@dataclass(slots=True)
class Service(Setup, Steps, Records, Rosters, Evidence, Maintenance):
    """The one entry point for changes and reads (the reads are :class:`Reads`)."""
