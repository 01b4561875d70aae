"""Saleor's customers and their orders as the ``ReferralShop`` port (R1-R5)."""

from django.contrib.sites.models import Site
from django.db.models import Q
from saleor.account.models import User
from saleor.order import OrderChargeStatus, OrderEvents, OrderStatus
from saleor.order.models import Order

PAID_CHARGE_STATUSES = (OrderChargeStatus.FULL, OrderChargeStatus.OVERCHARGED)
PAID_EVENTS = (OrderEvents.ORDER_FULLY_PAID, OrderEvents.ORDER_MARKED_AS_PAID)


def member_emails(user_ids) -> dict[int, str]:
    users = User.objects.filter(id__in=list(user_ids))
    return dict(users.values_list("id", "email"))


def member_by_email(email: str) -> int | None:
    return (
        User.objects.filter(email__iexact=email.strip(), is_active=True)
        .values_list("id", flat=True)
        .first()
    )


def has_paid_order(user_id: int) -> bool:
    """R5 "already has a paid order": an order of the user (or a guest order with
    their e-mail) that is charged in full now (``charge_status`` FULL or
    OVERCHARGED) or ever was (Saleor's "fully paid" / "marked as paid" order
    events), drafts excepted. Someone whose paid order was refunded later is
    still an existing customer, not a friend to win."""
    owner = Q(user_id=user_id)
    email = User.objects.filter(id=user_id).values_list("email", flat=True).first()
    if email:
        owner |= Q(user_email__iexact=email)
    paid = Q(charge_status__in=PAID_CHARGE_STATUSES)
    paid |= Q(events__type__in=PAID_EVENTS)
    return Order.objects.filter(owner).exclude(status=OrderStatus.DRAFT).filter(paid).exists()


def customer_order_ids(user_ids) -> dict[int, list[str]]:
    orders: dict[int, list[str]] = {}
    orders_of_users = Order.objects.filter(user_id__in=list(user_ids))
    for user_id, order_id in orders_of_users.values_list("user_id", "id"):
        orders.setdefault(user_id, []).append(str(order_id))
    return orders


def shop_name() -> str:
    return Site.objects.get_current().name
