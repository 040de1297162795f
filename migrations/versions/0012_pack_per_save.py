"""translation packs per save: a response marks when its pages were shown in different packs

The response's pack_version/pack_hash now come from its first save (no longer from the
submit), and pack_mixed says a later save was shown in other text: another version of the
pack (installed between two saves), another language's pack, or the instrument's own text.
Responses kept before this revision are not marked: their pack was recorded at submit.

Revision ID: 0012
Revises: 0010
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa


revision = "0012"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("response") as batch:
        batch.add_column(sa.Column("pack_mixed", sa.Boolean(), server_default=sa.false(), nullable=False))


def downgrade() -> None:
    with op.batch_alter_table("response") as batch:
        batch.drop_column("pack_mixed")
