"""Replicas on several machines: the generations published for every replica, and the one that is live.

Revision ID: 0007
"""

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"


def upgrade() -> None:
    op.create_table(
        "published",
        sa.Column("generation", sa.String(40), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("manifest", sa.Text, nullable=False),
        sa.Column("archive", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "live",
        sa.Column("generation", sa.String(40), primary_key=True),
        sa.Column("changed_at", sa.DateTime(timezone=True), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("live")
    op.drop_table("published")
