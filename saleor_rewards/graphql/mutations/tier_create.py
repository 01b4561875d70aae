import graphene

from ...programs.tiers.editing import create_tier
from ..permissions import MANAGE_DISCOUNTS
from ..types.tiers import RewardsTier, RewardsTierInput, tier_input
from .base import RewardsMutation


class RewardsTierCreate(RewardsMutation):
    """Staff (MANAGE_DISCOUNTS): add a tier to a channel; members are re-levelled (T2)."""

    class Arguments:
        channel = graphene.String(required=True, description="Channel slug.")
        input = RewardsTierInput(required=True)

    tier = graphene.Field(RewardsTier)

    @classmethod
    def perform(cls, root, info, *, channel, input):
        context = info.context
        program = context.staff_program(channel, MANAGE_DISCOUNTS)
        tier = create_tier(
            program,
            tier_input(input),
            context.settings_for(program),
            actor=context.requestor.actor(),
        )
        context.shop.tier_discounts.tiers_changed(program)
        return {"tier": tier}
