import graphene

from ...programs.referrals import services as referrals
from .base import RewardsMutation
from .referral_claim import referral_settings


class RewardsReferralInvite(RewardsMutation):
    class Meta:
        description = (
            "Customer: e-mail invitations with your referral link (R2). Addresses "
            "are deduplicated; ones you invited before are skipped. At most "
            f"{referrals.INVITES_PER_REQUEST} addresses a request and "
            f"{referrals.INVITES_PER_DAY} invitations in 24 hours."
        )

    class Arguments:
        channel = graphene.String(required=True, description="Channel slug.")
        emails = graphene.List(graphene.NonNull(graphene.String), required=True)

    sent = graphene.Int(description="Invitations sent now.")
    skipped = graphene.Int(description="Repeats, your own address, invited before.")
    sent_emails = graphene.List(graphene.NonNull(graphene.String))
    skipped_emails = graphene.List(graphene.NonNull(graphene.String))

    @classmethod
    def perform(cls, root, info, *, channel, emails):
        context = info.context
        sponsor = referrals.Person(context.requestor.require_user())
        shop = context.shop
        result = referrals.invite(
            sponsor, emails, shop.customers, shop.mailer, referral_settings(context, channel)
        )
        return {
            "sent": len(result.sent),
            "skipped": len(result.skipped),
            "sent_emails": result.sent,
            "skipped_emails": result.skipped,
        }
