"""Conversations, the audit log and reload jobs.

Revision ID: 0001
"""

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None


def upgrade() -> None:
    existing = set(sa.inspect(op.get_bind()).get_table_names())  # databases made before migrations existed
    if "turns" not in existing:
        op.create_table(
            "turns",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("conversation_id", sa.String(64), nullable=False, index=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
            sa.Column("lang", sa.String(2), nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("chunk_id", sa.String(300)),
        )
    if "audit" not in existing:
        op.create_table(
            "audit",
            sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
            sa.Column("conversation_id", sa.String(64), nullable=False),
            sa.Column("lang", sa.String(2), nullable=False),
            sa.Column("question", sa.Text, nullable=False),
            sa.Column("outcome", sa.String(40), nullable=False),
            sa.Column("confidence", sa.Float, nullable=False),
            sa.Column("cited", sa.Text, nullable=False),
            sa.Column("generation", sa.String(40), nullable=False),
            sa.Column("personal_data", sa.Text, nullable=False),
        )
    if "jobs" not in existing:
        op.create_table(
            "jobs",
            sa.Column("id", sa.String(32), primary_key=True),
            sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
            sa.Column("status", sa.String(16), nullable=False, index=True),
            sa.Column("source", sa.Text, nullable=False),
            sa.Column("progress", sa.Float, nullable=False),
            sa.Column("report", sa.Text),
            sa.Column("error", sa.Text),
        )


def downgrade() -> None:
    for table in ("jobs", "audit", "turns"):
        op.drop_table(table)
