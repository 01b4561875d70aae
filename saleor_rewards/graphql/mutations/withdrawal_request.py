import graphene

from ... import money
from ...programs.withdrawals import services as withdrawals
from ..types.withdrawals import RewardsWithdrawal, RewardsWithdrawalMethod
from .base import RewardsMutation


class RewardsWithdrawalRequest(RewardsMutation):
    class Meta:
        description = (
            "Customer: ask for cash to be paid out (W1-W5). Only the cash balance can be "
            "withdrawn, never points. The amount is held at once; `LIMIT_EXCEEDED` above "
            "the channel currency's `withdrawal_max` or below `withdrawal_min`, "
            "`ALREADY_EXISTS` while another request is open, `INSUFFICIENT_BALANCE` "
            "beyond the available cash. `details` by method: BANK_TRANSFER "
            '`{"iban", "bic" (optional), "accountHolder"}`, PAYPAL `{"email"}`, ALIPAY '
            '`{"accountId", "accountHolder"}`; stored encrypted, only ever shown masked.'
        )

    class Arguments:
        channel = graphene.String(required=True, description="Channel slug.")
        amount = graphene.Decimal(required=True, description="In the channel's currency.")
        method = RewardsWithdrawalMethod(required=True)
        details = graphene.JSONString(required=True)
        idempotency_key = graphene.String(
            description=f"Your request id (up to {money.MAX_CLIENT_KEY_LENGTH} "
            "characters): the same key returns the first request."
        )

    withdrawal = graphene.Field(RewardsWithdrawal)

    @classmethod
    def perform(cls, root, info, *, channel, amount, method, details, idempotency_key=None):
        context = info.context
        member_id = context.requestor.require_user()
        program = context.program(channel)
        withdrawal = withdrawals.request_withdrawal(
            program,
            member_id,
            amount,
            method,
            details,
            context.settings_for(program),
            mail=context.shop.withdrawal_mail,
            idempotency_key=idempotency_key,
            actor=context.requestor.actor(),
        )
        return {"withdrawal": withdrawal}
