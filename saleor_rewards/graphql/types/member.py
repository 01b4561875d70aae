"""GraphQL object types of a member's rewards (API.md)."""

from dataclasses import dataclass
from decimal import Decimal

import graphene
from django.db.models import Case, F, TextField, Value, When
from graphql_relay import to_global_id

from ...ledger import Kind, expiring_soon, history
from ...ledger.constants import EntryType, ReferenceType
from ...programs.affiliates.services import affiliate_of
from ...programs.channel.members import Member
from ...programs.channel.restrictions import is_restricted
from ...programs.claims.models import Claim
from ...programs.claims.return_addresses import return_address_for
from ...programs.privacy.consent import consents_to_reminders
from ...programs.reviews.models import Review
from ...programs.withdrawals.models import Withdrawal
from ..dataloaders import AccountsByMember, Balances
from ..ids import decode_uuid_id
from ..pagination import CountableConnection, connection_from_queryset
from .affiliates import RewardsAffiliate
from .claims import RewardsClaimConnection, RewardsReturnAddress, claim_connection
from .money import RewardsMoney
from .privacy import RewardsConsent
from .referrals import RewardsReferral
from .reviews import RewardsReviewConnection, review_connection
from .tiers import RewardsMemberTier, member_tier_status
from .withdrawals import WITHDRAWAL_TYPE, RewardsWithdrawalConnection, withdrawal_connection

EXPIRING_SOON_DAYS = 30

RewardsBalanceKind = graphene.Enum(
    "RewardsBalanceKind",
    # DEPOSIT: the channel's merchant deposit (C3), in ``rewardsDeposit``'s history;
    # no member has one.
    [("POINTS", Kind.POINTS), ("CASH", Kind.CASH), ("DEPOSIT", Kind.DEPOSIT)],
)
RewardsEntryType = graphene.Enum(
    "RewardsEntryType", [(value.upper(), value) for value, _ in EntryType.CHOICES]
)

# Saleor objects are named by Saleor's own global ids (API.md).
_SALEOR_TYPES = {
    ReferenceType.ORDER: "Order",
    ReferenceType.CHECKOUT: "Checkout",
    # not Saleor's: the plugin's own, the id rewardsWithdrawalCancel takes
    ReferenceType.WITHDRAWAL: WITHDRAWAL_TYPE,
    ReferenceType.CLAIM: "RewardsClaim",
}

# What the member reads as the reason of a staff adjustment: the reason staff type
# is for staff (a ticket, a note about the customer), never shown to the customer (I3).
SHOP_ADJUSTMENT_REASON = "Adjusted by the shop"


@dataclass
class MemberForStaff(Member):
    """A member as staff see them (``rewardsMember``): adjustments with their reason."""


def _as_the_member_reads_them(entries):
    return entries.annotate(
        shown_reason=Case(
            When(type=EntryType.ADJUST, then=Value(SHOP_ADJUSTMENT_REASON)),
            default=F("reason"),
            output_field=TextField(),
        )
    )


class RewardsExpiringPoints(graphene.ObjectType):
    points = graphene.Int(required=True)
    expires_at = graphene.DateTime(required=True)


def member_balance(info, member: Member, kind: str):
    """A promise of the member's ``Balance`` of ``kind``, read once per request."""
    key = (member.program.id, member.member_id, kind, member.now)
    return Balances(info.context).load(key)


class RewardsPoints(graphene.ObjectType):
    available = graphene.Int(required=True, description="Spendable now.")
    pending = graphene.Int(required=True, description="Earned, not spendable yet.")
    held = graphene.Int(required=True, description="Reserved for a checkout.")
    expiring_soon = graphene.List(
        graphene.NonNull(RewardsExpiringPoints),
        required=True,
        description=f"Points expiring within {EXPIRING_SOON_DAYS} days, soonest first.",
    )

    @staticmethod
    def resolve_expiring_soon(root: Member, info):
        def lots(accounts):
            soon = expiring_soon(accounts.get(Kind.POINTS), days=EXPIRING_SOON_DAYS, now=root.at)
            return [RewardsExpiringPoints(points=int(p), expires_at=at) for p, at in soon]

        key = (root.program.id, root.member_id)
        return AccountsByMember(info.context).load(key).then(lots)

    @staticmethod
    def resolve_available(root: Member, info):
        return member_balance(info, root, Kind.POINTS).then(lambda b: int(b.available))

    @staticmethod
    def resolve_pending(root: Member, info):
        return member_balance(info, root, Kind.POINTS).then(lambda b: int(b.pending))

    @staticmethod
    def resolve_held(root: Member, info):
        return member_balance(info, root, Kind.POINTS).then(lambda b: int(b.held))


class RewardsCash(graphene.ObjectType):
    available = graphene.Field(RewardsMoney, required=True)
    pending = graphene.Field(RewardsMoney, required=True)
    held = graphene.Field(RewardsMoney, required=True)

    @staticmethod
    def _money(root: Member, info, bucket: str):
        return member_balance(info, root, Kind.CASH).then(
            lambda b: RewardsMoney(amount=getattr(b, bucket), currency=root.program.currency)
        )

    @staticmethod
    def resolve_available(root, info):
        return RewardsCash._money(root, info, "available")

    @staticmethod
    def resolve_pending(root, info):
        return RewardsCash._money(root, info, "pending")

    @staticmethod
    def resolve_held(root, info):
        return RewardsCash._money(root, info, "held")


class RewardsDebt(graphene.ObjectType):
    """What take-backs could not recover because the points were held on a checkout
    or already spent (L3, U8); paid by the next points that become spendable."""

    points = graphene.Int(required=True, description="Points owed.")
    cash = graphene.Field(RewardsMoney, required=True, description="Cash owed.")

    @staticmethod
    def resolve_points(root: Member, info):
        account = root.account(Kind.POINTS)
        return int(account.debt) if account else 0

    @staticmethod
    def resolve_cash(root: Member, info):
        account = root.account(Kind.CASH)
        amount = account.debt if account else Decimal(0)
        return RewardsMoney(amount=amount, currency=root.program.currency)


class RewardsReference(graphene.ObjectType):
    type = graphene.String(
        required=True, description="ORDER, CHECKOUT, REFERRAL, CLAIM, WITHDRAWAL, ..."
    )
    id = graphene.String(required=True, description="Saleor's global id for orders.")


def _number(entry, value):
    return int(value) if entry.account.kind == Kind.POINTS else value


class RewardsLedgerEntry(graphene.ObjectType):
    id = graphene.ID(required=True)
    created_at = graphene.DateTime(required=True)
    kind = graphene.Field(RewardsBalanceKind, required=True)
    type = graphene.Field(RewardsEntryType, required=True)
    amount = graphene.Float(
        required=True,
        description="Change of the member's total (available + pending + held).",
    )
    balance_after = graphene.Float(required=True, description="Available after it.")
    pending_after = graphene.Float(required=True)
    held_after = graphene.Float(required=True)
    unrecovered = graphene.Float(
        required=True,
        description="Part of a take-back the balance could not cover: owed (debt).",
    )
    debt_after = graphene.Float(
        required=True, description="What the member owes after it (L3, U8)."
    )
    expired = graphene.Float(required=True, description="Part of a return whose lots had expired.")
    expires_at = graphene.DateTime(description="Expiry of the points this credited.")
    reason = graphene.String(
        required=True,
        description=f"Why. Staff see an adjustment's reason; the member reads "
        f'"{SHOP_ADJUSTMENT_REASON}".',
    )
    reference = graphene.Field(RewardsReference)

    @staticmethod
    def resolve_id(root, info):
        return to_global_id("RewardsLedgerEntry", root.id)

    @staticmethod
    def resolve_kind(root, info):
        return root.account.kind

    @staticmethod
    def resolve_amount(root, info):
        return _number(root, root.amount)

    @staticmethod
    def resolve_balance_after(root, info):
        return _number(root, root.available_after)

    @staticmethod
    def resolve_pending_after(root, info):
        return _number(root, root.pending_after)

    @staticmethod
    def resolve_held_after(root, info):
        return _number(root, root.held_after)

    @staticmethod
    def resolve_unrecovered(root, info):
        return _number(root, root.unrecovered)

    @staticmethod
    def resolve_debt_after(root, info):
        return _number(root, root.debt_after)

    @staticmethod
    def resolve_expired(root, info):
        return _number(root, root.expired)

    @staticmethod
    def resolve_reason(root, info):
        return getattr(root, "shown_reason", root.reason)

    @staticmethod
    def resolve_expires_at(root, info):
        return root.lot.expires_at if root.lot_id else None

    @staticmethod
    def resolve_reference(root, info):
        if not root.reference_type:
            return None
        ref_id = root.reference_id
        if saleor_type := _SALEOR_TYPES.get(root.reference_type):
            ref_id = to_global_id(saleor_type, ref_id)
        return RewardsReference(type=root.reference_type, id=ref_id)


class RewardsLedgerEntryConnection(CountableConnection):
    class Meta:
        node = RewardsLedgerEntry


class RewardsMember(graphene.ObjectType):
    user_id = graphene.ID(required=True, description="Saleor's global id of the user.")
    channel = graphene.String(required=True)
    restricted = graphene.Boolean(
        required=True, description="Processing restricted: no earning, spending or mail (P5)."
    )
    consent = graphene.Field(RewardsConsent, required=True, description="P6.")
    points = graphene.Field(RewardsPoints, required=True)
    cash = graphene.Field(RewardsCash, required=True)
    debt = graphene.Field(
        RewardsDebt,
        required=True,
        description="What take-backs could not recover; paid by later points (L3, U8).",
    )
    referral = graphene.Field(
        RewardsReferral, required=True, description="Code, share links, friends (R1-R4)"
    )
    tier = graphene.Field(
        RewardsMemberTier,
        required=True,
        description="Membership tier and progress to the next (T1-T3).",
    )
    affiliate = graphene.Field(
        RewardsAffiliate,
        description="The member's affiliate application or account; null if they never "
        "applied (A1).",
    )
    history = graphene.Field(
        RewardsLedgerEntryConnection,
        required=True,
        first=graphene.Int(),
        after=graphene.String(),
        kind=RewardsBalanceKind(),
        description="Every change of the member's balances, newest first.",
    )
    withdrawals = graphene.Field(
        RewardsWithdrawalConnection,
        required=True,
        first=graphene.Int(),
        after=graphene.String(),
        description="The member's withdrawals in this channel, newest first (W5).",
    )
    reviews = graphene.Field(
        RewardsReviewConnection,
        required=True,
        first=graphene.Int(),
        after=graphene.String(),
        description="The member's reviews in this channel, newest first (B2).",
    )
    claims = graphene.Field(
        RewardsClaimConnection,
        required=True,
        first=graphene.Int(),
        after=graphene.String(),
        description="The member's guarantee claims in this channel, newest first (C1-C3).",
    )
    return_address = graphene.Field(
        RewardsReturnAddress,
        order_id=graphene.ID(required=True, description="Saleor Order id."),
        description="Where to send goods of this order back: the shop's return address "
        "for the order's shipping country (C5); null when there is none.",
    )

    @staticmethod
    def resolve_restricted(root: Member, info):
        return is_restricted(root.member_id)

    @staticmethod
    def resolve_consent(root: Member, info):
        return {"expiry_reminders": consents_to_reminders(root.program, root.member_id)}

    @staticmethod
    def resolve_user_id(root: Member, info):
        return to_global_id("User", root.member_id)

    @staticmethod
    def resolve_channel(root: Member, info):
        return root.program.channel_slug

    @staticmethod
    def resolve_points(root: Member, info):
        return root

    @staticmethod
    def resolve_cash(root: Member, info):
        return root

    @staticmethod
    def resolve_debt(root: Member, info):
        return root

    @staticmethod
    def resolve_referral(root: Member, info):
        return root

    @staticmethod
    def resolve_affiliate(root: Member, info):
        return affiliate_of(root.program, root.member_id)

    @staticmethod
    def resolve_tier(root: Member, info):
        return member_tier_status(root, info)

    @staticmethod
    def resolve_history(root: Member, info, first=None, after=None, kind=None):
        entries = history(root.accounts(kind)).select_related("account", "lot")
        if not isinstance(root, MemberForStaff):
            entries = _as_the_member_reads_them(entries)
        return connection_from_queryset(
            RewardsLedgerEntryConnection, entries, first=first, after=after
        )

    @staticmethod
    def resolve_reviews(root: Member, info, first=None, after=None):
        reviews = Review.objects.filter(program=root.program, member_id=root.member_id)
        return review_connection(reviews, first=first, after=after)

    @staticmethod
    def resolve_withdrawals(root: Member, info, first=None, after=None):
        withdrawals = Withdrawal.objects.filter(program=root.program, member_id=root.member_id)
        return withdrawal_connection(withdrawals, first=first, after=after)

    @staticmethod
    def resolve_claims(root: Member, info, first=None, after=None):
        claims = Claim.objects.filter(program=root.program, member_id=root.member_id)
        return claim_connection(claims, first=first, after=after)

    @staticmethod
    def resolve_return_address(root: Member, info, order_id):
        order = info.context.shop.claims.claim_order(
            decode_uuid_id(order_id, "Order", field="orderId")
        )
        if (
            order is None
            or order.snapshot.customer_id != root.member_id
            or order.snapshot.channel_slug != root.program.channel_slug
        ):
            return None
        return return_address_for(root.program, order.shipping_country)
