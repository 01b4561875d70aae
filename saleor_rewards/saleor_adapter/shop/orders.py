"""A Saleor order as the programs see it: an ``OrderSnapshot`` read from the database.

Read afresh every time a task runs, so the effect depends on the order's state, not
on which hook fired or how often (U6). Facts from Saleor 3.23.28:

- Both payment flows end in ``Order.charge_status`` FULL or OVERCHARGED when the
  order is paid (``order.actions.order_charged``).
- Money refunded: the legacy payments API records successful ``REFUND``
  transactions on the order's payments; the transactions API keeps
  ``TransactionItem.refunded_value``. Saleor sums both the same way to decide
  ``order_fully_refunded`` (``order.actions.order_refunded``).
- Refunds that name lines: legacy ``orderFulfillmentRefundProducts`` moves lines
  into a REFUNDED (or REFUNDED_AND_RETURNED) fulfillment carrying
  ``total_refund_amount``; the transactions API's granted refunds carry lines and
  reach status FULL once the money went back.
- Shipment time: every fulfilment that ships (``orderFulfill``, or the approval of
  one waiting for it) writes a FULFILLMENT_FULFILLED_ITEMS order event
  (``order.actions.order_fulfilled``); a fulfillment's own ``created_at`` is when it
  was created, before any approval, so it is only the fallback.
"""

from decimal import Decimal
from uuid import UUID

from saleor.order import FulfillmentStatus, OrderChargeStatus, OrderEvents, OrderStatus
from saleor.order.models import Order, OrderEvent
from saleor.payment import TransactionKind

from ...programs.loyalty import delivery
from ...programs.loyalty.earning import OrderLine, OrderSnapshot
from ...programs.loyalty.ports import OrderDeliveryFacts
from ...programs.redemption.services import paid_with_rewards

ZERO = Decimal(0)
PAID = (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED)
DELIVERED = (OrderStatus.FULFILLED, OrderStatus.PARTIALLY_RETURNED, OrderStatus.RETURNED)
CANCELLED = (OrderStatus.CANCELED, OrderStatus.EXPIRED)
REFUNDED_FULFILLMENTS = (FulfillmentStatus.REFUNDED, FulfillmentStatus.REFUNDED_AND_RETURNED)
GRANTED_REFUND_DONE = "full"  # OrderGrantedRefundStatus.FULL


def _refunded_money(order: Order) -> Decimal:
    legacy = sum(
        (
            transaction.amount
            for payment in order.payments.all()
            for transaction in payment.transactions.all()
            if transaction.kind == TransactionKind.REFUND and transaction.is_success
        ),
        ZERO,
    )
    transactions = sum((item.refunded_value for item in order.payment_transactions.all()), ZERO)
    return legacy + transactions


def _refunds_with_lines(order: Order) -> tuple[dict[str, int], Decimal]:
    quantities: dict[str, int] = {}
    money = ZERO
    for fulfillment in order.fulfillments.all():
        if fulfillment.status not in REFUNDED_FULFILLMENTS:
            continue
        money += fulfillment.total_refund_amount or ZERO
        for line in fulfillment.lines.all():
            key = str(line.order_line_id)
            quantities[key] = quantities.get(key, 0) + line.quantity
    for granted in order.granted_refunds.all():
        if granted.status != GRANTED_REFUND_DONE:
            continue
        money += granted.amount_value
        for line in granted.lines.all():
            key = str(line.order_line_id)
            quantities[key] = quantities.get(key, 0) + line.quantity
    return quantities, money


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
            "lines__variant__product",
            "payments__transactions",
            "payment_transactions",
            "fulfillments__lines",
            "granted_refunds__lines",
        )
        .first()
    )
    if order is None or order.status == OrderStatus.DRAFT:
        return None
    quantities, with_lines = _refunds_with_lines(order)
    lines = tuple(
        OrderLine(
            line_id=str(line.id),
            quantity=line.quantity,
            net_total=line.total_price_net_amount,
            gross_total=line.total_price_gross_amount,
            is_gift_card=line.is_gift_card,
            is_free_gift=line.is_gift,
            product_id=str(line.variant.product_id) if line.variant else "",
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
        total_gross=order.total_gross_amount,
        fully_paid=order.charge_status in PAID,
        fulfilled=order.status in DELIVERED,
        fulfilled_at=_fulfilled_at(order) if order.status in DELIVERED else None,
        delivery_confirmed_at=delivery.confirmed_at(str(order.id)),
        cancelled=order.status in CANCELLED,
        refunded_amount=_refunded_money(order),
        refunded_quantities=quantities,
        refunded_with_lines=with_lines,
        paid_with_rewards=paid_with_rewards(str(order.id)),
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
