"""Django discovers the app's models here; they live with the layer that owns them."""

from .ledger.models import Account, Allocation, Entry, Hold, Lot, Program
from .programs.models import (
    OrderAward,
    Referral,
    ReferralCode,
    ReferralInvite,
    Review,
    VoucherConversion,
)
from .programs.redemption_models import Redemption
from .programs.tier_models import MemberTier, Tier

__all__ = [
    "Account",
    "Allocation",
    "Entry",
    "Hold",
    "Lot",
    "MemberTier",
    "OrderAward",
    "Program",
    "Redemption",
    "Referral",
    "ReferralCode",
    "ReferralInvite",
    "Review",
    "VoucherConversion",
    "Tier",
]
