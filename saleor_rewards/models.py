"""Django discovers the app's models here; they live with the layer that owns them."""

from .events.models import AuditEvent
from .ledger.models import Account, Allocation, Entry, Hold, Lot, Program
from .programs.affiliates.models import Affiliate, AffiliateCommission, AffiliateVisit
from .programs.channel.models import MemberRestriction
from .programs.claims.models import Claim, ClaimDocument, ClaimEvent, ClaimLine, ReturnAddress
from .programs.loyalty.models import DeliveryConfirmation, OrderAward
from .programs.privacy.models import MemberConsent
from .programs.redemption.models import Redemption
from .programs.referrals.models import InviteOptOut, Referral, ReferralCode, ReferralInvite
from .programs.reminders.models import ExpiryReminder
from .programs.reviews.models import Review
from .programs.tiers.models import MemberTier, Tier
from .programs.vouchers.models import VoucherConversion
from .programs.withdrawals.models import Withdrawal

__all__ = [
    "Account",
    "Affiliate",
    "AffiliateCommission",
    "AffiliateVisit",
    "Allocation",
    "AuditEvent",
    "Claim",
    "ClaimDocument",
    "ClaimEvent",
    "ClaimLine",
    "DeliveryConfirmation",
    "Entry",
    "ExpiryReminder",
    "Hold",
    "InviteOptOut",
    "Lot",
    "MemberConsent",
    "MemberRestriction",
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
    "Withdrawal",
]
