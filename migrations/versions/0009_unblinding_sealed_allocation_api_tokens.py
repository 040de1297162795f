"""unblinding records, a sealed allocation sequence (stratum, no plain arm), analysts' API tokens

Places of the old plain sequence that no family used are deleted: they held upcoming arms in plain
text. Used places stay, unsealed (the family's arm is their record); `allocation generate` seals new
places after them.

Revision ID: 0009
Revises: 0006
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = "0009"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "unblinding",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("study_id", sa.Integer(), nullable=False),
        sa.Column("reason", sa.String(length=500), nullable=False),
        sa.Column("recorded_by", sa.String(length=64), nullable=False),
        sa.Column("recorded_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["study_id"], ["study.id"], name=op.f("fk_unblinding_study_id_study")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_unblinding")),
    )
    op.create_index(op.f("ix_unblinding_study_id"), "unblinding", ["study_id"], unique=False)
    op.create_table(
        "api_token",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("user_id", sa.Integer(), nullable=False),
        sa.Column("label", sa.String(length=100), nullable=False),
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(length=64), nullable=False),
        sa.Column("expires_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_used_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("window_started_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("window_requests", sa.Integer(), server_default="0", nullable=False),
        sa.ForeignKeyConstraint(["user_id"], ["staff_user.id"], name=op.f("fk_api_token_user_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_token")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_api_token_token_hash")),
    )
    op.create_index(op.f("ix_api_token_user_id"), "api_token", ["user_id"], unique=False)
    _seal_allocation_slots()


def _seal_allocation_slots() -> None:
    op.execute("DELETE FROM allocation_slot WHERE family_id IS NULL")
    with op.batch_alter_table("allocation_slot") as batch:
        batch.add_column(sa.Column("stratum", sa.String(length=96), nullable=True))
        batch.add_column(sa.Column("sealed", sa.String(length=160), nullable=True))
    op.execute("UPDATE allocation_slot SET stratum = site_code")
    with op.batch_alter_table("allocation_slot") as batch:
        batch.alter_column("stratum", existing_type=sa.String(length=96), nullable=False)
        batch.drop_constraint("uq_allocation_slot_site_code_position", type_="unique")
        batch.create_unique_constraint(op.f("uq_allocation_slot_stratum_position"), ["stratum", "position"])
        for name in ("site_code", "block", "block_size", "arm_code"):
            batch.drop_column(name)


def downgrade() -> None:
    op.execute("DELETE FROM allocation_slot")
    with op.batch_alter_table("allocation_slot") as batch:
        batch.add_column(sa.Column("site_code", sa.String(length=64), nullable=False))
        batch.add_column(sa.Column("block", sa.Integer(), nullable=False))
        batch.add_column(sa.Column("block_size", sa.Integer(), nullable=False))
        batch.add_column(sa.Column("arm_code", sa.String(length=64), nullable=False))
        batch.drop_constraint("uq_allocation_slot_stratum_position", type_="unique")
        batch.create_unique_constraint("uq_allocation_slot_site_code_position", ["site_code", "position"])
        batch.drop_column("sealed")
        batch.drop_column("stratum")
    op.drop_index(op.f("ix_api_token_user_id"), table_name="api_token")
    op.drop_table("api_token")
    op.drop_index(op.f("ix_unblinding_study_id"), table_name="unblinding")
    op.drop_table("unblinding")
