"""The keystore: the only door to names, phone numbers and e-mail addresses.

Only portal.staff and portal.messaging may import this package.
"""

from portal.contacts.book import ContactBook, ContactDetails, InvalidContact, contact_book

__all__ = ["ContactBook", "ContactDetails", "InvalidContact", "contact_book"]
