"""Earning on orders: the buyer's points (L1-L3) and the sponsor's reward (R6, R7).

``sync_order`` is the whole engine: given what the shop says about an order now, it
brings the ledger in line — credit once when first fully paid, activate once when
delivered, take back what cancellations and refunds remove. It is safe to call any
number of times, in any order of events (U6). The buyer's points and the sponsor's
reward are synced in two transactions, so that the row locks of one member never
wait on another member's while holding their own.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ..ledger import Kind, LotStatus, open_account
from ..ledger.models import Program
from . import awards, daily_cap, tiers
from .awards import NewAward
from .earning import (
    OrderSnapshot,
    earn_basis,
    points_for,
    refunded_basis,
    standing_points,
)
from .models import AwardKind, OrderAward, Referral

ONE = Decimal(1)


@dataclass
class SyncResult:
    loyalty_points: int = 0  # standing after this sync
    referral_points: int = 0
    taken_back: int = 0  # taken back by this sync


def _settle(award, order: OrderSnapshot, settings: dict, now: datetime, what: str) -> int:
    refunded = refunded_basis(order, award.basis)
    reversed_ = order.cancelled or refunded >= award.basis
    standing = 0 if reversed_ else standing_points(award.points, award.basis, refunded)
    reason = (
        f"Order {order.label} cancelled" if order.cancelled
        else f"Order {order.label} refunded"
    )  # fmt: skip
    taken = awards.take_back(
        award, standing, reversed_=reversed_, refunded=refunded,
        reason=f"{what}: {reason}", now=now,
    )  # fmt: skip
    if order.fulfilled and not reversed_:
        awards.deliver(award, settings, now)
    return taken


def _within_daily_cap(program: Program, settings: dict, member_id: int, points: int,
                      now: datetime) -> int:  # fmt: skip
    """Purchase points count against the daily cap only when the merchant says so
    (B3); the account is locked first, as the cap is read and credited under it."""
    if not settings["daily_cap_includes_purchases"] or settings["daily_points_cap"] <= 0:
        return points
    account = daily_cap.lock(open_account(program, member_id, Kind.POINTS))
    return daily_cap.capped(account, points, daily_cap.counted_sources(settings),
                            settings, now)  # fmt: skip


def sync_loyalty(program: Program, settings: dict, order: OrderSnapshot,
                 now: datetime, multiplier: Decimal = ONE) -> tuple[int, int]:  # fmt: skip
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
                program, order.order_id,
                NewAward(AwardKind.LOYALTY, order.customer_id, basis, percent, points,
                         f"Order {order.label} paid"),
                settings, now,
            )  # fmt: skip
        taken = _settle(award, order, settings, now, "Purchase points")
        return award.standing, taken


def sync_referral_reward(program: Program, settings: dict, order: OrderSnapshot,
                         now: datetime) -> tuple[int, int]:  # fmt: skip
    """The sponsor's reward on the friend's first paid order (R6, R7)."""
    if order.customer_id is None:
        return 0, 0
    with transaction.atomic():
        referral = (
            Referral.objects.select_for_update()
            .filter(friend_id=order.customer_id, sponsor_id__isnull=False)
            .first()
        )
        if referral is None:
            return 0, 0
        award = awards.locked_award(program, order.order_id, AwardKind.REFERRAL)
        if award is None:
            if (
                referral.rewarded_order_id
                or not order.fully_paid
                or order.cancelled
                or not settings["program_enabled"]
            ):
                return 0, 0
            basis = earn_basis(order)
            percent = settings["referral_reward_percent"]
            points = points_for(basis, percent, settings["points_per_unit"])
            points += settings["referral_reward_points"]
            award = awards.open_award(
                program, order.order_id,
                NewAward(AwardKind.REFERRAL, referral.sponsor_id, basis, percent,
                         points, f"Friend's first order {order.label}"),
                settings, now,
            )  # fmt: skip
            referral.rewarded_order_id = order.order_id
            referral.save(update_fields=["rewarded_order_id"])
        taken = _settle(award, order, settings, now, "Referral reward")
        if award.reversed and referral.rewarded_order_id == order.order_id:
            # R7: a cancelled or fully refunded first order frees the referral,
            # so the friend's next paid order counts as the first.
            referral.rewarded_order_id = ""
            referral.save(update_fields=["rewarded_order_id"])
            _pass_reward_on(program, settings, referral, now)
        return award.standing, taken


def _pass_reward_on(program: Program, settings: dict, referral: Referral,
                    now: datetime) -> None:  # fmt: skip
    """R7: the friend's next paid order that still stands takes the reward over.

    That order may have been paid (and delivered) before the first one was
    reversed, so its own sync found the referral taken and will not come again:
    its purchase-points award says what it earned on, what was refunded, and
    whether it was delivered (its lot is no longer pending).
    """
    rewarded = OrderAward.objects.filter(
        program=program, kind=AwardKind.REFERRAL, member_id=referral.sponsor_id
    ).values_list("order_id", flat=True)
    following = (
        OrderAward.objects.filter(program=program, kind=AwardKind.LOYALTY,
                                  member_id=referral.friend_id, reversed=False)
        .exclude(order_id__in=rewarded)
        .select_related("lot")
        .order_by("created_at", "id")
        .first()
    )  # fmt: skip
    if following is None or not settings["program_enabled"]:
        return
    percent = settings["referral_reward_percent"]
    points = points_for(following.basis, percent, settings["points_per_unit"])
    points += settings["referral_reward_points"]
    award = awards.open_award(
        program, following.order_id,
        NewAward(AwardKind.REFERRAL, referral.sponsor_id, following.basis, percent,
                 points, "Friend's next order (the first was reversed)"),
        settings, now,
    )  # fmt: skip
    referral.rewarded_order_id = following.order_id
    referral.save(update_fields=["rewarded_order_id"])
    if following.refunded_basis > 0:
        standing = standing_points(award.points, award.basis, following.refunded_basis)
        awards.take_back(award, standing, reversed_=False,
                         refunded=following.refunded_basis,
                         reason="Referral reward: order partly refunded", now=now)  # fmt: skip
    if following.lot is not None and following.lot.status != LotStatus.PENDING:
        awards.deliver(award, settings, now)  # that order was delivered


def sync_welcome_bonus(program: Program, settings: dict, order: OrderSnapshot,
                       now: datetime) -> tuple[int, int]:  # fmt: skip
    """The friend's own bonus on the order that rewarded their sponsor (R6).

    ``referee_signup_bonus_points`` go to the friend with the sponsor's reward:
    pending until delivery, taken back with the order. Its own transaction, after
    the sponsor's: one member's row locks at a time.
    """
    if order.customer_id is None:
        return 0, 0
    with transaction.atomic():
        award = awards.locked_award(program, order.order_id, AwardKind.WELCOME)
        if award is None:
            sponsor_award = awards.locked_award(program, order.order_id, AwardKind.REFERRAL)
            points = settings["referee_signup_bonus_points"]
            if sponsor_award is None or sponsor_award.reversed or points <= 0:
                return 0, 0
            award = awards.open_award(
                program, order.order_id,
                NewAward(AwardKind.WELCOME, order.customer_id, sponsor_award.basis,
                         Decimal(0), points, f"Welcome: referred friend's order {order.label}"),
                settings, now,
            )  # fmt: skip
        taken = _settle(award, order, settings, now, "Welcome bonus")
        return award.standing, taken


def sync_order(program: Program, settings: dict, order: OrderSnapshot, *,
               now: datetime | None = None,
               multiplier: Decimal | None = None) -> SyncResult:  # fmt: skip
    """Bring the ledger in line with ``order`` as it is now (L1-L3, R6, R7), then the
    buyer's tier (T3). ``multiplier`` None is the buyer's tier multiplier (L5)."""
    now = now or timezone.now()
    if multiplier is None:
        multiplier = tiers.earn_multiplier(program, order.customer_id)
    loyalty, taken = sync_loyalty(program, settings, order, now, multiplier)
    referral, taken_referral = sync_referral_reward(program, settings, order, now)
    _, taken_welcome = sync_welcome_bonus(program, settings, order, now)
    taken_referral += taken_welcome
    if order.customer_id is not None:
        # Its own transaction, after the award's: a payment upgrades, a refund
        # or cancellation downgrades (T3).
        tiers.recompute_member(
            program, order.customer_id, settings, now, verified=order.customer_verified
        )
    return SyncResult(loyalty, referral, taken + taken_referral)
