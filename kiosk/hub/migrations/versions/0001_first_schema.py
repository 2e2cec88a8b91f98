"""First schema: signed manifests, tickets (routing metadata) and sealed copies.

Revision ID: 0001
Revises:
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "manifests",
        sa.Column("version", sa.Integer(), primary_key=True, autoincrement=False),
        sa.Column("signed_document", sa.Text(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
    )
    op.create_table(
        "tickets",
        sa.Column("id", sa.String(32), primary_key=True),
        sa.Column("kiosk_id", sa.String(64), nullable=False),
        sa.Column("location_id", sa.String(64), nullable=False),
        sa.Column("category", sa.String(32), nullable=False),
        sa.Column("urgency", sa.String(16), nullable=False),
        sa.Column("state", sa.String(16), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.Column("accepted_by", sa.String(64), nullable=True),
        sa.Column("eta_minutes", sa.Integer(), nullable=True),
    )
    op.create_index("ix_tickets_kiosk_id", "tickets", ["kiosk_id"])
    op.create_index("ix_tickets_location_id", "tickets", ["location_id"])
    op.create_index("ix_tickets_created_at", "tickets", ["created_at"])
    op.create_table(
        "sealed_copies",
        sa.Column(
            "ticket_id",
            sa.String(32),
            sa.ForeignKey("tickets.id", ondelete="CASCADE"),
            primary_key=True,
        ),
        sa.Column("recipient_id", sa.String(64), primary_key=True),
        sa.Column("ciphertext", sa.LargeBinary(), nullable=False),
    )


def downgrade() -> None:
    op.drop_table("sealed_copies")
    op.drop_index("ix_tickets_created_at", "tickets")
    op.drop_index("ix_tickets_location_id", "tickets")
    op.drop_index("ix_tickets_kiosk_id", "tickets")
    op.drop_table("tickets")
    op.drop_table("manifests")
