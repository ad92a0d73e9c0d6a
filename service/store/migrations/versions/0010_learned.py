"""Learned phrasings: residents' own words for an entry, taught by picks, staff and operators.

Revision ID: 0010
"""

import sqlalchemy as sa
from alembic import op

revision = "0010"
down_revision = "0009"


def upgrade() -> None:
    op.create_table(
        "learned",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("phrasing_id", sa.String(32), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("entry_id", sa.String(300), nullable=False),
        sa.Column("phrasing", sa.Text, nullable=False),
        sa.Column("entry_digest", sa.String(16), nullable=False),
        sa.Column("taught_by", sa.String(16), nullable=False),
        sa.Column("teacher", sa.String(100)),
        sa.Column("conversation", sa.String(32), index=True),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("removed_by", sa.String(100)),
    )


def downgrade() -> None:
    op.drop_table("learned")
