import graphene

from ...programs.tiers.editing import delete_tier
from ..permissions import MANAGE_DISCOUNTS
from ..types.tiers import RewardsTier, existing_tier
from .base import RewardsMutation


class RewardsTierDelete(RewardsMutation):
    """Staff (MANAGE_DISCOUNTS): delete a tier; its members move to the tier their
    consumption reaches (T2). A channel keeps at least one tier."""

    class Arguments:
        id = graphene.ID(required=True)

    tier = graphene.Field(RewardsTier, description="The deleted tier.")

    @classmethod
    def perform(cls, root, info, *, id):
        context = info.context
        context.requestor.require_perm(MANAGE_DISCOUNTS)
        tier = existing_tier(id)
        context.requestor.require_channel(tier.program.channel_slug)
        settings = context.settings_for(tier.program)
        tier = delete_tier(tier.id, settings, actor=context.requestor.actor())
        context.shop.tier_discounts.tiers_changed(tier.program)
        return {"tier": tier}
