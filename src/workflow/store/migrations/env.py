"""Alembic environment: runs on the connection ``workflow.store.migrate`` passes in."""

from __future__ import annotations

from alembic import context
from sqlmodel import SQLModel

from workflow.store import tables  # noqa: F401  (registers the tables)

config = context.config
connection = config.attributes["connection"]
context.configure(connection=connection, target_metadata=SQLModel.metadata, render_as_batch=True)
with context.begin_transaction():
    context.run_migrations()
