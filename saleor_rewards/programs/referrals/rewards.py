"""The sponsor's reward on a friend's first paid order and the friend's welcome bonus
(R6, R7), kept as order awards of the loyalty program."""

from datetime import datetime
from decimal import Decimal

from django.db import transaction

from ...ledger import LotStatus
from ...ledger.models import Program
from .. import locks
from ..loyalty import awards
from ..loyalty.awards import NewAward
from ..loyalty.earning import OrderSnapshot, earn_basis, points_for, standing_points
from ..loyalty.models import AwardKind, OrderAward
from ..loyalty.orders import settle
from .models import Referral


def sync_referral_reward(
    program: Program, settings: dict, order: OrderSnapshot, now: datetime
) -> tuple[int, int]:
    """The sponsor's reward on the friend's first paid order (R6, R7)."""
    if order.customer_id is None:
        return 0, 0
    with transaction.atomic():
        referral = (
            locks.referrals().filter(friend_id=order.customer_id, sponsor_id__isnull=False).first()
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
                program,
                order.order_id,
                NewAward(
                    AwardKind.REFERRAL,
                    referral.sponsor_id,
                    basis,
                    percent,
                    points,
                    f"Friend's first order {order.label}",
                ),
                settings,
                now,
            )
            referral.rewarded_order_id = order.order_id
            referral.save(update_fields=["rewarded_order_id"])
        taken = settle(award, order, settings, now, "Referral reward")
        if award.reversed and referral.rewarded_order_id == order.order_id:
            # R7: a cancelled or fully refunded first order frees the referral,
            # so the friend's next paid order counts as the first.
            referral.rewarded_order_id = ""
            referral.save(update_fields=["rewarded_order_id"])
            _pass_reward_on(program, settings, referral, now)
        return award.standing, taken


def _pass_reward_on(program: Program, settings: dict, referral: Referral, now: datetime) -> None:
    """R7: the friend's next paid order that still stands takes the reward over.

    That order may have been paid (and delivered) before the first one was
    reversed, so its own sync found the referral taken and will not come again:
    its purchase-points award says what it earned on, what was refunded, and
    whether it was delivered (its lot is no longer pending) or when it will be
    (its lot's date).
    """
    rewarded = OrderAward.objects.filter(
        program=program, kind=AwardKind.REFERRAL, member_id=referral.sponsor_id
    ).values_list("order_id", flat=True)
    following = (
        OrderAward.objects.filter(
            program=program, kind=AwardKind.LOYALTY, member_id=referral.friend_id, reversed=False
        )
        .exclude(order_id__in=rewarded)
        .select_related("lot")
        .order_by("created_at", "id")
        .first()
    )
    if following is None or not settings["program_enabled"]:
        return
    percent = settings["referral_reward_percent"]
    points = points_for(following.basis, percent, settings["points_per_unit"])
    points += settings["referral_reward_points"]
    award = awards.open_award(
        program,
        following.order_id,
        NewAward(
            AwardKind.REFERRAL,
            referral.sponsor_id,
            following.basis,
            percent,
            points,
            "Friend's next order (the first was reversed)",
        ),
        settings,
        now,
    )
    referral.rewarded_order_id = following.order_id
    referral.save(update_fields=["rewarded_order_id"])
    if following.refunded_basis > 0:
        standing = standing_points(award.points, award.basis, following.refunded_basis)
        awards.take_back(
            award,
            standing,
            reversed_=False,
            refunded=following.refunded_basis,
            reason="Referral reward: order partly refunded",
            now=now,
        )
    lot = following.lot
    if lot is not None and lot.status != LotStatus.PENDING:
        awards.deliver(award, now, settings, now)  # that order was delivered
    elif lot is not None and lot.available_at is not None:
        # That order's delivery is dated (auto_confirm_days, hold_days): the same.
        awards.make_available(award, lot.available_at, now)


def sync_welcome_bonus(
    program: Program, settings: dict, order: OrderSnapshot, now: datetime
) -> tuple[int, int]:
    """The friend's own bonus on the order that rewarded their sponsor (R6).

    ``referee_signup_bonus_points`` go to the friend with the sponsor's reward:
    pending until delivery, taken back with the order. Its own transaction, after
    the sponsor's: one member's row locks at a time. Both awards of the order are
    locked at once, in id order (the sponsor's is the older).
    """
    if order.customer_id is None:
        return 0, 0
    with transaction.atomic():
        locked = awards.locked_awards(
            program, order.order_id, (AwardKind.WELCOME, AwardKind.REFERRAL)
        )
        award = locked.get(AwardKind.WELCOME)
        if award is None:
            sponsor_award = locked.get(AwardKind.REFERRAL)
            points = settings["referee_signup_bonus_points"]
            if sponsor_award is None or sponsor_award.reversed or points <= 0:
                return 0, 0
            award = awards.open_award(
                program,
                order.order_id,
                NewAward(
                    AwardKind.WELCOME,
                    order.customer_id,
                    sponsor_award.basis,
                    Decimal(0),
                    points,
                    f"Welcome: referred friend's order {order.label}",
                ),
                settings,
                now,
            )
        taken = settle(award, order, settings, now, "Welcome bonus")
        return award.standing, taken
