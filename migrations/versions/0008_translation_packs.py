"""translation packs: a response keeps the version and hash of the pack its items were shown in

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("response") as batch:
        batch.add_column(sa.Column("pack_version", sa.String(32), nullable=True))
        batch.add_column(sa.Column("pack_hash", sa.String(16), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("response") as batch:
        batch.drop_column("pack_hash")
        batch.drop_column("pack_version")
