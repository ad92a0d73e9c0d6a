"""For the monthly report: an index that answers a month's counts by itself, when a case was claimed and
resolved, and the vectors of unanswered questions (so that its topics need no embedding). FAQ proposals from
staff to operators, kept with who proposed and approved them and the generation that first served them.

Revision ID: 0006
"""

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"


def upgrade() -> None:
    op.create_index("audit_month", "audit", ["created_at", "lang", "outcome", "confidence"])
    op.add_column("cases", sa.Column("claimed_at", sa.DateTime(timezone=True)))
    op.add_column("cases", sa.Column("resolved_at", sa.DateTime(timezone=True)))
    op.create_index("cases_claimed_at", "cases", ["claimed_at"])
    op.create_index("cases_resolved_at", "cases", ["resolved_at"])
    op.create_table(
        "question_vectors",
        sa.Column("model", sa.String(200), primary_key=True),
        sa.Column("question", sa.String(64), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False, index=True),
        sa.Column("vector", sa.LargeBinary, nullable=False),
    )
    op.create_table(
        "proposals",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("lang", sa.String(2), nullable=False),
        sa.Column("question", sa.Text, nullable=False),
        sa.Column("answer", sa.Text, nullable=False),
        sa.Column("department", sa.String(200), nullable=False),
        sa.Column("category", sa.String(200), nullable=False),
        sa.Column("url", sa.String(500)),
        sa.Column("asked", sa.Text, nullable=False),
        sa.Column("origin", sa.String(100)),
        sa.Column("proposed_by", sa.String(100), nullable=False),
        sa.Column("reviewed_by", sa.String(100)),
        sa.Column("reviewed_at", sa.DateTime(timezone=True)),
        sa.Column("reason", sa.Text),
        sa.Column("entry_id", sa.String(100)),
        sa.Column("job_id", sa.String(32)),
        sa.Column("generation", sa.String(40)),
    )


def downgrade() -> None:
    op.drop_table("proposals")
    op.drop_table("question_vectors")
    op.drop_index("audit_month", "audit")
    op.drop_index("cases_resolved_at", "cases")
    op.drop_index("cases_claimed_at", "cases")
    op.drop_column("cases", "resolved_at")
    op.drop_column("cases", "claimed_at")
