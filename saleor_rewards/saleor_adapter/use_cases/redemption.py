"""Paying with points in Saleor (S1-S4): settle a checkout's hold from its order.

The order sync (``tasks.orders.sync_order_now``) calls ``capture_for_order`` before
it reads the order, so the earn basis already leaves out what the card paid (L1),
and ``settle_for_order`` after, to give points back for cancellations and refunds.
"""

from saleor.giftcard.models import GiftCard
from saleor.order.models import Order

from ...programs.loyalty.earning import OrderSnapshot
from ...programs.redemption import services as redemption
from ...programs.redemption.models import Redemption
from ..settings import program_settings
from ..shop import gift_cards
from ..shop.gift_cards import used_on_order, withdraw_gift_card


def capture_for_order(order_id) -> Redemption | None:
    """Capture the hold of the checkout the order came from, for what its card paid."""
    order = Order.objects.filter(id=order_id).select_related("channel").first()
    if order is None or not order.checkout_token:
        return None
    token = str(order.checkout_token)
    held = redemption.open_redemption(token)
    if held is None:
        return None
    program = held.program
    return redemption.capture_for_order(
        program, program_settings(program), token, str(order.id),
        used_on_order(held.gift_card_id, order.id), cards=gift_cards,
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
