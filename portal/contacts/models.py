"""The keystore's one table: who a pseudonym is and how to reach them."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String, Text
from sqlalchemy.orm import Mapped, mapped_column

from portal.db import KeystoreBase, UTCDateTime


class Contact(KeystoreBase):
    __tablename__ = "contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    respondent_pseudonym: Mapped[str] = mapped_column(String(16), unique=True)
    name_sealed: Mapped[str] = mapped_column(Text)
    phone_sealed: Mapped[str | None] = mapped_column(Text)
    email_sealed: Mapped[str | None] = mapped_column(Text)
    phone_index: Mapped[str | None] = mapped_column(String(64), index=True)
    email_index: Mapped[str | None] = mapped_column(String(64), index=True)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime())
