"""GraphQL types of the referral program (API.md ``rewardsMe.referral``, R1-R4)."""

import graphene
from graphql_relay import to_global_id

from ...programs.channel.members import Member
from ...programs.referrals import services as referrals
from ...programs.referrals.emails import mask_email
from ...programs.referrals.services import FriendState, ShareNetwork
from ..dataloaders import FriendStates, MemberEmails, ReferralCodes
from ..pagination import CountableConnection, connection_from_queryset

RewardsShareNetwork = graphene.Enum(
    "RewardsShareNetwork", [(value, value) for value, _ in ShareNetwork.CHOICES]
)
RewardsReferralFriendState = graphene.Enum(
    "RewardsReferralFriendState", [(value, value) for value, _ in FriendState.CHOICES]
)


class RewardsShareLink(graphene.ObjectType):
    network = graphene.Field(RewardsShareNetwork, required=True)
    url = graphene.String(required=True, description="Opens the network's share dialog.")


class RewardsReferralFriend(graphene.ObjectType):
    """A friend as their sponsor sees them: enough to recognise, not to contact."""

    id = graphene.ID(required=True)
    email = graphene.String(required=True, description="Masked, e.g. j***@example.com.")
    joined_at = graphene.DateTime(required=True, description="When they named you.")
    state = graphene.Field(RewardsReferralFriendState, required=True)

    @staticmethod
    def resolve_id(root, info):
        return to_global_id("RewardsReferralFriend", root.id)

    @staticmethod
    def resolve_email(root, info):
        return MemberEmails(info.context).load(root.friend_id).then(mask_email)

    @staticmethod
    def resolve_joined_at(root, info):
        return root.created_at

    @staticmethod
    def resolve_state(root, info):
        return FriendStates(info.context).load((root.sponsor_id, root.friend_id))


class RewardsReferralFriendConnection(CountableConnection):
    class Meta:
        node = RewardsReferralFriend


class RewardsSponsorship(graphene.ObjectType):
    """Whom the signed-in customer named as their sponsor (R3)."""

    code = graphene.String(required=True, description="The sponsor's referral code.")
    joined_at = graphene.DateTime(required=True)

    @staticmethod
    def resolve_code(root, info):
        # The sponsor has a code: claiming names it, and naming a sponsor by e-mail
        # creates it (``referrals.attribute``).
        return ReferralCodes(info.context).load(root.sponsor_id)

    @staticmethod
    def resolve_joined_at(root, info):
        return root.created_at


class RewardsReferral(graphene.ObjectType):
    code = graphene.String(
        description="The member's referral code (R1); null until it is created: at "
        "registration, when the plugin is switched on, or by the member's first "
        "invitation."
    )
    url = graphene.String(
        description="Share URL; null until the shop sets storefront_referral_url "
        "(or while the member has no code)."
    )
    share_links = graphene.List(graphene.NonNull(RewardsShareLink), required=True)
    friends_count = graphene.Int(required=True)
    friends_limit = graphene.Int(required=True, description="referral_max_friends (R4).")
    friends = graphene.Field(
        RewardsReferralFriendConnection,
        required=True,
        first=graphene.Int(),
        after=graphene.String(),
        description="Friends who named this member, newest first.",
    )
    sponsor = graphene.Field(
        RewardsSponsorship, description="Whom this member named; null: nobody yet."
    )

    @staticmethod
    def resolve_code(root: Member, info):
        return ReferralCodes(info.context).load(root.member_id)

    @staticmethod
    def resolve_url(root: Member, info):
        settings = info.context.settings_for(root.program)
        return RewardsReferral.resolve_code(root, info).then(
            lambda code: referrals.share_url(settings, code) if code else None
        )

    @staticmethod
    def resolve_share_links(root: Member, info):
        def links(url):
            shop_name = info.context.shop.customers.shop_name() if url else ""
            return [
                RewardsShareLink(network=network, url=link)
                for network, link in referrals.share_links(url, shop_name)
            ]

        return RewardsReferral.resolve_url(root, info).then(links)

    @staticmethod
    def resolve_friends_count(root: Member, info):
        return referrals.friends_of(root.member_id).count()

    @staticmethod
    def resolve_friends_limit(root: Member, info):
        return info.context.settings_for(root.program)["referral_max_friends"]

    @staticmethod
    def resolve_sponsor(root: Member, info):
        return referrals.sponsorship_of(root.member_id)

    @staticmethod
    def resolve_friends(root: Member, info, first=None, after=None):
        # Each friend's e-mail and state come from loaders: one batch per page.
        return connection_from_queryset(
            RewardsReferralFriendConnection,
            referrals.friends_of(root.member_id),
            first=first,
            after=after,
        )
