"""Device presence: the last heartbeat of every device, for fleet status.

Revision ID: 0006
Revises: 0005
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "device_presence",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("last_seen", sa.Float(), nullable=False),
        sa.Column("version", sa.String(32), nullable=False),
        sa.Column("manifest_version", sa.Integer(), nullable=False),
        sa.Column("offline", sa.Boolean(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("device_presence")
