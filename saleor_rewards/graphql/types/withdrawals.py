"""GraphQL types of withdrawals (W1-W6). Details are only ever shown masked."""

import graphene
from graphql_relay import to_global_id

from ...programs.withdrawals.decisions import WithdrawalAction
from ...programs.withdrawals.models import Withdrawal, WithdrawalMethod, WithdrawalStatus
from ...programs.withdrawals.payout_files import PayoutFormat
from ..ids import decode_int_id
from ..pagination import CountableConnection, connection_from_queryset
from .money import RewardsMoney


def _enum(name, choices, description=None):
    return graphene.Enum(
        name, [(value.upper(), value) for value, _ in choices], description=description
    )


RewardsWithdrawalStatus = _enum("RewardsWithdrawalStatus", WithdrawalStatus.CHOICES)
RewardsWithdrawalMethod = _enum("RewardsWithdrawalMethod", WithdrawalMethod.CHOICES)
RewardsWithdrawalAction = _enum("RewardsWithdrawalAction", WithdrawalAction.CHOICES)
RewardsPayoutFileFormat = _enum("RewardsPayoutFileFormat", PayoutFormat.CHOICES)
WITHDRAWAL_TYPE = "RewardsWithdrawal"


class RewardsWithdrawal(graphene.ObjectType):
    id = graphene.ID(required=True)
    channel = graphene.String(required=True)
    user_id = graphene.ID(description="Saleor's global id of the member.")
    status = graphene.Field(RewardsWithdrawalStatus, required=True)
    amount = graphene.Field(RewardsMoney, required=True)
    method = graphene.Field(RewardsWithdrawalMethod, required=True)
    details_masked = graphene.String(
        required=True,
        description="The payout account, masked (W2); empty once the details were purged.",
    )
    payout_reference = graphene.String(required=True, description="Set when paid.")
    note = graphene.String(required=True, description="Staff's note on the decision.")
    created_at = graphene.DateTime(required=True)
    approved_at = graphene.DateTime()
    closed_at = graphene.DateTime(description="When it was paid, rejected, failed or cancelled.")

    @staticmethod
    def resolve_id(root: Withdrawal, info):
        return to_global_id(WITHDRAWAL_TYPE, root.id)

    @staticmethod
    def resolve_channel(root: Withdrawal, info):
        return root.program.channel_slug

    @staticmethod
    def resolve_user_id(root: Withdrawal, info):
        return to_global_id("User", root.member_id) if root.member_id else None

    @staticmethod
    def resolve_amount(root: Withdrawal, info):
        return RewardsMoney(amount=root.amount, currency=root.currency)


class RewardsWithdrawalConnection(CountableConnection):
    class Meta:
        node = RewardsWithdrawal


def withdrawal_connection(withdrawals, *, first=None, after=None):
    """A page of ``withdrawals``, newest first."""
    withdrawals = withdrawals.select_related("program").order_by("-id")
    return connection_from_queryset(
        RewardsWithdrawalConnection, withdrawals, first=first, after=after
    )


def decode_withdrawal_id(global_id: str, field: str = "id") -> int:
    return decode_int_id(global_id, WITHDRAWAL_TYPE, field=field)


class RewardsPayoutFile(graphene.ObjectType):
    filename = graphene.String(required=True)
    content_type = graphene.String(required=True)
    content = graphene.String(required=True, description="The file, base64-encoded.")
    withdrawal_ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
    totals = graphene.List(graphene.NonNull(RewardsMoney), required=True)
