"""Commissions on attributed orders (A3, A4): credited to the affiliate's cash
balance once when the order is first fully paid, pending until it is delivered (L2)
plus ``hold_days``, taken back with the order like points (L3).

``sync_commission`` is called by the order sync (``programs/orders/sync.py``) with
the order as it is now; it is safe to call any number of times (U6). The decision
to pay a commission is taken once, when the order is first seen paid, and kept on
the commission row (a zero row when nothing counts): a suspension or an expired
window later changes nothing, and neither re-earns anything.

Lock order (``programs/locks.py``): the commission row, the affiliate row (only
before the row exists), then the affiliate's cash account (through the ledger).
"""

import json
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction

from ...ledger import (
    Kind,
    LotSource,
    LotStatus,
    Reference,
    ReferenceType,
    credit,
    lock_accounts,
    open_account,
    revoke,
    void,
)
from ...ledger.models import Lot, Program
from .. import locks
from ..channel.restrictions import is_restricted
from ..loyalty import awards, delivery
from ..loyalty.earning import ZERO, OrderSnapshot
from . import rules
from .models import AffiliateCommission, AffiliateStatus
from .services import email_hash, visit_of_token


def _decide(program: Program, settings: dict, order: OrderSnapshot, now: datetime):
    """(affiliate, visit, lines, basis, percent, amount) the order earns, the amount
    zero when the affiliate may not earn on it (A1-A3: suspended, their own order,
    the window over); None when the attribution names no affiliate of the channel."""
    visit = visit_of_token(order.affiliate_attribution)
    if visit is None:
        return None
    affiliate = locks.affiliates().filter(id=visit.affiliate_id).first()
    if affiliate is None or affiliate.program_id != program.id or affiliate.member_id is None:
        return None
    percent = affiliate.commission_percent
    if percent is None:
        percent = settings["affiliate_commission_percent"]
    own = order.customer_id == affiliate.member_id or bool(
        order.customer_email
        and affiliate.email_hash
        and email_hash(order.customer_email) == affiliate.email_hash
    )
    if (
        own  # A3: never on the affiliate's own orders
        or affiliate.status != AffiliateStatus.APPROVED  # A1: suspended earn nothing new
        or is_restricted(affiliate.member_id)  # P5: no earning while restricted
        or not rules.within_window(visit.created_at, now, settings["affiliate_window_days"])
    ):
        return affiliate, visit, (), ZERO, percent, ZERO
    lines = rules.affiliate_lines(order, visit.product_id, settings["affiliate_collection"])
    basis = rules.lines_basis(order, lines)
    amount = rules.commission_for(basis, percent, program.currency)
    return affiliate, visit, lines, basis, percent, amount


def _locked(program: Program, order_id: str) -> AffiliateCommission | None:
    return locks.affiliate_commissions().filter(program=program, order_id=order_id).first()


def _open(program: Program, order: OrderSnapshot, decided, now: datetime) -> AffiliateCommission:
    affiliate, visit, lines, basis, percent, amount = decided
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rewards_affiliate_commission (program_id, order_id, affiliate_id, "
            "member_id, visit_id, line_ids, basis, percent, amount, refunded_basis, "
            "taken_back, reversed, created_at, updated_at) VALUES (%s, %s, %s, %s, %s, "
            "%s::jsonb, %s, %s, %s, 0, 0, false, %s, %s) "
            "ON CONFLICT (program_id, order_id) DO NOTHING",
            [
                program.id,
                order.order_id,
                affiliate.id,
                affiliate.member_id,
                visit.id,
                json.dumps([line.line_id for line in lines]),
                basis,
                percent,
                amount,
                now,
                now,
            ],
        )
    commission = _locked(program, order.order_id)
    if commission.lot_id is None and commission.amount > 0:
        account = open_account(program, commission.member_id, Kind.CASH)
        posting = credit(
            account,
            commission.amount,
            key=f"order:{order.order_id}:affiliate",
            source=LotSource.AFFILIATE,
            pending=True,
            reference=Reference(ReferenceType.ORDER, order.order_id),
            reason=f"Affiliate commission on order {order.label}",
            now=now,
        )
        commission.lot_id = posting.lot_id
        commission.save(update_fields=["lot", "updated_at"])
    return commission


def take_back(
    commission: AffiliateCommission,
    standing: Decimal,
    *,
    reversed_: bool,
    refunded: Decimal,
    reason: str,
    now: datetime,
) -> Decimal:
    """Take back what exceeds ``standing``: void while pending, revoke once available
    (down to zero, the rest the affiliate's debt, U8). Only ever grows."""
    target = commission.amount - max(ZERO, min(standing, commission.amount))
    delta = target - commission.taken_back
    fields = []
    if refunded > commission.refunded_basis:
        commission.refunded_basis = min(refunded, commission.basis)
        fields.append("refunded_basis")
    if reversed_ and not commission.reversed:
        commission.reversed = True
        fields.append("reversed")
    if delta > 0 and commission.lot_id is not None:
        key = f"order:{commission.order_id}:affiliate:taken:{target}"
        reference = Reference(ReferenceType.ORDER, commission.order_id)
        lot = Lot.objects.get(id=commission.lot_id)
        if lot.status == LotStatus.PENDING:
            void(lot.id, delta, key=key, reference=reference, reason=reason, now=now)
        else:
            revoke(lot.account_id, delta, key=key, reference=reference, reason=reason, now=now)
        commission.taken_back = target
        fields.append("taken_back")
    if fields:
        commission.save(update_fields=[*fields, "updated_at"])
    return max(delta, ZERO)


def settle(
    commission: AffiliateCommission, order: OrderSnapshot, settings: dict, now: datetime
) -> Decimal:
    """Bring the commission in line with the order (A4 = L3 for cash)."""
    refunded = rules.refunded_basis(order, commission.basis, commission.line_ids)
    reversed_ = order.cancelled or order.payment_failed or refunded >= commission.basis
    standing = (
        ZERO
        if reversed_
        else rules.standing_amount(commission.amount, commission.basis, refunded, order.currency)
    )
    if order.cancelled:
        why = "cancelled"
    elif order.payment_failed:
        why = "payment failed"
    else:
        why = "refunded"
    taken = take_back(
        commission,
        standing,
        reversed_=reversed_,
        refunded=refunded,
        reason=f"Affiliate commission: order {order.label} {why}",
        now=now,
    )
    delivered = delivery.delivered_at(order, settings, now)
    if delivered is not None and not reversed_:
        awards.deliver(commission, delivered, settings, now)
    return taken


def sync_commission(
    program: Program, settings: dict, order: OrderSnapshot, now: datetime
) -> tuple[Decimal, Decimal]:
    """The affiliate's commission on ``order``: (standing, taken back now)."""
    with transaction.atomic():
        commission = _locked(program, order.order_id)
        if commission is None:
            if (
                not order.affiliate_attribution
                or not order.fully_paid
                or order.cancelled
                or not settings["program_enabled"]
            ):
                return ZERO, ZERO
            decided = _decide(program, settings, order, now)
            if decided is None:
                return ZERO, ZERO
            commission = _open(program, order, decided, now)
        taken = settle(commission, order, settings, now)
        return commission.standing, taken


def deliver_confirmed(
    program: Program, order_id: str, confirmed_at: datetime, settings: dict, now: datetime
) -> None:
    """The customer confirmed the order's delivery (L2): its commission becomes
    available ``hold_days`` later, like the order's points."""
    with transaction.atomic():
        commission = _locked(program, order_id)
        if commission is None or commission.reversed or commission.lot_id is None:
            return
        lock_accounts(Lot.objects.filter(id=commission.lot_id).values_list("account_id", flat=True))
        awards.deliver(commission, confirmed_at, settings, now)
