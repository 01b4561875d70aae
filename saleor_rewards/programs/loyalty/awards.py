"""Order awards: a pending lot per (order, kind), activated on delivery (``delivery``
says when that is), taken back on cancellation and refunds (L2, L3, R6, R7).

Every function here runs inside the caller's transaction with the award row locked
(``locked_award``), then the ledger locks the member's account: award row first,
account second, as ``programs/locks.py`` orders them. Ledger keys derive from the
order and the cumulative amount taken back, so a replay posts nothing new (U6).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection

from ...ledger import (
    Kind,
    LotSource,
    LotStatus,
    Reference,
    ReferenceType,
    activate,
    activate_at,
    credit,
    open_account,
    revoke,
    void,
)
from ...ledger.models import Lot, Program
from .. import locks
from ..channel.restrictions import is_restricted
from .models import AwardKind, OrderAward

SOURCE = {
    AwardKind.LOYALTY: LotSource.LOYALTY,
    AwardKind.REFERRAL: LotSource.REFERRAL,
    AwardKind.WELCOME: LotSource.REFERRAL,
}
EXPIRY_SETTING = {
    AwardKind.LOYALTY: "expiry_days_loyalty",
    AwardKind.REFERRAL: "expiry_days_referral",
    AwardKind.WELCOME: "expiry_days_referral",
}


@dataclass(frozen=True)
class NewAward:
    kind: str
    member_id: int
    basis: Decimal
    percent: Decimal
    points: int
    reason: str


def locked_award(program: Program, order_id: str, kind: str) -> OrderAward | None:
    return locks.order_awards().filter(program=program, order_id=order_id, kind=kind).first()


def locked_awards(program: Program, order_id: str, kinds) -> dict[str, OrderAward]:
    """The order's awards of ``kinds`` by kind, locked in one go (in id order)."""
    rows = locks.order_awards().filter(program=program, order_id=order_id, kind__in=kinds)
    return {award.kind: award for award in rows}


def open_award(
    program: Program, order_id: str, new: NewAward, settings: dict, now: datetime
) -> OrderAward:
    """Record the award and credit its pending lot; returns the locked row.

    A concurrent first sync of the same order waits on the unique row and then
    finds it (``ON CONFLICT DO NOTHING``), so the lot is credited once. A member
    whose processing is restricted (P5) gets the award at 0 points: the order is
    settled for good, lifting the restriction later does not pay it.
    """
    points = 0 if is_restricted(new.member_id) else new.points
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rewards_order_award (program_id, order_id, kind, member_id, "
            "basis, percent, points, refunded_basis, taken_back, reversed, created_at, "
            "updated_at) VALUES (%s, %s, %s, %s, %s, %s, %s, 0, 0, false, %s, %s) "
            "ON CONFLICT (program_id, order_id, kind) DO NOTHING",
            [
                program.id,
                order_id,
                new.kind,
                new.member_id,
                new.basis,
                new.percent,
                points,
                now,
                now,
            ],
        )
    award = locked_award(program, order_id, new.kind)
    if award.lot_id is None and award.points > 0:
        account = open_account(program, award.member_id, Kind.POINTS)
        posting = credit(
            account,
            award.points,
            key=f"order:{order_id}:{award.kind}",
            source=SOURCE[award.kind],
            pending=True,
            expires_in_days=settings[EXPIRY_SETTING[award.kind]],
            reference=Reference(ReferenceType.ORDER, order_id),
            reason=new.reason,
            now=now,
        )
        award.lot_id = posting.lot_id
        award.save(update_fields=["lot", "updated_at"])
    return award


def take_back(
    award: OrderAward,
    standing: int,
    *,
    reversed_: bool,
    refunded: Decimal,
    reason: str,
    now: datetime,
) -> int:
    """Take back what exceeds ``standing``: void while pending, revoke once available.

    Returns the points taken back now. Never gives back what was taken: refunds
    and cancellations only grow.
    """
    target = award.points - max(0, min(standing, award.points))
    delta = target - award.taken_back
    fields = []
    if refunded > award.refunded_basis:
        award.refunded_basis = min(refunded, award.basis)
        fields.append("refunded_basis")
    if reversed_ and not award.reversed:
        award.reversed = True
        fields.append("reversed")
    if delta > 0:
        key = f"order:{award.order_id}:{award.kind}:taken:{target}"
        reference = Reference(ReferenceType.ORDER, award.order_id)
        lot = Lot.objects.get(id=award.lot_id)
        if lot.status == LotStatus.PENDING:
            void(lot.id, delta, key=key, reference=reference, reason=reason, now=now)
        else:
            revoke(lot.account_id, delta, key=key, reference=reference, reason=reason, now=now)
        award.taken_back = target
        fields.append("taken_back")
    if fields:
        award.save(update_fields=[*fields, "updated_at"])
    return max(delta, 0)


def deliver(award: OrderAward, delivered_at: datetime, settings: dict, now: datetime) -> bool:
    """The order counts as delivered at ``delivered_at``: its lot becomes spendable
    ``hold_days`` later (L2). Returns whether it became spendable now."""
    return make_available(award, delivered_at + timedelta(days=settings["hold_days"]), now)


def make_available(award: OrderAward, at: datetime, now: datetime) -> bool:
    """The award's lot becomes spendable at ``at``: now when that has come.

    A later time only dates the lot; the scheduled activation job makes it
    spendable then. A lot already dated later is brought forward (the customer
    confirmed delivery before the automatic date), never pushed back, so a
    repeated delivery changes nothing; activating twice does nothing either (the
    ledger's key). Returns whether the lot became spendable now.
    """
    if award.lot_id is None or award.standing <= 0:
        return False
    lot = Lot.objects.get(id=award.lot_id)
    if lot.status != LotStatus.PENDING:
        return False
    if at > now:
        activate_at(lot.id, at, sooner=True)
        return False
    return activate(lot.id, now=now) is not None
