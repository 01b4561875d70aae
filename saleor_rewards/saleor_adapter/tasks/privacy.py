"""Erasure when Saleor deletes a customer (P2).

``customer_deleted`` (staff's ``customerDelete`` / ``customerBulkDelete``) and
``account_deleted`` (the customer's own ``accountDelete``) hand the user's id and the
keyed hash of their address here, after Saleor's commit: the user row is gone by
then, so the address is hashed in the hook, and only its hash travels through the
queue. The task is replay-safe (``programs/privacy/erasure``): a second run erases
nothing and records nothing.
"""

import logging

from django.db import OperationalError
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer

from ...programs.privacy.erasure import erase_member, release_held_points
from ...programs.referrals.emails import email_hash
from ..shop import gift_cards, vouchers
from .tiers import forget_codes

logger = logging.getLogger(__name__)


@app.task(
    name="saleor_rewards.erase_member",
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
)
def erase_member_task(user_id: int, address_hash: str | None = None) -> dict:
    """Erase the member's rewards data; returns the counts per part."""
    with allow_writer():
        release_held_points(user_id, cards=gift_cards)
        erasure = erase_member(
            user_id,
            email_hash=address_hash,
            forget_codes=forget_codes,
            forget_member=vouchers.forget_member,
        )
    return erasure.counts


def enqueue_erasure(user) -> None:
    """Queue the erasure of ``user`` (a deleted Saleor user); never raises."""
    try:
        address = email_hash(user.email) if getattr(user, "email", "") else None
        erase_member_task.delay(int(user.pk), address)
    except Exception:  # noqa: BLE001 - any broker error must stay out of Saleor
        logger.exception("saleor-rewards could not queue the erasure of user %s", user.pk)
