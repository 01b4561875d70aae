"""Keyed hashes (P3): what the plugin keeps instead of an address it must not store.

An invited e-mail address, an opted-out address, a client's network address: each is
kept as an HMAC-SHA256 under a secret of the shop's, never as the value or a plain
SHA-256 that a dictionary of addresses reverses. ``purpose`` separates the uses, so
the hash of one address as an invitation is not the hash of it as a client.

The secret: ``SALEOR_REWARDS_HASH_SECRET`` (Django setting or environment variable);
without it, one derived from Django's ``SECRET_KEY`` (so a shop that sets neither still
never stores a reversible hash). Changing it makes earlier hashes unmatchable: an
invitation sent before counts as not sent, an opt-out must be given again.
"""

import hashlib
import hmac
import os


def hash_secret() -> bytes:
    from django.conf import settings

    secret = getattr(settings, "SALEOR_REWARDS_HASH_SECRET", None) or os.environ.get(
        "SALEOR_REWARDS_HASH_SECRET"
    )
    if secret:
        return secret.encode() if isinstance(secret, str) else bytes(secret)
    return hmac.new(
        settings.SECRET_KEY.encode(), b"saleor-rewards:hash-secret", hashlib.sha256
    ).digest()


def keyed_hash(value: str, purpose: str) -> str:
    """64 hex characters: HMAC-SHA256 of ``purpose`` and ``value`` under the shop's secret."""
    if not purpose:
        raise ValueError("a keyed hash needs a purpose")
    message = f"{purpose}\x00{value}".encode()
    return hmac.new(hash_secret(), message, hashlib.sha256).hexdigest()
