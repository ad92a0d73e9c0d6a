"""Staff: handoff cases, feedback, and an id for every answer.

Revision ID: 0002
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"


def upgrade() -> None:
    with op.batch_alter_table("audit") as audit:
        audit.add_column(sa.Column("answer_id", sa.String(32)))
        audit.create_index("ix_audit_answer_id", ["answer_id"], unique=True)
    op.create_table(
        "cases",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("reference", sa.String(16), nullable=False, unique=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("reason", sa.String(32), nullable=False),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("conversation_id", sa.String(64), nullable=False),
        sa.Column("answer_id", sa.String(32), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("transcript", sa.Text, nullable=False),
        sa.Column("suggestions", sa.Text, nullable=False),
        sa.Column("department", sa.Text, nullable=False),
        sa.Column("claimed_by", sa.String(100)),
        sa.Column("resolution", sa.Text),
        sa.Column("answer_used", sa.String(300)),
        sa.Column("proposed_question", sa.Text),
        sa.Column("proposed_answer", sa.Text),
    )
    op.create_table(
        "feedback",
        sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("answer_id", sa.String(32), nullable=False, index=True),
        sa.Column("helpful", sa.Boolean, nullable=False),
        sa.Column("comment", sa.Text),
        sa.Column("source", sa.String(16), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("feedback")
    op.drop_table("cases")
    with op.batch_alter_table("audit") as audit:
        audit.drop_index("ix_audit_answer_id")
        audit.drop_column("answer_id")
