"""The buyer's purchase points on an order (L1-L3): credited once when the order is
first fully paid, delivered once (when ``delivery`` says), taken back by
cancellations and refunds."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from ...ledger import Kind, lock_account, open_account
from ...ledger.models import Program
from . import awards, daily_cap, delivery
from .awards import NewAward
from .earning import OrderSnapshot, earn_basis, points_for, refunded_basis, standing_points
from .models import AwardKind

ONE = Decimal(1)


def settle(award, order: OrderSnapshot, settings: dict, now: datetime, what: str) -> int:
    """Bring ``award`` in line with the order (L3, R7): a cancelled order, or one whose
    payment failed after it was paid (the award exists only then), takes back all of
    it; refunds their share. Taking back is final: a later re-charge awards nothing."""
    refunded = refunded_basis(order, award.basis)
    reversed_ = order.cancelled or order.payment_failed or refunded >= award.basis
    standing = 0 if reversed_ else standing_points(award.points, award.basis, refunded)
    if order.cancelled:
        reason = f"Order {order.label} cancelled"
    elif order.payment_failed:
        reason = f"Order {order.label} payment failed"
    else:
        reason = f"Order {order.label} refunded"
    taken = awards.take_back(
        award,
        standing,
        reversed_=reversed_,
        refunded=refunded,
        reason=f"{what}: {reason}",
        now=now,
    )
    delivered = delivery.delivered_at(order, settings, now)
    if delivered is not None and not reversed_:
        awards.deliver(award, delivered, settings, now)
    return taken


def _within_daily_cap(
    program: Program, settings: dict, member_id: int, points: int, now: datetime
) -> int:
    """Purchase points count against the daily cap only when the merchant says so
    (B3); the account is locked first, as the cap is read and credited under it."""
    if not settings["daily_cap_includes_purchases"] or settings["daily_points_cap"] <= 0:
        return points
    account = open_account(program, member_id, Kind.POINTS)
    lock_account(account)
    return daily_cap.capped(account, points, daily_cap.counted_sources(settings), settings, now)


def sync_loyalty(
    program: Program, settings: dict, order: OrderSnapshot, now: datetime, multiplier: Decimal = ONE
) -> tuple[int, int]:
    """The buyer's purchase points for ``order``: (standing, taken back now)."""
    if order.customer_id is None:
        return 0, 0
    with transaction.atomic():
        award = awards.locked_award(program, order.order_id, AwardKind.LOYALTY)
        if award is None:
            if not order.fully_paid or order.cancelled or not settings["program_enabled"]:
                return 0, 0
            basis = earn_basis(order)
            percent = settings["loyalty_earn_percent"]
            points = points_for(basis, percent, settings["points_per_unit"], multiplier)
            points = _within_daily_cap(program, settings, order.customer_id, points, now)
            award = awards.open_award(
                program,
                order.order_id,
                NewAward(
                    AwardKind.LOYALTY,
                    order.customer_id,
                    basis,
                    percent,
                    points,
                    f"Order {order.label} paid",
                ),
                settings,
                now,
            )
        taken = settle(award, order, settings, now, "Purchase points")
        return award.standing, taken
