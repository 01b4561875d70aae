"""Earning on orders: the buyer's points (L1-L3), the sponsor's reward (R6, R7) and
the affiliate's commission (A3, A4).

``sync_order`` is the whole engine: given what the shop says about an order now, it
brings the ledger in line — credit once when first fully paid, activate once when
delivered, take back what cancellations and refunds remove. It is safe to call any
number of times, in any order of events (U6). The buyer's points, the sponsor's
reward and the affiliate's commission are synced in transactions of their own, so
that the row locks of one member never wait on another member's while holding
their own.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from ...ledger.models import Program
from ..affiliates.commissions import sync_commission
from ..loyalty.earning import OrderSnapshot
from ..loyalty.orders import sync_loyalty
from ..referrals.rewards import sync_referral_reward, sync_welcome_bonus
from ..tiers import services as tiers


@dataclass
class SyncResult:
    loyalty_points: int = 0  # standing after this sync
    referral_points: int = 0
    taken_back: int = 0  # taken back by this sync
    commission: Decimal = Decimal(0)  # the affiliate's, standing after this sync (A3)
    commission_taken_back: Decimal = Decimal(0)


def sync_order(
    program: Program,
    settings: dict,
    order: OrderSnapshot,
    *,
    now: datetime | None = None,
    multiplier: Decimal | None = None,
) -> SyncResult:
    """Bring the ledger in line with ``order`` as it is now (L1-L3, R6, R7), then the
    buyer's tier (T3). ``multiplier`` None is the buyer's tier multiplier (L5)."""
    now = now or timezone.now()
    if multiplier is None:
        multiplier = tiers.earn_multiplier(program, order.customer_id)
    loyalty, taken = sync_loyalty(program, settings, order, now, multiplier)
    referral, taken_referral = sync_referral_reward(program, settings, order, now)
    _, taken_welcome = sync_welcome_bonus(program, settings, order, now)
    taken_referral += taken_welcome
    commission, commission_taken = sync_commission(program, settings, order, now)
    if order.customer_id is not None:
        # Its own transaction, after the award's: a payment upgrades, a refund
        # or cancellation downgrades (T3).
        tiers.recompute_member(
            program, order.customer_id, settings, now, verified=order.customer_verified
        )
    return SyncResult(loyalty, referral, taken + taken_referral, commission, commission_taken)
