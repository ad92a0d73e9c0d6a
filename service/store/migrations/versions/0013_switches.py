"""Off switches: operators pause the AI answers (all, one channel, or only the generative composer), each change
kept with who, when and why. Feedback that says an answer is wrong (it opened a case for staff).

Revision ID: 0013
"""

import sqlalchemy as sa
from alembic import op

revision = "0013"
down_revision = "0012"


def upgrade() -> None:
    op.create_table(
        "switches",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("target", sa.String(16), nullable=False),
        sa.Column("on", sa.Boolean, nullable=False),
        sa.Column("reason", sa.Text, nullable=False),
        sa.Column("changed_by", sa.String(100), nullable=False),
    )
    with op.batch_alter_table("feedback") as table:
        table.add_column(sa.Column("wrong", sa.Boolean, nullable=False, server_default=sa.false()))


def downgrade() -> None:
    with op.batch_alter_table("feedback") as table:
        table.drop_column("wrong")
    op.drop_table("switches")
