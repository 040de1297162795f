"""Invitations and reminders: the outbox, the dispatcher, transports and message texts.

The outbox and its planning hold no contact data and import nothing from the
keystore; only the dispatcher (portal.messaging.dispatcher) opens
portal.contacts, at the moment of sending. So domain code may plan messages
(portal.messaging.planning) without crossing the privacy boundary.
"""
