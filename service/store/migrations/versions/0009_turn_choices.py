"""How each turn ended and, when the resident was asked back, the entries offered.

Revision ID: 0009
"""

import sqlalchemy as sa
from alembic import op

revision = "0009"
down_revision = "0008"


def upgrade() -> None:
    with op.batch_alter_table("turns") as turns:
        turns.add_column(sa.Column("outcome", sa.String(40)))
        turns.add_column(sa.Column("choices", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("turns") as turns:
        turns.drop_column("choices")
        turns.drop_column("outcome")
