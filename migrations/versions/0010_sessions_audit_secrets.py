"""sessions, audit, secrets: gap-free audit numbers, append-only audit on PostgreSQL, staff session
epochs, sealed TOTP secrets, hashed sign-in e-mails, SMS receipts seen

Revision ID: 0010
Revises: 0011
Create Date: 2026-12-06

The audit entries' hashes become keyed (PORTAL_AUDIT_KEY); a migration has no keys, so
`portal.migrate.upgrade` re-keys an existing trail right after this revision (portal.audit_legacy),
and seals existing TOTP secrets (portal.staff.sealing).
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = "0010"
down_revision = "0011"
branch_labels = None
depends_on = None

APPEND_ONLY = """
CREATE FUNCTION audit_event_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    RAISE EXCEPTION 'the audit trail is append-only: % refused', TG_OP USING ERRCODE = 'insufficient_privilege';
END
$$
"""


def upgrade() -> None:
    with op.batch_alter_table("audit_event") as batch:
        batch.add_column(sa.Column("seq", sa.Integer(), nullable=True))
    op.execute("UPDATE audit_event SET seq = (SELECT count(*) FROM audit_event AS earlier "
               "WHERE earlier.id <= audit_event.id)")
    with op.batch_alter_table("audit_event") as batch:
        batch.alter_column("seq", existing_type=sa.Integer(), nullable=False)
        batch.create_unique_constraint(op.f("uq_audit_event_seq"), ["seq"])
    if op.get_bind().dialect.name == "postgresql":
        op.execute(APPEND_ONLY)
        op.execute("CREATE TRIGGER audit_event_no_change BEFORE UPDATE OR DELETE ON audit_event "
                   "FOR EACH ROW EXECUTE FUNCTION audit_event_append_only()")
        op.execute("CREATE TRIGGER audit_event_no_truncate BEFORE TRUNCATE ON audit_event "
                   "FOR EACH STATEMENT EXECUTE FUNCTION audit_event_append_only()")

    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(sa.Column("session_epoch", sa.Integer(), server_default="0", nullable=False))
        batch.alter_column("totp_secret", existing_type=sa.String(64), type_=sa.String(255))

    op.execute("DELETE FROM staff_login_attempt")  # kept for 15 minutes' limits only; the typed text goes
    with op.batch_alter_table("staff_login_attempt") as batch:
        batch.drop_index("ix_staff_login_attempt_email")
        batch.drop_column("email")
        batch.add_column(sa.Column("account", sa.String(64), nullable=False))
        batch.create_index(batch.f("ix_staff_login_attempt_account"), ["account"], unique=False)

    op.create_table(
        "sms_receipt_seen",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("digest", sa.String(length=64), nullable=False),
        sa.Column("at", portal.db.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sms_receipt_seen")),
        sa.UniqueConstraint("digest", name=op.f("uq_sms_receipt_seen_digest")),
    )
    op.create_index(op.f("ix_sms_receipt_seen_at"), "sms_receipt_seen", ["at"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_sms_receipt_seen_at"), table_name="sms_receipt_seen")
    op.drop_table("sms_receipt_seen")
    op.execute("DELETE FROM staff_login_attempt")
    with op.batch_alter_table("staff_login_attempt") as batch:
        batch.drop_index("ix_staff_login_attempt_account")
        batch.drop_column("account")
        batch.add_column(sa.Column("email", sa.String(254), nullable=False))
        batch.create_index("ix_staff_login_attempt_email", ["email"], unique=False)
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("session_epoch")
        batch.alter_column("totp_secret", existing_type=sa.String(255), type_=sa.String(64))
    if op.get_bind().dialect.name == "postgresql":
        op.execute("DROP TRIGGER audit_event_no_truncate ON audit_event")
        op.execute("DROP TRIGGER audit_event_no_change ON audit_event")
        op.execute("DROP FUNCTION audit_event_append_only()")
    with op.batch_alter_table("audit_event") as batch:
        batch.drop_constraint(op.f("uq_audit_event_seq"), type_="unique")
        batch.drop_column("seq")
