"""Which composer wrote each answer: extractive or generative, the model, the prompt version, and why a
generated answer was not shown.

Revision ID: 0003
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"


def upgrade() -> None:
    with op.batch_alter_table("audit") as audit:
        audit.add_column(sa.Column("composer", sa.String(16), nullable=False, server_default="extractive"))
        audit.add_column(sa.Column("model", sa.String(200)))
        audit.add_column(sa.Column("prompt_version", sa.String(40)))
        audit.add_column(sa.Column("fallback", sa.String(40)))


def downgrade() -> None:
    with op.batch_alter_table("audit") as audit:
        for column in ("fallback", "prompt_version", "model", "composer"):
            audit.drop_column(column)
