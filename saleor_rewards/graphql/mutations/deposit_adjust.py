import graphene

from ...programs.claims.deposit import adjust_deposit, deposit_balance
from ..permissions import MANAGE_ORDERS
from ..types.deposit import RewardsDeposit
from .base import RewardsMutation


class RewardsDepositAdjust(RewardsMutation):
    """Staff / Apps (MANAGE_ORDERS): top up the channel's merchant security deposit
    (positive) or correct it down (negative, never below zero), with a reason (C3)."""

    class Arguments:
        channel = graphene.String(required=True)
        amount = graphene.Decimal(required=True)
        reason = graphene.String(required=True)
        idempotency_key = graphene.String(
            description="Repeat a request with the same key to apply it only once."
        )

    deposit = graphene.Field(RewardsDeposit)

    @classmethod
    def perform(cls, root, info, *, channel, amount, reason, idempotency_key=None):
        context = info.context
        program = context.staff_program(channel, MANAGE_ORDERS)
        adjust_deposit(
            program,
            amount,
            reason=reason,
            actor=context.requestor.actor(),
            key=idempotency_key,
        )
        return {"deposit": deposit_view(program, context)}


def deposit_view(program, context) -> dict:
    return {
        "program": program,
        "balance": deposit_balance(program),
        "settings": context.settings_for(program),
    }
