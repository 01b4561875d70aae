"""Django discovers the app's models here; they live with the layer that owns them."""

from .events.models import AuditEvent
from .ledger.models import Account, Allocation, Entry, Hold, Lot, Program
from .programs.claims.models import Claim, ClaimDocument, ClaimEvent, ClaimLine, ReturnAddress
from .programs.loyalty.models import DeliveryConfirmation, OrderAward
from .programs.redemption.models import Redemption
from .programs.referrals.models import Referral, ReferralCode, ReferralInvite
from .programs.reviews.models import Review
from .programs.tiers.models import MemberTier, Tier
from .programs.vouchers.models import VoucherConversion

__all__ = [
    "Account",
    "Allocation",
    "AuditEvent",
    "Claim",
    "ClaimDocument",
    "ClaimEvent",
    "ClaimLine",
    "DeliveryConfirmation",
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
    "ReturnAddress",
    "Review",
    "VoucherConversion",
    "Tier",
]
