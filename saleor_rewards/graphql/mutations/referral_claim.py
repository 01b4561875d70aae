import graphene

from ...ledger.errors import ProgramDisabled
from ...programs.referrals import services as referrals
from ...programs.referrals.models import ReferralSource
from ..types.referrals import RewardsSponsorship
from .base import RewardsMutation


def referral_settings(context, channel: str) -> dict:
    """The channel's settings, refusing while its program is switched off."""
    settings = context.settings_for(context.program(channel))
    if not settings["program_enabled"]:
        raise ProgramDisabled("The rewards program is switched off in this channel.")
    return settings


class RewardsReferralClaim(RewardsMutation):
    """Customer: name your sponsor by their referral code, before your first paid
    order (R3-R5)."""

    class Arguments:
        channel = graphene.String(required=True, description="Channel slug.")
        code = graphene.String(required=True, description="The sponsor's referral code.")

    sponsor = graphene.Field(RewardsSponsorship)

    @classmethod
    def perform(cls, root, info, *, channel, code):
        context = info.context
        friend = referrals.Person(context.requestor.require_user())
        referral = referrals.attribute(
            friend,
            context.shop.customers,
            referral_settings(context, channel),
            source=ReferralSource.CLAIM,
            code=code,
        )
        return {"sponsor": referral}
