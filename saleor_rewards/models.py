"""Django discovers the app's models here; they live with the layer that owns them."""

from .events.models import AuditEvent
from .ledger.models import Account, Allocation, Entry, Hold, Lot, Program
from .programs.loyalty.models import OrderAward
from .programs.referrals.models import Referral, ReferralCode, ReferralInvite
from .programs.reviews.models import Review
from .programs.vouchers.models import VoucherConversion
from .programs.redemption.models import Redemption
from .programs.tiers.models import MemberTier, Tier

__all__ = [
    "Account",
    "Allocation",
    "AuditEvent",
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
