"""Pseudonyms: random, short, typable, with a check character.

The alphabet leaves out I, L, O and U so that a research assistant reading a
code over the phone cannot confuse 1/I/L or 0/O. The check is a weighted sum
modulo the prime 37 over all eight characters: it catches every single
mistyped character and every swap of two neighbours. (Luhn mod 32 misses the
swap of the first and last symbols, 0Z/Z0.) Bodies whose check value falls
outside the 32-symbol alphabet are simply not issued.
"""

from __future__ import annotations

import secrets

ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
BODY_LENGTH = 7
LOOKALIKES = str.maketrans("OIL", "011")
MODULUS = 37
WEIGHTS = range(1, BODY_LENGTH + 2)  # distinct and non-zero modulo 37


def check_character(body: str) -> str | None:
    """The character that makes the weighted sum of body + check zero modulo 37, if it has one."""
    partial = sum(w * ALPHABET.index(c) for w, c in zip(WEIGHTS, body, strict=False))
    value = -partial * pow(WEIGHTS[-1], -1, MODULUS) % MODULUS
    return ALPHABET[value] if value < len(ALPHABET) else None


def new_pseudonym(prefix: str) -> str:
    while True:
        body = "".join(secrets.choice(ALPHABET) for _ in range(BODY_LENGTH))
        check = check_character(body)
        if check is not None:
            code = body + check
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
    return sum(w * ALPHABET.index(c) for w, c in zip(WEIGHTS, code, strict=True)) % MODULUS == 0
