"""Paying with points in Saleor (S1-S4): settle holds from orders, release stale ones.

The order sync (``order_tasks.sync_order_now``) calls ``capture_for_order`` before
it reads the order, so the earn basis already leaves out what the card paid (L1),
and ``settle_for_order`` after, to give points back for cancellations and refunds.
A scheduled task releases the holds of checkouts abandoned for longer than
``redemption_hold_hours`` (S2).
"""

import logging
from datetime import timedelta

from django.db import transaction
from saleor.celeryconf import app
from saleor.core.db.connection import allow_writer
from saleor.giftcard.models import GiftCard
from saleor.order.models import Order

from ..programs import redemption
from ..programs.earning import OrderSnapshot
from ..programs.redemption_models import Redemption, RedemptionStatus
from . import scheduled_tasks
from .directory import SaleorDirectory
from .gift_cards import used_on_order, withdraw_gift_card
from .settings import program_settings

logger = logging.getLogger(__name__)

RELEASE_EVERY = timedelta(minutes=15)


def capture_for_order(order_id) -> Redemption | None:
    """Capture the hold of the checkout the order came from, for what its card paid."""
    order = Order.objects.filter(id=order_id).select_related("channel").first()
    if order is None or not order.checkout_token:
        return None
    token = str(order.checkout_token)
    held = redemption.open_redemption(token)
    if held is None:
        return None
    directory = SaleorDirectory()
    program = held.program
    return redemption.capture_for_order(
        program, program_settings(program), token, str(order.id),
        used_on_order(held.gift_card_id, order.id), cards=directory,
        order_label=f"#{order.number}",
    )  # fmt: skip


def settle_for_order(program, order: OrderSnapshot):
    """Points back for a cancelled or refunded order (S3, S4); the card stays empty
    even where Saleor refunded money onto it (transactions route)."""
    given = redemption.settle_order(program, order)
    for settled in Redemption.objects.filter(program=program, order_id=order.order_id):
        card = GiftCard.objects.filter(pk=settled.gift_card_id)
        if card.filter(current_balance_amount__gt=0).exists():
            withdraw_gift_card(settled.gift_card_id, settled.checkout_token)
    return given


def release_stale(redemption_id: int) -> str:
    """Release one stale redemption, unless its checkout became an order meanwhile."""
    from .order_tasks import sync_order_now

    held = Redemption.objects.filter(id=redemption_id, status=RedemptionStatus.HELD).first()
    if held is None:
        return "settled"
    with transaction.atomic():
        # Saleor's completion locks the card row while it takes the card's balance;
        # holding that lock, an order either exists already or will find it empty.
        GiftCard.objects.select_for_update().filter(pk=held.gift_card_id).first()
        order_id = (
            Order.objects.filter(checkout_token=held.checkout_token)
            .values_list("id", flat=True)
            .first()
        )
        if order_id is None:
            released = redemption.release_abandoned(redemption_id, cards=SaleorDirectory())
            return "released" if released else "settled"
    sync_order_now(str(order_id))
    return "ordered"


@app.task(name="saleor_rewards.release_stale_redemptions")
def release_stale_redemptions_task() -> int:
    """S2: release holds of checkouts not completed within ``redemption_hold_hours``."""
    released = 0
    with allow_writer():
        for redemption_id in redemption.stale_redemption_ids():
            try:
                released += release_stale(redemption_id) == "released"
            except Exception:  # noqa: BLE001 - one bad row must not stop the others
                logger.exception("saleor-rewards could not release redemption %s",
                                 redemption_id)  # fmt: skip
    logger.info("saleor-rewards: released %s abandoned redemption(s).", released)
    return released


scheduled_tasks.schedule_every(
    "saleor-rewards-release-stale-redemptions", release_stale_redemptions_task, RELEASE_EVERY
)
