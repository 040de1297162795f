"""outreach: staff contact attempts, declined waves, resends and alert messages, alert notes

Revision ID: 0007
Revises: 0009
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = "0007"
down_revision = "0009"
branch_labels = None
depends_on = None

OLD_KINDS = "kind IN ('invitation', 'reminder', 'last_reminder')"
NEW_KINDS = "kind IN ('invitation', 'reminder', 'last_reminder', 'resend', 'alert')"


def upgrade() -> None:
    op.create_table(
        "staff_attempt",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("invitation_id", sa.Integer(), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.Column("channel", sa.String(length=16), nullable=False),
        sa.Column("outcome", sa.String(length=16), nullable=False),
        sa.Column("note", sa.String(length=200), nullable=False),
        sa.Column("by_id", sa.Integer(), nullable=True),
        sa.CheckConstraint(
            "channel IN ('phone', 'sms_by_hand', 'email_by_hand', 'home_visit', 'letter')",
            name=op.f("ck_staff_attempt_channel_known"),
        ),
        sa.CheckConstraint(
            "outcome IN ('will_answer', 'declines', 'no_answer', 'message_left', 'wrong_contact')",
            name=op.f("ck_staff_attempt_outcome_known"),
        ),
        sa.ForeignKeyConstraint(["invitation_id"], ["invitation.id"],
                                name=op.f("fk_staff_attempt_invitation_id_invitation")),
        sa.ForeignKeyConstraint(["by_id"], ["staff_user.id"], name=op.f("fk_staff_attempt_by_id_staff_user")),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_staff_attempt")),
    )
    op.create_index(op.f("ix_staff_attempt_invitation_id"), "staff_attempt", ["invitation_id"], unique=False)
    with op.batch_alter_table("invitation") as batch:
        batch.add_column(sa.Column("declined_at", portal.db.UTCDateTime(timezone=True), nullable=True))
    with op.batch_alter_table("outbox_message") as batch:
        batch.add_column(sa.Column("channel", sa.String(length=8), nullable=True))
        batch.drop_constraint(op.f("ck_outbox_message_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_message_kind_known"), NEW_KINDS)
        batch.create_check_constraint(
            op.f("ck_outbox_message_channel_known"), "channel IS NULL OR channel IN ('sms', 'email')"
        )
    with op.batch_alter_table("alert") as batch:
        batch.add_column(sa.Column("invitation_id", sa.Integer(), nullable=True))
        batch.add_column(sa.Column("resolution_note", sa.String(length=300), server_default="", nullable=False))
        batch.create_foreign_key(op.f("fk_alert_invitation_id_invitation"), "invitation", ["invitation_id"], ["id"])


def downgrade() -> None:
    with op.batch_alter_table("alert") as batch:
        batch.drop_constraint(op.f("fk_alert_invitation_id_invitation"), type_="foreignkey")
        batch.drop_column("resolution_note")
        batch.drop_column("invitation_id")
    op.execute("DELETE FROM outbox_message WHERE kind IN ('resend', 'alert')")
    with op.batch_alter_table("outbox_message") as batch:
        batch.drop_constraint(op.f("ck_outbox_message_channel_known"), type_="check")
        batch.drop_constraint(op.f("ck_outbox_message_kind_known"), type_="check")
        batch.create_check_constraint(op.f("ck_outbox_message_kind_known"), OLD_KINDS)
        batch.drop_column("channel")
    with op.batch_alter_table("invitation") as batch:
        batch.drop_column("declined_at")
    op.drop_index(op.f("ix_staff_attempt_invitation_id"), table_name="staff_attempt")
    op.drop_table("staff_attempt")
