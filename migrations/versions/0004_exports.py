"""exports: the arm letters of blinded exports

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "arm_label",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("arm_code", sa.String(length=64), nullable=False),
        sa.Column("label", sa.String(length=8), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_arm_label_study_id_study")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_arm_label")),
        sa.UniqueConstraint("study_id", "arm_code", name=op.f("uq_arm_label_study_id_arm_code")),
        sa.UniqueConstraint("study_id", "label", name=op.f("uq_arm_label_study_id_label")),
    )


def downgrade() -> None:
    op.drop_table("arm_label")
