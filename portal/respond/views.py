"""The parent's pages, assembled: the blueprint and the modules that add routes to it."""

from __future__ import annotations

from portal.respond import entry, pages
from portal.respond.blueprint import respond

__all__ = ["entry", "pages", "respond"]
