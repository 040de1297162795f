"""The forms of contact attempts, resends, revokes and alerts; the family page and the call list share them.

The app's CSRFProtect checks every POST, so these forms leave the token to it (templates add
`csrf_token()` as every staff form does).
"""

from __future__ import annotations

import dataclasses
from typing import Any

from flask_wtf import FlaskForm
from wtforms import HiddenField, RadioField, SelectChoice, SelectField, StringField, TextAreaField
from wtforms.i18n import get_translations
from wtforms.validators import DataRequired, Length, Regexp

from portal.staff import i18n
from portal.staff.alerts import NOTE_LIMIT as RESOLUTION_LIMIT
from portal.staff.attempts import CHANNELS, NOTE_LIMIT, OUTCOMES
from portal.staff.i18n import N_, _
from portal.staff.resend import CLICK, new_click

RESEND_CHANNELS = {"sms": N_("SMS"), "email": N_("E-mail"), "both": N_("SMS and e-mail")}
NOT_NOW = "none"


def choices(labels: dict[str, str]) -> list[SelectChoice]:
    return [SelectChoice(value, label) for value, label in labels.items()]


class StaffForm(FlaskForm):
    class Meta:
        csrf = False  # the app-wide check (Flask-WTF's CSRFProtect, portal.wiring) already covers every POST

        def get_translations(self, form: object) -> Any:
            """WTForms' own messages ("Field cannot be longer than ...") in the page's language."""
            return get_translations([i18n.language()]) if i18n.language() != "en" else None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        """Labels and choices are marked with N_ below and said here, in the page's language."""
        super().__init__(*args, **kwargs)
        for field in self:
            field.label.text = _(field.label.text) if field.label.text else field.label.text
            if isinstance(field, SelectField | RadioField) and field.choices:
                field.choices = [_said(choice) for choice in field.choices]


class AttemptForm(StaffForm):
    """One attempt. On the family page `invitation` is a list of the open waves; on a call-list row
    set `invitation.choices` to that row's invitation (or render it as a hidden input)."""

    invitation = SelectField(N_("Respondent and wave"), coerce=int, validate_choice=False)
    channel = SelectField(N_("How"), choices=choices(CHANNELS))
    outcome = SelectField(N_("Outcome"), choices=choices(OUTCOMES))
    note = StringField(N_("Note (optional)"), validators=[Length(max=NOTE_LIMIT)])
    back = HiddenField(default="family")  # "calls" sends the coordinator back to the call list


class ResendForm(StaffForm):
    """"Send the link again now" for one invitation; `click` makes a double submit send once."""

    channel = SelectField(N_("Send by"), choices=choices(RESEND_CHANNELS))
    click = HiddenField(default=new_click, validators=[DataRequired(), Regexp(CLICK.pattern)])
    back = HiddenField(default="family")


class RevokeForm(StaffForm):
    send = RadioField(N_("Then send the new link"), default=NOT_NOW,
                      choices=choices({NOT_NOW: N_("Do not send it now"), **RESEND_CHANNELS}))
    click = HiddenField(default=new_click, validators=[DataRequired(), Regexp(CLICK.pattern)])


class ResolveForm(StaffForm):
    note = TextAreaField(N_("What was done"), validators=[DataRequired(), Length(max=RESOLUTION_LIMIT)])
    back = HiddenField(default="alerts")


def _said(choice: Any) -> Any:
    return dataclasses.replace(choice, label=_(choice.label)) if isinstance(choice, SelectChoice) else choice


def resend_channels(choice: str) -> tuple[str, ...]:
    return ("sms", "email") if choice == "both" else (choice,)
