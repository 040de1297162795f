"""The workspace's error pages in the reader's language: the account's, or before sign-in the browser's
(the study's language where the browser asks for neither Norwegian nor English).

An error can come before the staff blueprint chose a language (an address no view answers), so the
page chooses it here and renders with the staff catalogue itself.
"""

from __future__ import annotations

import contextlib

from flask import g, render_template, session
from sqlalchemy.exc import SQLAlchemyError

from portal.db import db
from portal.staff import i18n
from portal.staff.access import USER_KEY
from portal.staff.i18n import N_, _
from portal.staff.models import StaffUser

TEXT = {
    400: (N_("The form could not be used"), N_("Go back, reload the page and send the form again.")),
    403: (N_("Not for your role"),
          N_("Your account may not open this page. Ask the data manager if you need it.")),
    404: (N_("Page not found"), N_("Check the address, or start again from the workspace.")),
    405: (N_("Page not found"), N_("Check the address, or start again from the workspace.")),
    413: (N_("Too much data"),
          N_("The form sent more than the portal accepts. Shorten it and send it again.")),
    429: (N_("Too many requests"), N_("Wait a minute and try again.")),
}
FALLBACK = (N_("Something went wrong"), N_("Nothing was saved. Try again in a moment; if it keeps happening, "
                                            "tell the data manager what you did and when."))
CSRF = (N_("The page was open too long"), N_("For your safety, reload the page and send the form again."))


def page(code: int, *, csrf: bool = False) -> str:
    """The workspace's page for an HTTP error `code` (a refused CSRF token has its own words)."""
    title, advice = CSRF if csrf else TEXT.get(code, FALLBACK)
    if g.get("locale") not in i18n.LANGUAGES:
        user = g.get("staff_user") or (_session_account() if code < 500 else None)
        i18n.refresh(i18n.account_language(user.language) if user is not None else i18n.before_sign_in())
    return render_template("staff/error.html", title=_(title), advice=_(advice), **i18n.page_words())


def _session_account() -> StaffUser | None:
    """The account of the session, for its language only: a refused form (too large, without its
    token) or a 403 comes before the guard has named the account. After a 5xx the database is not
    asked again."""
    user_id = session.get(USER_KEY)
    with contextlib.suppress(SQLAlchemyError):
        return db.session.get(StaffUser, user_id) if isinstance(user_id, int) else None
    return None
