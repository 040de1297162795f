"""messaging: the outbox and the contact log

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-21
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "outbox_message",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=16), nullable=False),
        sa.Column("sequence", sa.Integer(), nullable=False),
        sa.Column("idempotency_key", sa.String(length=64), nullable=False),
        sa.Column("due_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("next_attempt_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("claimed_by", sa.String(length=40), nullable=True),
        sa.Column("lease_until", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("created_at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("sent_at", portal.db.UTCDateTime(timezone=True), nullable=True),
        sa.Column("last_error", sa.String(length=200), nullable=False),
        sa.CheckConstraint(
            "status IN ('pending', 'sending', 'sent', 'failed', 'bounced', 'cancelled')",
            name=op.f("ck_outbox_message_status_known"),
        ),
        sa.CheckConstraint(
            "kind IN ('invitation', 'reminder', 'last_reminder')", name=op.f("ck_outbox_message_kind_known")
        ),
        sa.CheckConstraint(
            "(status = 'sending') = (lease_until IS NOT NULL)", name=op.f("ck_outbox_message_lease_while_sending")
        ),
        sa.CheckConstraint(
            "(status IN ('sent', 'bounced')) = (sent_at IS NOT NULL)", name=op.f("ck_outbox_message_sent_with_time")
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"], ["invitation.id"], name=op.f("fk_outbox_message_invitation_id_invitation"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_outbox_message")),
        sa.UniqueConstraint("idempotency_key", name=op.f("uq_outbox_message_idempotency_key")),
    )
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.create_index("ix_outbox_message_due", ["status", "next_attempt_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_outbox_message_invitation_id"), ["invitation_id"], unique=False)

    op.create_table(
        "contact_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("message_id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=8), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("provider_id", sa.String(length=128), nullable=True),
        sa.Column("detail", sa.String(length=200), nullable=False),
        sa.CheckConstraint("channel IN ('sms', 'email', 'none')", name=op.f("ck_contact_attempt_channel_known")),
        sa.CheckConstraint(
            "outcome IN ('accepted', 'retry', 'failed', 'delivered', 'undelivered')",
            name=op.f("ck_contact_attempt_outcome_known"),
        ),
        sa.ForeignKeyConstraint(
            ["invitation_id"], ["invitation.id"], name=op.f("fk_contact_attempt_invitation_id_invitation")
        ),
        sa.ForeignKeyConstraint(
            ["message_id"], ["outbox_message.id"], name=op.f("fk_contact_attempt_message_id_outbox_message")
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_contact_attempt")),
    )
    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_contact_attempt_invitation_id"), ["invitation_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_attempt_message_id"), ["message_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_contact_attempt_provider_id"), ["provider_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("contact_attempt", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_contact_attempt_provider_id"))
        batch_op.drop_index(batch_op.f("ix_contact_attempt_message_id"))
        batch_op.drop_index(batch_op.f("ix_contact_attempt_invitation_id"))
    op.drop_table("contact_attempt")
    with op.batch_alter_table("outbox_message", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_outbox_message_invitation_id"))
        batch_op.drop_index("ix_outbox_message_due")
    op.drop_table("outbox_message")
