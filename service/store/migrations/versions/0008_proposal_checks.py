"""Whether the operator confirmed that an approved entry may become a canary question's first source.

Revision ID: 0008
"""

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"


def upgrade() -> None:
    with op.batch_alter_table("proposals") as proposals:
        proposals.add_column(
            sa.Column("canary_changes_confirmed", sa.Boolean, nullable=False, server_default=sa.false())
        )


def downgrade() -> None:
    with op.batch_alter_table("proposals") as proposals:
        proposals.drop_column("canary_changes_confirmed")
