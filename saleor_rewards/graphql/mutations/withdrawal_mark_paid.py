import graphene

from ...programs.withdrawals import decisions as withdrawals
from ...programs.withdrawals.decisions import WithdrawalAction
from ..types.withdrawals import RewardsWithdrawal
from .base import RewardsMutation
from .withdrawal_process import staff_withdrawal_ids


class RewardsWithdrawalMarkPaid(RewardsMutation):
    class Meta:
        description = (
            "Staff / Apps (HANDLE_PAYMENTS): mark a batch of approved withdrawals paid "
            "with one payout reference, e.g. after uploading their payout file (W6). All "
            "or nothing: one that is not approved fails the whole batch."
        )

    class Arguments:
        ids = graphene.List(graphene.NonNull(graphene.ID), required=True)
        payout_reference = graphene.String(required=True)

    withdrawals = graphene.List(graphene.NonNull(RewardsWithdrawal), required=True)

    @classmethod
    def perform(cls, root, info, *, ids, payout_reference):
        context = info.context
        withdrawal_ids = staff_withdrawal_ids(context, ids, "ids")
        paid = withdrawals.process_withdrawals(
            withdrawal_ids,
            WithdrawalAction.MARK_PAID,
            settings_for=context.settings_for,
            payout_reference=payout_reference,
            actor=context.requestor.actor(),
            mail=context.shop.withdrawal_mail,
        )
        return {"withdrawals": paid}
