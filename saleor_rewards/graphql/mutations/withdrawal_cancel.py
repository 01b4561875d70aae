import graphene

from ...programs.withdrawals import services as withdrawals
from ..types.withdrawals import RewardsWithdrawal, decode_withdrawal_id
from .base import RewardsMutation


class RewardsWithdrawalCancel(RewardsMutation):
    class Meta:
        description = (
            "Customer: cancel your own withdrawal while it is REQUESTED (W5); the held "
            "amount is back in your cash balance."
        )

    class Arguments:
        id = graphene.ID(required=True)

    withdrawal = graphene.Field(RewardsWithdrawal)

    @classmethod
    def perform(cls, root, info, *, id):
        context = info.context
        member_id = context.requestor.require_user()
        withdrawal = withdrawals.cancel_withdrawal(
            decode_withdrawal_id(id),
            member_id,
            context.settings_for,
            actor=context.requestor.actor(),
        )
        return {"withdrawal": withdrawal}
