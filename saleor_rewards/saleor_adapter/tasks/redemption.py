"""Paying with points in Saleor: the scheduled task that releases the holds of
checkouts abandoned for longer than ``redemption_hold_hours`` (S2)."""

import logging
from datetime import timedelta

from django.db import transaction
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer
from saleor.order.models import Order

from ...programs import locks
from ...programs.redemption import services as redemption
from ...programs.redemption.models import Redemption, RedemptionStatus
from ..settings import switched_off
from ..shop import gift_cards
from .orders import sync_order_now
from .schedule import schedule_every

logger = logging.getLogger(__name__)

RELEASE_EVERY = timedelta(minutes=15)


def release_stale(redemption_id: int) -> str:
    """Release one stale redemption, unless its checkout became an order meanwhile
    (then the order's sync settles it) or its card paid any order (then it is
    captured for that order, S6)."""
    held = Redemption.objects.filter(id=redemption_id, status=RedemptionStatus.HELD).first()
    if held is None:
        return "settled"
    with transaction.atomic():
        # Saleor's completion locks the checkout, then the card, while it takes the
        # card's balance; holding both, an order either exists already or will find
        # the card empty. The checkout's redemption lock comes first (locks.py), and
        # the card's other checkouts are locked with its own (gift_cards._lock).
        locks.checkout(held.checkout_token)
        gift_cards.lock_gift_card(held.gift_card_id, held.checkout_token)
        order_id = (
            Order.objects.filter(checkout_token=held.checkout_token)
            .values_list("id", flat=True)
            .first()
        )
        if order_id is None:
            released = redemption.release_abandoned(redemption_id, cards=gift_cards)
            return "released" if released else "settled"
    sync_order_now(str(order_id))
    return "ordered"


@app.task(name="saleor_rewards.release_stale_redemptions")
def release_stale_redemptions_task() -> int:
    """S2: release holds of checkouts not completed within ``redemption_hold_hours``."""
    if switched_off("release of stale redemptions"):
        return 0
    released = 0
    with allow_writer():
        for redemption_id in redemption.stale_redemption_ids():
            try:
                released += release_stale(redemption_id) == "released"
            except Exception:  # noqa: BLE001 - one bad row must not stop the others
                logger.exception("saleor-rewards could not release redemption %s", redemption_id)
    logger.info("saleor-rewards: released %s abandoned redemption(s).", released)
    return released


schedule_every(
    "saleor-rewards-release-stale-redemptions", release_stale_redemptions_task, RELEASE_EVERY
)
