import graphene

from ...ledger.errors import NotFound
from ...programs.withdrawals import decisions as withdrawals
from ...programs.withdrawals.models import Withdrawal
from ..permissions import HANDLE_PAYMENTS
from ..types.withdrawals import (
    RewardsWithdrawal,
    RewardsWithdrawalAction,
    decode_withdrawal_id,
)
from .base import RewardsMutation


def staff_withdrawal_ids(context, global_ids, field: str) -> list[int]:
    """The ids, once the caller is staff with HANDLE_PAYMENTS in each one's channel
    (PERMISSION_DENIED on ``channel`` otherwise, as for tiers and reviews)."""
    context.requestor.require_perm(HANDLE_PAYMENTS)
    ids = [decode_withdrawal_id(global_id, field) for global_id in global_ids]
    channels = dict(
        Withdrawal.objects.filter(id__in=ids).values_list("id", "program__channel_slug")
    )
    for withdrawal_id, global_id in zip(ids, global_ids, strict=True):
        slug = channels.get(withdrawal_id)
        if slug is None:
            raise NotFound(f"Withdrawal {global_id} does not exist.", field=field)
        context.requestor.require_channel(slug)
    return ids


class RewardsWithdrawalProcess(RewardsMutation):
    class Meta:
        description = (
            "Staff / Apps (HANDLE_PAYMENTS): APPROVE a requested withdrawal, MARK_PAID an "
            "approved one with its `payoutReference` (the held cash is gone), REJECT a "
            "requested or approved one or MARK_FAILED an approved one (the held cash is "
            "back in the member's balance). Each step is final, audited and mailed to the "
            "member (W5). Nobody decides their own withdrawal."
        )

    class Arguments:
        id = graphene.ID(required=True)
        action = RewardsWithdrawalAction(required=True)
        payout_reference = graphene.String(description="Required to MARK_PAID.")
        note = graphene.String(description="Shown to the member with the decision.")

    withdrawal = graphene.Field(RewardsWithdrawal)

    @classmethod
    def perform(cls, root, info, *, id, action, payout_reference=None, note=None):
        context = info.context
        (withdrawal_id,) = staff_withdrawal_ids(context, [id], "id")
        withdrawal = withdrawals.process_withdrawal(
            withdrawal_id,
            action,
            settings_for=context.settings_for,
            payout_reference=payout_reference,
            note=note,
            actor=context.requestor.actor(),
            mail=context.shop.withdrawal_mail,
        )
        return {"withdrawal": withdrawal}
