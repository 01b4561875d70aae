"""When an order counts as delivered (L2; R6 and A4 wait for the same moment).

Shipped is not delivered: an order counts as delivered when its customer confirms
it (``rewardsOrderConfirmDelivery``, seed 001 "Confirm Delivery"), or, without a
confirmation, ``auto_confirm_days`` after its fulfilment (0, the default: at
fulfilment, as the sync sees it). Its awards — the buyer's points, the sponsor's
reward, the friend's welcome bonus — become spendable ``hold_days`` after that
moment. A dated moment is kept on the award's lot; the scheduled activation job
makes it spendable then.

The confirmation is a row of its own (``DeliveryConfirmation``), part of the
order's state: every later sync reads it (``OrderSnapshot.delivery_confirmed_at``),
so a replay delivers nothing twice (U6).
"""

from datetime import datetime, timedelta

from django.db import connection, transaction
from django.utils import timezone

from ...ledger import lock_accounts
from ...ledger.errors import NotEligible, NotFound
from ...ledger.models import Lot, Program
from .. import locks
from . import awards
from .earning import OrderSnapshot
from .models import DeliveryConfirmation
from .ports import OrderDeliveryFacts, Orders


def delivered_at(order: OrderSnapshot, settings: dict, now: datetime) -> datetime | None:
    """When ``order`` counts as delivered; None while it does not (yet)."""
    if order.delivery_confirmed_at is not None:
        return order.delivery_confirmed_at
    if not order.fulfilled:
        return None
    days = settings["auto_confirm_days"]
    if days == 0:
        return now  # at fulfilment, as the sync sees it
    return (order.fulfilled_at or now) + timedelta(days=days)


def confirmed_at(order_id: str) -> datetime | None:
    """When the order's customer confirmed its delivery, if they did."""
    return (
        DeliveryConfirmation.objects.filter(order_id=order_id)
        .values_list("confirmed_at", flat=True)
        .first()
    )


def own_order(orders: Orders, order_id: str, member_id: int) -> OrderDeliveryFacts:
    """The member's own order; someone else's answers as one that does not exist."""
    order = orders.order_delivery(order_id)
    _check_owner(order, member_id)
    return order


def _check_owner(order: OrderDeliveryFacts | None, member_id: int) -> None:
    if order is None or order.owner_id is None or order.owner_id != member_id:
        raise NotFound("There is no such order among your orders.", field="orderId")


def confirm_delivery(
    program: Program,
    settings: dict,
    order: OrderDeliveryFacts,
    member_id: int,
    now: datetime | None = None,
) -> DeliveryConfirmation:
    """The customer confirms that ``order`` arrived (L2): its awards become
    spendable ``hold_days`` from the first confirmation.

    Only the order's customer, only once it shipped in full (else ``NotEligible``).
    Confirming again returns the first confirmation and posts nothing.
    """
    now = now or timezone.now()
    _check_owner(order, member_id)
    confirmation = DeliveryConfirmation.objects.filter(order_id=order.order_id).first()
    if confirmation is None:
        if not order.fulfilled:
            raise NotEligible(
                "The order has not been shipped in full yet; confirm its delivery once "
                "it has arrived.",
                field="orderId",
            )
        # A concurrent confirmation of the same order waits on the unique row and
        # then finds it: the first one's time stands.
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO rewards_delivery_confirmation (program_id, order_id, "
                "member_id, confirmed_at) VALUES (%s, %s, %s, %s) "
                "ON CONFLICT (order_id) DO NOTHING",
                [program.id, order.order_id, member_id, now],
            )
        confirmation = DeliveryConfirmation.objects.get(order_id=order.order_id)
    _deliver_awards(program, confirmation, settings, now)
    return confirmation


def _deliver_awards(
    program: Program, confirmation: DeliveryConfirmation, settings: dict, now: datetime
) -> None:
    """Deliver every award of the order (the buyer's, the sponsor's) from the
    confirmation. Award rows first, then their members' accounts in ascending id
    order (``programs/locks.py``); an award not yet made (the order not yet seen
    paid) is delivered by the sync that makes it, which reads the confirmation."""
    with transaction.atomic():
        order_awards = list(
            locks.order_awards().filter(program=program, order_id=confirmation.order_id)
        )
        lot_ids = [award.lot_id for award in order_awards if award.lot_id is not None]
        lock_accounts(Lot.objects.filter(id__in=lot_ids).values_list("account_id", flat=True))
        for award in order_awards:
            if not award.reversed:
                awards.deliver(award, confirmation.confirmed_at, settings, now)
