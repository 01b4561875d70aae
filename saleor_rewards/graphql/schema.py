"""The plugin's GraphQL schema (API.md). Imports nothing from Saleor."""

import graphene

from ..events.models import AuditEvent
from ..ledger.errors import InvalidInput
from ..ledger.errors import RewardsError as DomainError
from ..programs.affiliates import services as affiliates
from ..programs.affiliates.models import Affiliate
from ..programs.channel.members import Member
from ..programs.channel.settings import program_settings
from ..programs.claims.models import Claim, ReturnAddress
from ..programs.liability.report import MAX_DAYS, liability
from ..programs.privacy.export import export_member
from ..programs.reviews.models import Review
from ..programs.tiers import services as tiers
from ..programs.withdrawals.models import Withdrawal
from .errors import query_error
from .ids import decode_id, decode_int_id
from .mutations.affiliate_apply import RewardsAffiliateApply
from .mutations.affiliate_review import RewardsAffiliateReview
from .mutations.affiliate_track_visit import RewardsAffiliateTrackVisit
from .mutations.balance_adjust import RewardsBalanceAdjust
from .mutations.checkout_redeem import RewardsCheckoutRedeem
from .mutations.checkout_redeem_remove import RewardsCheckoutRedeemRemove
from .mutations.claim_process import RewardsClaimProcess
from .mutations.claim_respond import RewardsClaimRespond
from .mutations.claim_submit import RewardsClaimSubmit
from .mutations.consent_update import RewardsConsentUpdate
from .mutations.deposit_adjust import RewardsDepositAdjust, deposit_view
from .mutations.invite_opt_out import RewardsInviteOptOut
from .mutations.member_erase import RewardsMemberErase
from .mutations.member_restrict import RewardsMemberRestrict
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
from .mutations.withdrawal_cancel import RewardsWithdrawalCancel
from .mutations.withdrawal_mark_paid import RewardsWithdrawalMarkPaid
from .mutations.withdrawal_payout_file import RewardsWithdrawalPayoutFile
from .mutations.withdrawal_process import RewardsWithdrawalProcess
from .mutations.withdrawal_request import RewardsWithdrawalRequest
from .permissions import (
    HANDLE_PAYMENTS,
    MANAGE_DISCOUNTS,
    MANAGE_ORDERS,
    MANAGE_PLUGINS,
    MANAGE_USERS,
)
from .types.affiliates import (
    RewardsAffiliateConnection,
    RewardsAffiliateStatus,
    affiliate_connection,
)
from .types.audit import (
    RewardsAuditEventConnection,
    actor_filter,
    audit_event_connection,
    subject_filter,
)
from .types.claims import (
    RewardsClaim,
    RewardsClaimConnection,
    RewardsClaimStatus,
    RewardsReturnAddress,
    claim_connection,
    decode_claim_id,
)
from .types.deposit import RewardsDeposit
from .types.liability import RewardsLiability
from .types.member import MemberForStaff, RewardsMember
from .types.program import RewardsProgram
from .types.reviews import RewardsReviewConnection, RewardsReviewStatus, review_connection
from .types.tiers import RewardsTier
from .types.withdrawals import (
    RewardsWithdrawalConnection,
    RewardsWithdrawalStatus,
    withdrawal_connection,
)


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

    rewards_data_export = graphene.JSONString(
        required=True,
        description="Everything the rewards plugin holds about the signed-in customer, "
        "every channel and feature, as JSON (P1: access and portability).",
    )
    rewards_affiliate_applications = graphene.Field(
        RewardsAffiliateConnection,
        required=True,
        channel=graphene.String(required=True),
        status=RewardsAffiliateStatus(),
        first=graphene.Int(),
        after=graphene.String(),
        description="Staff: affiliate applications and affiliates of a channel, newest "
        "first (MANAGE_USERS).",
    )
    rewards_affiliate_link = graphene.String(
        channel=graphene.String(required=True),
        product_id=graphene.ID(required=True),
        description="Approved affiliate: your storefront link to a product (A1); null "
        "until the shop sets its storefront affiliate link.",
    )

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_data_export(root, info):
        return export_member(info.context.requestor.require_user())

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_affiliate_applications(
        root, info, channel, status=None, first=None, after=None
    ):
        program = info.context.staff_program(channel, MANAGE_USERS)
        rows = Affiliate.objects.filter(program=program)
        if status:
            rows = rows.filter(status=status)
        return affiliate_connection(rows, first=first, after=after)

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_affiliate_link(root, info, channel, product_id):
        context = info.context
        user_id = context.requestor.require_user()
        decode_id(product_id, "Product", field="productId")
        program = context.program(channel)
        return affiliates.link(program, user_id, product_id, context.settings_for(program))

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

    rewards_withdrawals = graphene.Field(
        RewardsWithdrawalConnection,
        required=True,
        channel=graphene.String(required=True),
        status=RewardsWithdrawalStatus(),
        first=graphene.Int(),
        after=graphene.String(),
        description="Staff / Apps: a channel's withdrawals, newest first (HANDLE_PAYMENTS).",
    )

    # Operations (MANAGE_PLUGINS)
    rewards_audit_events = graphene.Field(
        RewardsAuditEventConnection,
        required=True,
        channel=graphene.String(description="Only this channel's events."),
        actor=graphene.ID(description="Only this staff User's or App's changes."),
        subject=graphene.ID(description="Only events about this subject (its subjectId)."),
        first=graphene.Int(),
        after=graphene.String(),
        description="Staff / Apps: the audit trail of staff changes, newest first "
        "(MANAGE_PLUGINS, P4); without a channel, those of every channel the caller may "
        "act in and the plugin's own configuration.",
    )
    rewards_liability = graphene.Field(
        RewardsLiability,
        channel=graphene.String(required=True),
        days=graphene.Int(description=f"Days of the daily series, 1 to {MAX_DAYS} (30)."),
        description="Staff / Apps: what the shop owes its members in a channel, now and "
        "day by day (MANAGE_PLUGINS, O3).",
    )

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_withdrawals(root, info, channel, status=None, first=None, after=None):
        program = info.context.staff_program(channel, HANDLE_PAYMENTS)
        withdrawals = Withdrawal.objects.filter(program=program)
        if status:
            withdrawals = withdrawals.filter(status=status)
        return withdrawal_connection(withdrawals, first=first, after=after)

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_audit_events(
        root, info, channel=None, actor=None, subject=None, first=None, after=None
    ):
        context = info.context
        context.requestor.require_perm(MANAGE_PLUGINS)
        events = AuditEvent.objects.all()
        if channel:
            events = events.filter(program=context.staff_program(channel, MANAGE_PLUGINS))
        elif context.requestor.channels is not None:
            # Restricted staff: their channels' events; the plugin-wide ones need
            # access to every channel.
            events = events.filter(program__channel_slug__in=context.requestor.channels)
        if actor:
            actor_type, actor_id = actor_filter(actor)
            events = events.filter(actor_type=actor_type, actor_id=actor_id)
        if subject:
            subject_type, subject_id = subject_filter(subject)
            events = events.filter(subject_type=subject_type, subject_id=subject_id)
        return audit_event_connection(events, first=first, after=after)

    @staticmethod
    @_domain_errors_as_graphql
    def resolve_rewards_liability(root, info, channel, days=None):
        context = info.context
        program = context.staff_program(channel, MANAGE_PLUGINS)
        if days is not None and not 1 <= days <= MAX_DAYS:
            raise InvalidInput(f"days must be between 1 and {MAX_DAYS}.", field="days")
        settings = context.settings_for(program)
        return liability(program, points_per_unit=settings["points_per_unit"], days=days or 30)

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
    rewards_affiliate_apply = RewardsAffiliateApply.Field()
    rewards_affiliate_review = RewardsAffiliateReview.Field()
    rewards_affiliate_track_visit = RewardsAffiliateTrackVisit.Field()
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
    rewards_member_restrict = RewardsMemberRestrict.Field()
    rewards_member_erase = RewardsMemberErase.Field()
    rewards_consent_update = RewardsConsentUpdate.Field()
    rewards_invite_opt_out = RewardsInviteOptOut.Field()
    rewards_withdrawal_request = RewardsWithdrawalRequest.Field()
    rewards_withdrawal_cancel = RewardsWithdrawalCancel.Field()
    rewards_withdrawal_process = RewardsWithdrawalProcess.Field()
    rewards_withdrawal_mark_paid = RewardsWithdrawalMarkPaid.Field()
    rewards_withdrawal_payout_file = RewardsWithdrawalPayoutFile.Field()
    rewards_claim_submit = RewardsClaimSubmit.Field()
    rewards_claim_respond = RewardsClaimRespond.Field()
    rewards_claim_process = RewardsClaimProcess.Field()
    rewards_deposit_adjust = RewardsDepositAdjust.Field()
    rewards_return_address_set = RewardsReturnAddressSet.Field()
    rewards_return_address_delete = RewardsReturnAddressDelete.Field()


schema = graphene.Schema(query=Query, mutation=Mutation)
