"""consent and withdrawal per parent; a language per staff account

Each respondent keeps their own consent (version, date, what it covers) and
their own withdrawal marks. Families enrolled before this revision get the
family's consent version, their enrolment day, and consent to everything
(as the one form they signed covered it).

Revision ID: 0011
Revises: 0008
Create Date: 2026-12-06
"""
from alembic import op
import sqlalchemy as sa
import portal.db


revision = "0011"
down_revision = "0008"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("respondent") as batch:
        batch.add_column(sa.Column("consent_version", sa.String(length=32), server_default="", nullable=False))
        batch.add_column(sa.Column("consent_date", sa.Date(), nullable=True))
        for name in ("consent_questionnaires", "consent_sms", "consent_email"):
            batch.add_column(sa.Column(name, sa.Boolean(), server_default=sa.true(), nullable=False))
        batch.add_column(sa.Column("contact_stopped_at", portal.db.UTCDateTime(timezone=True), nullable=True))
        batch.add_column(sa.Column("erased_at", portal.db.UTCDateTime(timezone=True), nullable=True))
        batch.create_check_constraint(
            op.f("ck_respondent_erased_means_stopped"), "erased_at IS NULL OR contact_stopped_at IS NOT NULL"
        )
    family = sa.table("family", sa.column("id"), sa.column("consent_version"), sa.column("baseline_date"))
    respondent = sa.table("respondent", sa.column("family_id"), sa.column("consent_version"),
                          sa.column("consent_date"))
    of_family = respondent.c.family_id == family.c.id
    op.execute(respondent.update().values(
        consent_version=sa.select(family.c.consent_version).where(of_family).scalar_subquery(),
        consent_date=sa.select(family.c.baseline_date).where(of_family).scalar_subquery(),
    ))
    with op.batch_alter_table("staff_user") as batch:
        batch.add_column(sa.Column("language", sa.String(length=8), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("staff_user") as batch:
        batch.drop_column("language")
    with op.batch_alter_table("respondent") as batch:
        batch.drop_constraint(op.f("ck_respondent_erased_means_stopped"), type_="check")
        for name in ("erased_at", "contact_stopped_at", "consent_email", "consent_sms",
                     "consent_questionnaires", "consent_date", "consent_version"):
            batch.drop_column(name)
