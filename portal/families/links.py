"""The parent's link for an invitation, for the coordinator and the dispatcher."""

from __future__ import annotations

import portal.registry as registry
from portal.families.models import Invitation
from portal.security import derive_token


def link_for(invitation: Invitation) -> str:
    settings = registry.settings()
    token = derive_token(settings.link_key, invitation.id, invitation.token_generation)
    return f"{settings.base_url}/s/{token.reveal()}"
