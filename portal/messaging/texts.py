"""Message texts from the `outbound` gettext catalogues, rendered outside any request.

Neutral on purpose: the study's public name, the link and the access code;
never what the study is about, never a child's name.
"""

from __future__ import annotations

import functools
import math
from dataclasses import dataclass

from babel.support import NullTranslations, Translations

from portal.config import DATA_ROOT

DOMAIN = "outbound"
TRANSLATIONS = DATA_ROOT / "translations"


def N_(text: str) -> str:
    """Marks a text for extraction (`pybabel extract -k N_`); translated when rendered."""
    return text


SMS = {
    "invitation": N_("%(study)s: a new questionnaire is ready for you. %(link)s Code: %(code)s"),
    "reminder": N_("%(study)s: your questionnaire is still waiting for you. %(link)s Code: %(code)s"),
    "last_reminder": N_("%(study)s: today is the last day to answer. %(link)s Code: %(code)s"),
    "resend": N_("%(study)s: here is the link to your questionnaire again. %(link)s Code: %(code)s"),
}
SUBJECT = {
    "invitation": N_("%(study)s: a new questionnaire"),
    "reminder": N_("%(study)s: a reminder"),
    "last_reminder": N_("%(study)s: last day today"),
    "resend": N_("%(study)s: your questionnaire link"),
}
LEAD = {
    "invitation": N_("A new questionnaire from %(study)s is ready for you."),
    "reminder": N_("A friendly reminder: your questionnaire from %(study)s is still waiting for you."),
    "last_reminder": N_("Today is the last day to answer the questionnaire from %(study)s."),
    "resend": N_("Here is the link to your questionnaire from %(study)s again."),
}
GREETING = N_("Hello,")
OPEN_HERE = N_("Open it here:")
CODE_LINE = N_("If you are asked for a code, it is %(code)s.")
THANKS = N_("Thank you for taking part.")
# To the study's on-call address: that an alert needs attention and where to sign in; nothing more
ON_CALL_SUBJECT = N_("%(study)s: an alert needs attention")
ON_CALL_BODY = N_("An alert in the study workspace needs attention. Sign in to see it:")

ALL_TEXTS = (*SMS.values(), *SUBJECT.values(), *LEAD.values(), GREETING, OPEN_HERE, CODE_LINE, THANKS,
             ON_CALL_SUBJECT, ON_CALL_BODY)


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str

    def __repr__(self) -> str:
        return "Rendered(<hidden: carries a link>)"  # the body holds the parent's link


@functools.cache
def catalogue(language: str) -> NullTranslations:
    return Translations.load(str(TRANSLATIONS), [language], domain=DOMAIN)


def render_sms(kind: str, language: str, *, study: str, link: str, code: str) -> Rendered:
    text = catalogue(language).gettext(SMS[kind]) % {"study": study, "link": link, "code": code}
    return Rendered(subject="", body=text)


def render_email(
    kind: str, language: str, *, study: str, link: str, code: str, help_text: str
) -> Rendered:
    _ = catalogue(language).gettext
    values = {"study": study, "code": code}
    parts = [
        _(GREETING), _(LEAD[kind]) % values, f"{_(OPEN_HERE)}\n{link}", _(CODE_LINE) % values,
        _(THANKS), help_text, study,
    ]
    return Rendered(subject=_(SUBJECT[kind]) % values, body="\n\n".join(p for p in parts if p) + "\n")


def render_on_call(language: str, *, study: str, sign_in: str) -> Rendered:
    _ = catalogue(language).gettext
    return Rendered(subject=_(ON_CALL_SUBJECT) % {"study": study}, body=f"{_(ON_CALL_BODY)}\n{sign_in}\n")


# SMS length -------------------------------------------------------------------

GSM7_BASIC = (
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
GSM7_EXTENDED = "^{}\\[~]|€\f"  # each costs two septets


@dataclass(frozen=True, slots=True)
class SmsSize:
    encoding: str  # "GSM-7" or "UCS-2"
    units: int  # septets or UTF-16 code units
    segments: int


def sms_size(text: str) -> SmsSize:
    if all(c in GSM7_BASIC or c in GSM7_EXTENDED for c in text):
        units = sum(2 if c in GSM7_EXTENDED else 1 for c in text)
        return SmsSize("GSM-7", units, 1 if units <= 160 else math.ceil(units / 153))
    units = len(text.encode("utf-16-le")) // 2
    return SmsSize("UCS-2", units, 1 if units <= 70 else math.ceil(units / 67))
