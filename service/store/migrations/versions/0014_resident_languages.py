"""Residents' languages: a question's language may be any of thirteen (zh-Hans, zh-Hant are seven characters),
in the turns, the audit log and the cases.

Revision ID: 0014
"""

import sqlalchemy as sa
from alembic import op

revision = "0014"
down_revision = "0013"
TABLES = ("turns", "audit", "cases")


def upgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as table:
            table.alter_column("lang", type_=sa.String(8), existing_type=sa.String(2), existing_nullable=False)


def downgrade() -> None:
    for name in TABLES:
        with op.batch_alter_table(name) as table:
            table.alter_column("lang", type_=sa.String(2), existing_type=sa.String(8), existing_nullable=False)
