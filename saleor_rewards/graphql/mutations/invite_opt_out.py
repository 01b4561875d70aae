import graphene

from ...programs.referrals.optout import opt_out
from .base import RewardsMutation


class RewardsInviteOptOut(RewardsMutation):
    """Public: the link in an invitation mail; no invitation reaches its address again,
    from anyone (P6). Sending the same token again changes nothing."""

    class Arguments:
        token = graphene.String(required=True, description="The token of the mail's link.")

    opted_out = graphene.Boolean()

    @classmethod
    def perform(cls, root, info, *, token):
        opt_out(token)
        return {"opted_out": True}
