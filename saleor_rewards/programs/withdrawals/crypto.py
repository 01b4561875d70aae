"""Payout details encrypted at rest (W2, P3) with ``cryptography``'s Fernet.

Keys: ``SALEOR_REWARDS_FERNET_KEYS`` (Django setting or environment variable), Fernet
keys separated by commas, newest first. The first encrypts; every one decrypts
(``MultiFernet``), so a new key is rolled out without downtime: put it first, keep
the old ones, run ``rewards_rotate_payout_keys`` (re-encrypts every stored detail
under the first key), then drop the old keys.

Without the setting, one key is derived from Django's ``SECRET_KEY`` (so a shop that
sets nothing still never stores details in clear); listing keys later makes that
derived key unusable, so a shop that starts without keys rotates with
``rewards_rotate_payout_keys --from-secret-key`` once.
"""

import base64
import hashlib
import hmac
import json
import os

from cryptography.fernet import Fernet, InvalidToken, MultiFernet

from ...ledger.errors import ProgramDisabled

SETTING = "SALEOR_REWARDS_FERNET_KEYS"


def _configured() -> list[str]:
    from django.conf import settings

    keys = getattr(settings, SETTING, None) or os.environ.get(SETTING) or ""
    if isinstance(keys, str):
        keys = keys.split(",")
    return [key.strip() for key in keys if key and key.strip()]


def secret_key_fernet() -> Fernet:
    """The key derived from ``SECRET_KEY``, for a shop without keys of its own."""
    from django.conf import settings

    raw = hmac.new(
        settings.SECRET_KEY.encode(), b"saleor-rewards:payout-details", hashlib.sha256
    ).digest()
    return Fernet(base64.urlsafe_b64encode(raw))


def fernet(*, with_secret_key: bool = False) -> MultiFernet:
    keys = _configured()
    try:
        fernets = [Fernet(key) for key in keys]
    except ValueError:
        # Never echo the setting: it is a secret.
        raise ProgramDisabled(f"{SETTING} holds a key that is not a Fernet key.") from None
    if not fernets or with_secret_key:
        fernets.append(secret_key_fernet())
    return MultiFernet(fernets)


def encrypt(details: dict[str, str]) -> str:
    return fernet().encrypt(json.dumps(details, sort_keys=True).encode()).decode()


def decrypt(token: str) -> dict[str, str]:
    try:
        return json.loads(fernet().decrypt(token.encode()))
    except InvalidToken:
        raise ProgramDisabled(
            f"Payout details cannot be decrypted with the keys of {SETTING}."
        ) from None


def rotated(token: str, *, with_secret_key: bool = False) -> str:
    """``token`` re-encrypted under the first key (MultiFernet.rotate)."""
    return fernet(with_secret_key=with_secret_key).rotate(token.encode()).decode()


def rotate_stored_details(*, batch_size: int = 500, with_secret_key: bool = False, progress=None):
    """Re-encrypt every stored detail under the first key; returns how many.

    Each row is rewritten only if it still holds the token that was read, so a
    purge or an erasure running meanwhile is never undone.
    """
    from .models import Withdrawal

    done, last_id = 0, 0
    while True:
        batch = list(
            Withdrawal.objects.filter(id__gt=last_id)
            .exclude(details="")
            .order_by("id")
            .values_list("id", "details")[:batch_size]
        )
        if not batch:
            return done
        for row_id, token in batch:
            new = rotated(token, with_secret_key=with_secret_key)
            done += Withdrawal.objects.filter(id=row_id, details=token).update(details=new)
        last_id = batch[-1][0]
        if progress:
            progress(done)
