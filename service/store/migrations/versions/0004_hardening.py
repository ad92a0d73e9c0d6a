"""One feedback per answer and source (duplicates from before are dropped, the first kept), and indexes the
retention purge and the staff queue's paging use.

Revision ID: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"


def upgrade() -> None:
    feedback = sa.table("feedback", sa.column("id", sa.Integer), sa.column("answer_id"), sa.column("source"))
    first = sa.select(sa.func.min(feedback.c.id)).group_by(feedback.c.answer_id, feedback.c.source)
    op.execute(sa.delete(feedback).where(feedback.c.id.not_in(first)))
    op.create_index("feedback_answer_source", "feedback", ["answer_id", "source"], unique=True)
    op.create_index("feedback_created_at", "feedback", ["created_at"])
    op.create_index("cases_updated_at", "cases", ["updated_at"])


def downgrade() -> None:
    op.drop_index("cases_updated_at", "cases")
    op.drop_index("feedback_created_at", "feedback")
    op.drop_index("feedback_answer_source", "feedback")
