"""Epoch keys: staff consoles' short-lived public receiving keys, signed by them.

Revision ID: 0008
Revises: 0007
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "epoch_keys",
        sa.Column("device_id", sa.String(64), primary_key=True),
        sa.Column("epoch_id", sa.String(64), primary_key=True),
        sa.Column("not_before", sa.Integer(), nullable=False),
        sa.Column("not_after", sa.Integer(), nullable=False),
        sa.Column("public", sa.LargeBinary(), nullable=False),
        sa.Column("signature", sa.LargeBinary(), nullable=False),
    )
    op.create_index("ix_epoch_keys_not_after", "epoch_keys", ["not_after"])


def downgrade() -> None:
    op.drop_index("ix_epoch_keys_not_after", table_name="epoch_keys")
    op.drop_table("epoch_keys")
