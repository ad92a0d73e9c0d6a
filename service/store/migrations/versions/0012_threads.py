"""A person takes over in the same conversation: the messages between staff and the resident of a case, where a
LINE user is reached while the case is open, and whether the resident said it was resolved.

Revision ID: 0012
"""

import sqlalchemy as sa
from alembic import op

revision = "0012"
down_revision = "0011"


def upgrade() -> None:
    op.create_table(
        "case_messages",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("case_id", sa.String(32), nullable=False, index=True),
        sa.Column("conversation_id", sa.String(64), nullable=False, index=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("author", sa.String(16), nullable=False),
        sa.Column("staff", sa.String(100)),
        sa.Column("department", sa.Text, nullable=False),
        sa.Column("text", sa.Text, nullable=False),
        sa.Column("cited", sa.Text),
    )
    with op.batch_alter_table("cases") as table:
        table.add_column(sa.Column("line_user", sa.String(64)))
        table.add_column(sa.Column("resident_resolved", sa.Boolean))
        table.add_column(sa.Column("staff_typing_until", sa.DateTime(timezone=True)))
        table.create_index("ix_cases_conversation_id", ["conversation_id"])  # read on every continued question


def downgrade() -> None:
    with op.batch_alter_table("cases") as table:
        table.drop_index("ix_cases_conversation_id")
        table.drop_column("staff_typing_until")
        table.drop_column("resident_resolved")
        table.drop_column("line_user")
    op.drop_table("case_messages")
