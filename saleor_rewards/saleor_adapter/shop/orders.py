"""A Saleor order as the programs see it: an ``OrderSnapshot`` read from the database.

Read afresh every time a task runs, so the effect depends on the order's state, not
on which hook fired or how often (U6). Facts from Saleor 3.23.28:

- Both payment flows end in ``Order.charge_status`` FULL or OVERCHARGED when the
  order is paid (``order.actions.order_charged``). ``total_charged_amount`` sums the
  legacy payments' ``captured_amount`` and the transactions' ``charged_value``; a
  refund lowers both (``payment.utils.gateway_postprocess``, the transaction's
  REFUND_SUCCESS), a charge-back (CHARGE_BACK event) or an App's ``transactionUpdate``
  lowers ``charged_value`` with no refund beside it (L3: a payment failure).
- Money refunded: the legacy payments API records successful ``REFUND``
  transactions on the order's payments; the transactions API keeps
  ``TransactionItem.refunded_value``. Saleor sums both the same way to decide
  ``order_fully_refunded`` (``order.actions.order_refunded``).
- Refunds that name lines: legacy ``orderFulfillmentRefundProducts`` moves lines
  into a REFUNDED (or REFUNDED_AND_RETURNED) fulfillment carrying
  ``total_refund_amount`` (and ``shipping_refund_amount`` when Saleor computed the
  amount with the shipping costs); the transactions API's granted refunds carry lines
  and reach status SUCCESS once the money went back. Legacy ``orderRefund`` records a
  REFUNDED fulfillment *without* lines: money only.
- The plugin's gift cards (S1): taken at completion as a gift card, they are left out
  of ``Order.total`` (``calculate_checkout_total_with_gift_cards``) and the order
  lists them in ``gift_cards``; authorised through the gift card payment gateway
  they are inside the total, charged by a transaction of that gateway, and Saleor
  refunds such a transaction onto the card, which the plugin empties again: not
  money back to the buyer, but the points' part, which comes back as points (S4).
- Shipment time: every fulfilment that ships (``orderFulfill``, or the approval of
  one waiting for it) writes a FULFILLMENT_FULFILLED_ITEMS order event
  (``order.actions.order_fulfilled``); a fulfillment's own ``created_at`` is when it
  was created, before any approval, so it is only the fallback.
"""

from decimal import Decimal
from uuid import UUID

from saleor.core.prices import quantize_price
from saleor.order import (
    FulfillmentStatus,
    OrderChargeStatus,
    OrderEvents,
    OrderGrantedRefundStatus,
    OrderStatus,
)
from saleor.order.models import Order, OrderEvent
from saleor.payment import TransactionKind

from ...programs.loyalty import delivery
from ...programs.loyalty.earning import OrderLine, OrderSnapshot
from ...programs.loyalty.ports import OrderDeliveryFacts
from ...programs.redemption.services import rewards_cards_of_order
from .affiliates import order_attribution

ZERO = Decimal(0)
PAID = (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED)
DELIVERED = (OrderStatus.FULFILLED, OrderStatus.PARTIALLY_RETURNED, OrderStatus.RETURNED)
CANCELLED = (OrderStatus.CANCELED, OrderStatus.EXPIRED)
REFUNDED_FULFILLMENTS = (FulfillmentStatus.REFUNDED, FulfillmentStatus.REFUNDED_AND_RETURNED)


def _refunded(order: Order, card_ids: set[int]) -> tuple[Decimal, Decimal, Decimal]:
    """(money refunded to the buyer, refunded onto the plugin's cards, everything
    refunded)."""
    legacy = sum(
        (
            transaction.amount
            for payment in order.payments.all()
            for transaction in payment.transactions.all()
            if transaction.kind == TransactionKind.REFUND and transaction.is_success
        ),
        ZERO,
    )
    money, to_cards = legacy, ZERO
    for item in order.payment_transactions.all():
        if item.gift_card_id in card_ids:
            to_cards += item.refunded_value
        else:
            money += item.refunded_value
    return money, to_cards, money + to_cards


def _refunds_with_lines(order: Order, card_ids: set[int]):
    """Refunds that named lines: (line id -> quantity, their money, its shipping part,
    what of them went onto the plugin's gift cards).

    Money a granted refund sent back onto one of the plugin's gift cards is not money
    to the buyer: the lines' value comes back as points (S4).
    """
    quantities: dict[str, int] = {}
    money = shipping = to_cards = ZERO

    def count(lines):
        for line in lines:
            key = str(line.order_line_id)
            quantities[key] = quantities.get(key, 0) + line.quantity

    for fulfillment in order.fulfillments.all():
        lines = fulfillment.lines.all()
        if fulfillment.status not in REFUNDED_FULFILLMENTS or not lines:
            continue  # orderRefund's fulfillment has no lines: money only
        money += fulfillment.total_refund_amount or ZERO
        shipping += fulfillment.shipping_refund_amount or ZERO
        count(lines)
    for granted in order.granted_refunds.all():
        lines = granted.lines.all()
        if granted.status != OrderGrantedRefundStatus.SUCCESS or not lines:
            continue
        item = granted.transaction_item
        if item is not None and item.gift_card_id in card_ids:
            to_cards += granted.amount_value
        else:
            money += granted.amount_value
            if granted.shipping_costs_included:
                shipping += min(granted.amount_value, order.shipping_price_gross_amount)
        count(lines)
    return quantities, money, shipping, to_cards


def _money_total(order: Order, cards: dict[int, Decimal]) -> Decimal:
    """The order's total less what the plugin's cards paid inside it (gateway route)."""
    outside = set(order.gift_cards.values_list("id", flat=True))
    inside = sum((used for card_id, used in cards.items() if card_id not in outside), ZERO)
    return max(ZERO, order.total_gross_amount - inside)


def _payment_failed(order: Order, refunded: Decimal) -> bool:
    """Charged below the total with no refund to explain it (L3): a charge-back or a
    charged amount lowered by the payment App. Refunds lower the charged amount too,
    so what was refunded counts as charged here."""
    if order.charge_status in PAID:
        return False
    # Rounded as Saleor rounds for charge_status (order.utils.update_order_charge_status).
    charged = quantize_price(order.total_charged_amount + refunded, order.currency)
    return charged < quantize_price(order.total_gross_amount, order.currency)


def _fulfilled_at(order: Order):
    """When the order's last shipment was recorded; None if it never shipped."""
    shipped = (
        OrderEvent.objects.filter(order=order, type=OrderEvents.FULFILLMENT_FULFILLED_ITEMS)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )
    if shipped is not None:
        return shipped
    created = [
        fulfillment.created_at
        for fulfillment in order.fulfillments.all()
        if fulfillment.status == FulfillmentStatus.FULFILLED
    ]
    return max(created, default=None)


def order_snapshot(order_id) -> OrderSnapshot | None:
    """The order as it is now; None when Saleor has no such (non-draft) order."""
    order = (
        Order.objects.filter(id=order_id)
        .select_related("channel", "user")
        .prefetch_related(
            "lines__variant__product__collections",
            "payments__transactions",
            "payment_transactions",
            "fulfillments__lines",
            "granted_refunds__lines",
            "granted_refunds__transaction_item",
        )
        .first()
    )
    if order is None or order.status == OrderStatus.DRAFT:
        return None
    cards = rewards_cards_of_order(str(order.id))
    money_refunded, to_cards, refunded = _refunded(order, set(cards))
    quantities, with_lines, shipping, to_cards_with_lines = _refunds_with_lines(order, set(cards))
    lines = tuple(
        OrderLine(
            line_id=str(line.id),
            quantity=line.quantity,
            net_total=line.total_price_net_amount,
            gross_total=line.total_price_gross_amount,
            is_gift_card=line.is_gift_card,
            is_free_gift=line.is_gift,
            product_id=str(line.variant.product_id) if line.variant else "",
            collections=frozenset(c.slug for c in line.variant.product.collections.all())
            if line.variant
            else frozenset(),
        )
        for line in order.lines.all()
    )
    return OrderSnapshot(
        order_id=str(order.id),
        channel_slug=order.channel.slug,
        currency=order.currency,
        customer_id=order.user_id,
        customer_email=order.user_email,
        number=str(order.number),
        customer_verified=bool(order.user and order.user.is_confirmed),
        lines=lines,
        total_gross=_money_total(order, cards),
        fully_paid=order.charge_status in PAID,
        fulfilled=order.status in DELIVERED,
        fulfilled_at=_fulfilled_at(order) if order.status in DELIVERED else None,
        delivery_confirmed_at=delivery.confirmed_at(str(order.id)),
        cancelled=order.status in CANCELLED,
        payment_failed=_payment_failed(order, refunded),
        refunded_amount=money_refunded,
        refunded_quantities=quantities,
        refunded_with_lines=with_lines,
        refunded_shipping=shipping,
        paid_with_rewards=sum(cards.values(), ZERO),
        refunded_to_rewards=max(ZERO, to_cards - to_cards_with_lines),
        affiliate_attribution=order_attribution(order),
    )


def order_delivery(order_id: str) -> OrderDeliveryFacts | None:
    """The ``Orders`` port (L2): the order a customer confirms as delivered."""
    try:
        pk = UUID(order_id)
    except (TypeError, ValueError):
        return None
    order = Order.objects.filter(id=pk).select_related("channel").first()
    if order is None or order.status == OrderStatus.DRAFT:
        return None
    return OrderDeliveryFacts(
        order_id=str(order.id),
        owner_id=order.user_id,
        channel_slug=order.channel.slug,
        fulfilled=order.status in DELIVERED,
    )
