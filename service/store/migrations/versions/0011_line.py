"""The LINE channel: webhook events kept until answered, the answer each message got (for an unsend), and
when an emergency notice was broadcast to the followers.

Revision ID: 0011
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"


def upgrade() -> None:
    op.create_table(
        "line_events",
        sa.Column("id", sa.String(64), primary_key=True),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("sent_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("user_key", sa.String(64), nullable=False, index=True),
        sa.Column("message_id", sa.String(64), index=True),
        sa.Column("status", sa.String(16), nullable=False, index=True),
        sa.Column("payload", sa.Text),
        sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
        sa.Column("claimed_at", sa.DateTime(timezone=True)),
        sa.Column("finished_at", sa.DateTime(timezone=True)),
        sa.Column("delivery", sa.String(16)),
        sa.Column("answer_id", sa.String(32)),
    )
    with op.batch_alter_table("turns") as turns:
        turns.add_column(sa.Column("answer_id", sa.String(32)))
        turns.create_index("ix_turns_answer_id", ["answer_id"])
    with op.batch_alter_table("notices") as notices:
        notices.add_column(sa.Column("broadcast_at", sa.DateTime(timezone=True)))


def downgrade() -> None:
    with op.batch_alter_table("notices") as notices:
        notices.drop_column("broadcast_at")
    with op.batch_alter_table("turns") as turns:
        turns.drop_index("ix_turns_answer_id")
        turns.drop_column("answer_id")
    op.drop_table("line_events")
