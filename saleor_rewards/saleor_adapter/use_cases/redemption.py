"""Paying with points in Saleor (S1-S4, S6): settle a checkout's hold from its order.

The order sync (``tasks.orders.sync_order_now``) calls ``capture_for_order`` before
it reads the order, so the earn basis already leaves out what the card paid (L1),
and ``settle_for_order`` after, to give points back for cancellations and refunds.
"""

from saleor.giftcard.models import GiftCard
from saleor.order.models import Order

from ...programs.loyalty.earning import OrderSnapshot
from ...programs.redemption import services as redemption
from ...programs.redemption.models import Redemption, RedemptionStatus
from ..shop import gift_cards
from ..shop.card_payments import rewards_cards_on_order
from ..shop.gift_cards import withdraw_gift_card


def capture_for_order(order_id) -> Redemption | None:
    """Settle the hold of the checkout the order came from by what its card did,
    and the hold of any other checkout whose card paid this order (S6: a card that
    slipped past the refusal at completion is still paid for in points)."""
    order = Order.objects.filter(id=order_id).first()
    if order is None:
        return None
    own = None
    if order.checkout_token:
        token = str(order.checkout_token)
        held = redemption.open_redemption(token)
        if held is not None:
            own = redemption.capture_for_order(
                held.program,
                token,
                str(order.id),
                cards=gift_cards,
                order_label=f"#{order.number}",
            )
    others = Redemption.objects.filter(
        gift_card_id__in=rewards_cards_on_order(order.id), status=RedemptionStatus.HELD
    )
    for other in others.values_list("id", flat=True).order_by("id"):
        redemption.settle_card(other, cards=gift_cards)
    return own


def settle_for_order(program, order: OrderSnapshot):
    """Points back for a cancelled or refunded order (S3, S4); the card stays empty
    even where Saleor refunded money onto it (transactions route)."""
    given = redemption.settle_order(program, order)
    for settled in Redemption.objects.filter(program=program, order_id=order.order_id):
        card = GiftCard.objects.filter(pk=settled.gift_card_id)
        if card.filter(current_balance_amount__gt=0).exists():
            withdraw_gift_card(settled.gift_card_id, settled.checkout_token)
    return given
