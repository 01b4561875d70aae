"""E-mail addresses as the referral program compares, stores and shows them (R2, R5).

Two forms, on purpose:

- ``normalize_email``: trimmed and lower-cased. Mail providers treat the local part
  case-insensitively in practice, so this is the address a person typed, once.
- ``canonical_email``: the *mailbox* behind an address, for "is this the same
  person" (self-referral, R5) and for invite de-duplication (R2). On top of
  ``normalize_email`` it drops a ``+tag`` from the local part (honoured by Gmail,
  Outlook, Fastmail, iCloud, ...) and, for ``gmail.com`` / ``googlemail.com``, the
  dots of the local part and the alias domain. It may merge two real mailboxes of
  a provider without sub-addressing; for a refusal that errs on the safe side.

Only a keyed hash (HMAC-SHA256 under the shop's secret, ``keyed_hash``) of the
canonical form is ever stored (P3): a plain SHA-256 of an address is reversed by
hashing a list of addresses, a keyed one is not without the secret.
"""

from django.core.exceptions import ValidationError
from django.core.validators import validate_email

from ...keyed_hash import keyed_hash

INVITE_PURPOSE = "invite"
OPTOUT_PURPOSE = "invite-optout"

GMAIL_DOMAINS = frozenset({"gmail.com", "googlemail.com"})


def normalize_email(email: str) -> str:
    return (email or "").strip().lower()


def canonical_email(email: str) -> str:
    local, at, domain = normalize_email(email).rpartition("@")
    if not at:
        return normalize_email(email)
    local = local.split("+", 1)[0]
    if domain in GMAIL_DOMAINS:
        local, domain = local.replace(".", ""), "gmail.com"
    return f"{local}@{domain}"


def same_mailbox(first: str | None, second: str | None) -> bool:
    return bool(first and second) and canonical_email(first) == canonical_email(second)


def email_hash(email: str) -> str:
    """What the plugin keeps of an invited address: its keyed hash (P3)."""
    return keyed_hash(canonical_email(email), INVITE_PURPOSE)


def optout_hash(email: str) -> str:
    """What the plugin keeps of an address that refused invitations (P6)."""
    return keyed_hash(canonical_email(email), OPTOUT_PURPOSE)


def is_valid_email(email: str) -> bool:
    try:
        validate_email(normalize_email(email))
    except ValidationError:
        return False
    return True


def mask_email(email: str) -> str:
    """``jane@example.com`` -> ``j***@example.com``: enough for a sponsor to recognise
    a friend, not enough to harvest the address."""
    local, at, domain = normalize_email(email).rpartition("@")
    if not at or not local:
        return "***"
    return f"{local[0]}***@{domain}"
