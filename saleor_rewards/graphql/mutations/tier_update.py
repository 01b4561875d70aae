import graphene

from ...programs.tiers.editing import update_tier
from ..permissions import MANAGE_DISCOUNTS
from ..types.tiers import RewardsTier, RewardsTierInput, existing_tier, tier_input
from .base import RewardsMutation


class RewardsTierUpdate(RewardsMutation):
    """Staff (MANAGE_DISCOUNTS): change a tier; members are re-levelled at once (T2)."""

    class Arguments:
        id = graphene.ID(required=True)
        input = RewardsTierInput(required=True)

    tier = graphene.Field(RewardsTier)

    @classmethod
    def perform(cls, root, info, *, id, input):
        context = info.context
        context.requestor.require_perm(MANAGE_DISCOUNTS)
        tier = existing_tier(id)
        context.requestor.require_channel(tier.program.channel_slug)
        settings = context.settings_for(tier.program)
        tier = update_tier(tier.id, tier_input(input), settings, actor=context.requestor.actor())
        context.shop.tier_discounts.tiers_changed(tier.program)
        return {"tier": tier}
