"""The parent's pages. Never imports portal.contacts: the parent is never asked who they are."""
