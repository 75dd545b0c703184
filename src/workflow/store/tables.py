"""The tables. The event table is the append-only audit log; everything else is the
current state that the log explains."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import BigInteger, Index, LargeBinary, UniqueConstraint
from sqlmodel import Field, SQLModel

ROLES = ("coordinator", "reviewer", "auditor", "admin")
SYSTEM_CHAIN = "system"


class District(SQLModel, table=True):
    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    definition_path: str | None = Field(default=None, max_length=1000)


class Township(SQLModel, table=True):
    __table_args__ = (
        UniqueConstraint("district_id", "name"),
        Index("ix_township_stage_since", "stage", "stage_since"),
    )

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(index=True, max_length=200)
    district_id: int = Field(foreign_key="district.id", index=True)
    stage: str = Field(index=True, max_length=64)
    stage_since: dt.date | None = None
    version: int = 0
    head_hash: str = Field(default="", max_length=64)
    updated_at: str = Field(default="", max_length=40)
    updated_by: str = Field(default="", max_length=200)


class GateState(SQLModel, table=True):
    """The next gate's state of one township, kept by the change that alters it (in the
    same transaction), so that lists filter on it by index instead of evaluating every
    township's checks. Derived: computed from the township's rows, which replay
    rebuilds. Stale, and computed again when read, on and after ``valid_until`` (a check
    that reads the day; ``GATE_EXPIRED`` when rules changed); every township has one, at
    its version unless expired (migration 0010, ``db upgrade`` and every change keep it
    so)."""

    __table_args__ = (
        Index("ix_gatestate_failing", "failing", "final"),
        Index("ix_gatestate_valid_until", "valid_until"),
    )

    township_id: int = Field(foreign_key="township.id", primary_key=True)
    version: int
    final: bool = False
    failing: int = 0
    waived: int = 0
    valid_until: dt.date | None = None


class Event(SQLModel, table=True):
    """One audit event. ``chain`` is the township's id (or ``system``); ``seq`` counts
    events in that chain from 1 and equals the township's version after the change."""

    __table_args__ = (
        UniqueConstraint("chain", "seq"),
        Index("ix_event_township", "township_id", "id"),
        Index("ix_event_township_date", "township_id", "effective_date"),
    )

    id: int | None = Field(default=None, primary_key=True)
    chain: str = Field(max_length=32)
    seq: int
    township_id: int | None = Field(default=None, foreign_key="township.id")
    kind: str = Field(max_length=32)
    from_stage: str | None = Field(default=None, max_length=64)
    to_stage: str | None = Field(default=None, max_length=64)
    actor: str = Field(max_length=200)
    recorded_at: str = Field(max_length=40)
    effective_date: dt.date
    note: str = ""
    payload: str = "{}"
    prev_hash: str = Field(max_length=64)
    hash: str = Field(default="", max_length=64)


class Fact(SQLModel, table=True):
    """The latest recorded value of one fact of one township."""

    township_id: int = Field(foreign_key="township.id", primary_key=True)
    name: str = Field(primary_key=True, max_length=64)
    data: str
    event_id: int


class Roster(SQLModel, table=True):
    """One township's roster of one kind, written once: its rows are the lines of the
    event that set it last (``event_id``: an import, an edit, or ``db upgrade``'s
    commitment), read from that event's payload, so that a roster's rows are stored
    once and vouched for by the chain. ``rows`` counts them. ``lines`` holds the rows
    only where no event carries them: an older release's import, until ``workflow db
    upgrade`` commits them to the log, or rows found unlike their event's when the
    table was made from the old one (``audit verify`` reports those)."""

    township_id: int = Field(foreign_key="township.id", primary_key=True)
    kind: str = Field(primary_key=True, max_length=32)
    rows: int
    event_id: int
    lines: str | None = None


class Waiver(SQLModel, table=True):
    __table_args__ = (UniqueConstraint("township_id", "check_id"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    check_id: str = Field(max_length=64)
    reason: str
    actor: str = Field(max_length=200)
    event_id: int


class Violation(SQLModel, table=True):
    __table_args__ = (Index("ix_violation_township_status", "township_id", "status"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    status: str = Field(default="open", max_length=16)
    opened_note: str
    opened_by: str = Field(max_length=200)
    opened_on: dt.date
    resolved_note: str = ""
    resolved_by: str = Field(default="", max_length=200)
    resolved_on: dt.date | None = None


class User(SQLModel, table=True):
    """A person who signs in. Secrets are kept only as argon2id hashes (see
    :mod:`workflow.auth`); ``failures`` counts failed sign-ins since ``failures_since``."""

    id: int | None = Field(default=None, primary_key=True)
    name: str = Field(unique=True, max_length=200)
    role: str = Field(max_length=16)
    password_hash: str | None = Field(default=None, max_length=200)
    setup_hash: str | None = Field(default=None, max_length=200)
    disabled: bool = False
    failures: int = 0
    failures_since: str = Field(default="", max_length=40)
    locked_until: str = Field(default="", max_length=40)
    last_signin: str = Field(default="", max_length=40)


class UserTownship(SQLModel, table=True):
    user_id: int = Field(foreign_key="user.id", primary_key=True)
    township_id: int = Field(foreign_key="township.id", primary_key=True)


class UserSession(SQLModel, table=True):
    """A sign-in session. Only the SHA-256 of its token is stored; the token itself
    lives in the user's config directory."""

    __tablename__ = "session"

    id: int | None = Field(default=None, primary_key=True)
    token_hash: str = Field(unique=True, max_length=64)
    user_id: int = Field(foreign_key="user.id", index=True)
    created: str = Field(max_length=40)
    expires: str = Field(max_length=40)
    last_used: str = Field(max_length=40)
    revoked: str = Field(default="", max_length=40)


class Meta(SQLModel, table=True):
    """Facts about the database itself (its random id)."""

    key: str = Field(primary_key=True, max_length=64)
    value: str = Field(max_length=200)


class Attachment(SQLModel, table=True):
    """A document attached to a fact of a township (the ``attach`` event sets it; the
    file itself is in the documents store, by its SHA-256). Never replaced: a
    corrected scan is a new attachment that names the one it ``supersedes``."""

    __table_args__ = (Index("ix_attachment_township_fact", "township_id", "fact"),)

    id: int | None = Field(default=None, primary_key=True)
    township_id: int = Field(foreign_key="township.id")
    fact: str = Field(max_length=64)
    sha256: str = Field(max_length=64, index=True)
    size: int = Field(sa_type=BigInteger)
    media_type: str = Field(max_length=100)
    name: str = Field(max_length=255)
    note: str = ""
    actor: str = Field(max_length=200)
    recorded_at: str = Field(max_length=40)
    supersedes: int | None = None
    event_id: int


class DocumentBlob(SQLModel, table=True):
    """A part of a document's content on PostgreSQL (SQLite keeps files beside the
    database instead; see ``workflow.store.documents``)."""

    sha256: str = Field(primary_key=True, max_length=64)
    part: int = Field(primary_key=True)
    data: bytes = Field(sa_type=LargeBinary)
