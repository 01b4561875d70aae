"""The plugin's GraphQL schema (API.md). Imports nothing from Saleor."""

import graphene

from ..ledger.errors import RewardsError as DomainError
from ..programs.channel.members import Member
from ..programs.channel.settings import program_settings
from ..programs.claims.models import Claim, ReturnAddress
from ..programs.reviews.models import Review
from ..programs.tiers import services as tiers
from .errors import query_error
from .ids import decode_int_id
from .mutations.balance_adjust import RewardsBalanceAdjust
from .mutations.checkout_redeem import RewardsCheckoutRedeem
from .mutations.checkout_redeem_remove import RewardsCheckoutRedeemRemove
from .mutations.claim_process import RewardsClaimProcess
from .mutations.claim_respond import RewardsClaimRespond
from .mutations.claim_submit import RewardsClaimSubmit
from .mutations.deposit_adjust import RewardsDepositAdjust, deposit_view
from .mutations.order_confirm_delivery import RewardsOrderConfirmDelivery
from .mutations.program_update import RewardsProgramUpdate
from .mutations.referral_claim import RewardsReferralClaim
from .mutations.referral_invite import RewardsReferralInvite
from .mutations.return_address_set import RewardsReturnAddressDelete, RewardsReturnAddressSet
from .mutations.review_moderate import RewardsReviewModerate
from .mutations.review_submit import RewardsReviewSubmit
from .mutations.tier_create import RewardsTierCreate
from .mutations.tier_delete import RewardsTierDelete
from .mutations.tier_update import RewardsTierUpdate
from .mutations.voucher_create import RewardsVoucherCreate
from .permissions import MANAGE_DISCOUNTS, MANAGE_ORDERS, MANAGE_PLUGINS, MANAGE_USERS
from .types.claims import (
    RewardsClaim,
    RewardsClaimConnection,
    RewardsClaimStatus,
    RewardsReturnAddress,
    claim_connection,
    decode_claim_id,
)
from .types.deposit import RewardsDeposit
from .types.member import MemberForStaff, RewardsMember
from .types.program import RewardsProgram
from .types.reviews import RewardsReviewConnection, RewardsReviewStatus, review_connection
from .types.tiers import RewardsTier


def _domain_errors_as_graphql(resolver):
    def resolve(root, info, **kwargs):
        try:
            return resolver(root, info, **kwargs)
        except DomainError as error:
            raise query_error(error) from error

    return resolve


class Query(graphene.ObjectType):
    rewards_me = graphene.Field(
        RewardsMember,
        channel=graphene.String(required=True),
        description="The signed-in customer's rewards in a channel.",
    )
    rewards_member = graphene.Field(
        RewardsMember,
        user_id=graphene.ID(required=True),
        channel=graphene.String(required=True),
        description="Staff: a member's rewards (MANAGE_USERS).",
    )
    rewards_reviews = graphene.Field(
        RewardsReviewConnection,
        required=True,
        status=RewardsReviewStatus(),
        channel=graphene.String(description="Only this channel's reviews."),
        first=graphene.Int(),
        after=graphene.String(),
        description="Staff: reviews to moderate, newest first (MANAGE_USERS); without "
        "a channel, those of every channel the caller may act in.",
    )
    rewards_tiers = graphene.List(
        graphene.NonNull(RewardsTier),
        required=True,
        channel=graphene.String(required=True),
        description="Staff: a channel's membership tiers, lowest first (MANAGE_USERS or "
        "MANAGE_DISCOUNTS).",
    )

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_me(root, info, channel):
        user_id = info.context.requestor.require_user()
        return Member(info.context.program(channel), user_id)

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_member(root, info, user_id, channel):
        context = info.context
        program = context.staff_program(channel, MANAGE_USERS)
        member_id = decode_int_id(user_id, "User", field="userId")
        if not context.shop.channels.member_exists(member_id):
            return None
        return MemberForStaff(program, member_id)

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_reviews(root, info, status=None, channel=None, first=None, after=None):
        context = info.context
        context.requestor.require_perm(MANAGE_USERS)
        reviews = Review.objects.all()
        if status:
            reviews = reviews.filter(status=status)
        if channel:
            reviews = reviews.filter(program=context.staff_program(channel, MANAGE_USERS))
        elif context.requestor.channels is not None:
            reviews = reviews.filter(program__channel_slug__in=context.requestor.channels)
        return review_connection(reviews, first=first, after=after)

    # Program settings (MANAGE_PLUGINS)
    rewards_program = graphene.Field(
        RewardsProgram,
        channel=graphene.String(required=True),
        description="Staff / Apps: a channel's program settings (MANAGE_PLUGINS).",
    )

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_program(root, info, channel):
        context = info.context
        program = context.staff_program(channel, MANAGE_PLUGINS)
        return program_settings(program, context.plugin_settings)

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_tiers(root, info, channel):
        context = info.context
        return tiers.tiers_of(context.staff_program(channel, MANAGE_USERS, MANAGE_DISCOUNTS))

    # Guarantee claims, the merchant deposit, return addresses (MANAGE_ORDERS, C1-C5)
    rewards_claims = graphene.Field(
        RewardsClaimConnection,
        required=True,
        channel=graphene.String(required=True),
        status=RewardsClaimStatus(),
        first=graphene.Int(),
        after=graphene.String(),
        description="Staff: a channel's guarantee claims with their evidence and lines, "
        "newest first (MANAGE_ORDERS).",
    )
    rewards_claim = graphene.Field(
        RewardsClaim,
        id=graphene.ID(required=True),
        description="Staff: one guarantee claim (MANAGE_ORDERS); the buyer reads theirs "
        "in rewardsMe { claims }.",
    )
    rewards_deposit = graphene.Field(
        RewardsDeposit,
        required=True,
        channel=graphene.String(required=True),
        description="Staff: the channel's merchant security deposit (MANAGE_ORDERS, C3).",
    )
    rewards_return_addresses = graphene.List(
        graphene.NonNull(RewardsReturnAddress),
        required=True,
        channel=graphene.String(required=True),
        description="Staff: the channel's return addresses by country (MANAGE_ORDERS, C5).",
    )

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_claims(root, info, channel, status=None, first=None, after=None):
        program = info.context.staff_program(channel, MANAGE_ORDERS)
        claims = Claim.objects.filter(program=program)
        if status:
            claims = claims.filter(status=status)
        return claim_connection(claims, first=first, after=after)

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_claim(root, info, id):
        context = info.context
        context.requestor.require_perm(MANAGE_ORDERS)
        claim = Claim.objects.select_related("program").filter(id=decode_claim_id(id)).first()
        if claim is None or not context.requestor.may_act_in(claim.program.channel_slug):
            return None
        return claim

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_deposit(root, info, channel):
        context = info.context
        return deposit_view(context.staff_program(channel, MANAGE_ORDERS), context)

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_return_addresses(root, info, channel):
        program = info.context.staff_program(channel, MANAGE_ORDERS)
        return ReturnAddress.objects.filter(program=program).order_by("country")


class Mutation(graphene.ObjectType):
    rewards_balance_adjust = RewardsBalanceAdjust.Field()
    rewards_referral_claim = RewardsReferralClaim.Field()
    rewards_referral_invite = RewardsReferralInvite.Field()
    rewards_review_submit = RewardsReviewSubmit.Field()
    rewards_review_moderate = RewardsReviewModerate.Field()
    rewards_program_update = RewardsProgramUpdate.Field()
    rewards_voucher_create = RewardsVoucherCreate.Field()
    rewards_checkout_redeem = RewardsCheckoutRedeem.Field()
    rewards_checkout_redeem_remove = RewardsCheckoutRedeemRemove.Field()
    rewards_order_confirm_delivery = RewardsOrderConfirmDelivery.Field()
    rewards_tier_create = RewardsTierCreate.Field()
    rewards_tier_update = RewardsTierUpdate.Field()
    rewards_tier_delete = RewardsTierDelete.Field()
    rewards_claim_submit = RewardsClaimSubmit.Field()
    rewards_claim_respond = RewardsClaimRespond.Field()
    rewards_claim_process = RewardsClaimProcess.Field()
    rewards_deposit_adjust = RewardsDepositAdjust.Field()
    rewards_return_address_set = RewardsReturnAddressSet.Field()
    rewards_return_address_delete = RewardsReturnAddressDelete.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
