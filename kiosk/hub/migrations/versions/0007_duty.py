"""Staff on or off duty; tickets remember when they were accepted and to which
group they were handed over (timers count from stored times).

Revision ID: 0007
Revises: 0006
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "staff_duty",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("on_duty", sa.Boolean(), nullable=False),
        sa.Column("changed_at", sa.Float(), nullable=False),
    )
    # Plain ALTER TABLE (no batch copy): recreating `tickets` would cascade
    # deletes into sealed_copies on SQLite with foreign keys on.
    op.add_column("tickets", sa.Column("accepted_at", sa.Float(), nullable=True))
    op.add_column("tickets", sa.Column("handed_to", sa.String(64), nullable=True))


def downgrade() -> None:
    op.drop_column("tickets", "handed_to")  # SQLite 3.35+ drops a column in place
    op.drop_column("tickets", "accepted_at")
    op.drop_table("staff_duty")
