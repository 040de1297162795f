"""Pseudonyms: random, short, typable, with a check character.

The alphabet leaves out I, L, O and U so that a research assistant reading a
code over the phone cannot confuse 1/I/L or 0/O. The check character is
Luhn mod 32: it catches every single mistyped character and every swap of
two neighbouring characters.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 7
LOOKALIKES = str.maketrans("OIL", "011")


def check_character(body: str) -> str:
    n = len(ALPHABET)
    total, factor = 0, 2
    for char in reversed(body):
        addend = factor * ALPHABET.index(char)
        total += addend // n + addend % n
        factor = 1 if factor == 2 else 2
    return ALPHABET[(n - total % n) % n]


def new_pseudonym(prefix: str) -> str:
    body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
    code = body + check_character(body)
    return f"{prefix}-{code[:4]}-{code[4:]}"


def normalise(text: str) -> str:
    """What a person typed, in canonical form: upper case, Crockford's look-alikes mapped."""
    prefix, _, rest = text.strip().upper().replace(" ", "").partition("-")
    code = rest.replace("-", "").translate(LOOKALIKES)
    return f"{prefix}-{code[:4]}-{code[4:]}" if len(code) > 4 else f"{prefix}-{code}"


def is_valid(pseudonym: str) -> bool:
    prefix, _, rest = normalise(pseudonym).partition("-")
    code = rest.replace("-", "")
    if not prefix.isalpha() or len(code) != BODY_LENGTH + 1 or any(c not in ALPHABET for c in code):
        return False
    return check_character(code[:-1]) == code[-1]
