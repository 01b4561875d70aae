import graphene

from ...programs.affiliates import services as affiliates
from ..types.affiliates import RewardsAffiliate, RewardsAffiliateApplyInput
from .base import RewardsMutation


class RewardsAffiliateApply(RewardsMutation):
    """Customer: apply to the channel's affiliate program (A1); staff decide. A
    rejected member may apply again."""

    class Arguments:
        channel = graphene.String(required=True, description="Channel slug.")
        input = RewardsAffiliateApplyInput(required=True)

    affiliate = graphene.Field(RewardsAffiliate)

    @classmethod
    def perform(cls, root, info, *, channel, input):
        context = info.context
        user_id = context.requestor.require_user()
        program = context.program(channel)
        affiliate = affiliates.apply(
            program,
            user_id,
            affiliates.Application(
                website=input.get("website") or "",
                social_profiles=tuple(input.get("social_profiles") or ()),
                audience=input.get("audience") or "",
                message=input.get("message") or "",
            ),
            settings=context.settings_for(program),
            email=context.requestor.email or context.shop.affiliates.member_email(user_id),
        )
        return {"affiliate": affiliate}
