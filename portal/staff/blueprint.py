"""The staff blueprint: every route under /staff requires a signed-in account unless marked."""

from __future__ import annotations

from flask import Blueprint

from portal.staff import i18n, interview
from portal.staff.access import guard

staff = Blueprint("staff", __name__, url_prefix="/staff")
staff.before_request(guard)
i18n.configure(staff)  # after the guard: the signed-in account chooses the language
interview.configure(staff)  # the banner on the parent pages while a coordinator interviews
