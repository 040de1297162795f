"""code attempts: failed access-code attempts, counted in the database

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "code_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("bucket", sa.String(length=64), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_code_attempt")),
    )
    for column in ("at", "bucket", "address"):
        op.create_index(op.f(f"ix_code_attempt_{column}"), "code_attempt", [column], unique=False)


def downgrade() -> None:
    for column in ("address", "bucket", "at"):
        op.drop_index(op.f(f"ix_code_attempt_{column}"), table_name="code_attempt")
    op.drop_table("code_attempt")
