"""Alembic's entry point: run by Store with a live connection, never from a config file."""

from alembic import context
from sqlalchemy import text

connection = context.config.attributes["connection"]
context.configure(connection=connection, render_as_batch=True)  # batch: SQLite alters tables by copying them
with context.begin_transaction():
    if connection.dialect.name == "postgresql":  # several workers start at once: one migrates, the rest wait
        connection.execute(text("SELECT pg_advisory_xact_lock(7320416)"))
    context.run_migrations()
