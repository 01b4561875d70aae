"""GraphQL types of the affiliate program (A1-A4)."""

import graphene
from graphql_relay import to_global_id

from ...programs.affiliates import services as affiliates
from ...programs.affiliates.models import Affiliate, AffiliateStatus
from ...programs.affiliates.services import AffiliateAction
from ..ids import decode_int_id
from ..pagination import CountableConnection, connection_from_queryset
from .money import RewardsMoney

AFFILIATE_TYPE = "RewardsAffiliate"

RewardsAffiliateStatus = graphene.Enum(
    "RewardsAffiliateStatus", [(value.upper(), value) for value, _ in AffiliateStatus.CHOICES]
)
RewardsAffiliateAction = graphene.Enum(
    "RewardsAffiliateAction", [(value.upper(), value) for value, _ in AffiliateAction.CHOICES]
)


class RewardsAffiliateApplyInput(graphene.InputObjectType):
    website = graphene.String(description="Your website (http or https URL).")
    social_profiles = graphene.List(
        graphene.NonNull(graphene.String), description="Links to your social profiles."
    )
    audience = graphene.String(description="Who follows you, and how many.")
    message = graphene.String(description="Anything else the shop should know.")


class RewardsAffiliateStats(graphene.ObjectType):
    visits = graphene.Int(required=True, description="Visits reported through your links.")
    orders = graphene.Int(required=True, description="Orders earning you a commission.")
    commission_pending = graphene.Field(
        RewardsMoney, required=True, description="Earned, waiting for delivery (A4)."
    )
    commission_earned = graphene.Field(
        RewardsMoney, required=True, description="Earned and available in your cash balance."
    )
    pending_commission = graphene.Field(
        RewardsMoney, required=True, description="The same as commissionPending."
    )
    earned_commission = graphene.Field(
        RewardsMoney, required=True, description="The same as commissionEarned."
    )


class RewardsAffiliate(graphene.ObjectType):
    id = graphene.ID(required=True)
    channel = graphene.String(required=True)
    user_id = graphene.ID(description="Saleor's global id of the affiliate.")
    status = graphene.Field(RewardsAffiliateStatus, required=True)
    code = graphene.String(description="From the first approval on.")
    commission_percent = graphene.Float(
        required=True, description="What this affiliate earns: their own or the channel's."
    )
    website = graphene.String(required=True)
    social_profiles = graphene.List(graphene.NonNull(graphene.String), required=True)
    audience = graphene.String(required=True)
    message = graphene.String(required=True)
    note = graphene.String(required=True, description="The shop's note on the last decision.")
    created_at = graphene.DateTime(required=True)
    decided_at = graphene.DateTime()
    stats = graphene.Field(RewardsAffiliateStats, required=True)

    @staticmethod
    def resolve_id(root: Affiliate, info):
        return to_global_id(AFFILIATE_TYPE, root.id)

    @staticmethod
    def resolve_channel(root: Affiliate, info):
        return root.program.channel_slug

    @staticmethod
    def resolve_user_id(root: Affiliate, info):
        return to_global_id("User", root.member_id) if root.member_id else None

    @staticmethod
    def resolve_commission_percent(root: Affiliate, info):
        if root.commission_percent is not None:
            return root.commission_percent
        return info.context.settings_for(root.program)["affiliate_commission_percent"]

    @staticmethod
    def resolve_stats(root: Affiliate, info):
        stats = affiliates.stats(root)
        currency = root.program.currency
        pending = RewardsMoney(amount=stats.pending, currency=currency)
        earned = RewardsMoney(amount=stats.earned, currency=currency)
        return RewardsAffiliateStats(
            visits=stats.visits,
            orders=stats.orders,
            commission_pending=pending,
            commission_earned=earned,
            pending_commission=pending,
            earned_commission=earned,
        )


class RewardsAffiliateConnection(CountableConnection):
    class Meta:
        node = RewardsAffiliate


def affiliate_connection(rows, *, first=None, after=None):
    rows = rows.select_related("program").order_by("-id")
    return connection_from_queryset(RewardsAffiliateConnection, rows, first=first, after=after)


def decode_affiliate_id(global_id: str) -> int:
    return decode_int_id(global_id, AFFILIATE_TYPE, field="id")
