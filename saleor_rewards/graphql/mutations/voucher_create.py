import graphene

from ... import money
from ...programs.vouchers import services as vouchers
from ..types.money import RewardsMoney
from .base import RewardsMutation


class RewardsVoucherCreate(RewardsMutation):
    class Meta:
        description = (
            "Customer: turn points into a single-use voucher code of their value in "
            "the channel's currency, valid `voucher_valid_days` (S5). The points are "
            "debited soonest-expiring first; with `idempotencyKey` a repeated request "
            "returns the same code without a second debit. Your cap on paying with "
            "rewards applies: the code needs an order of at least `minSpent` in products "
            "(value x 100 / cap); `NOT_ELIGIBLE` when your cap is 0 % (e.g. an "
            "unverified e-mail address)."
        )

    class Arguments:
        channel = graphene.String(required=True, description="Channel slug.")
        points = graphene.Int(
            required=True,
            description="Points to convert; must come to whole cents (or the "
            "currency's smallest unit).",
        )
        idempotency_key = graphene.String(
            description=f"Your request id (up to {money.MAX_CLIENT_KEY_LENGTH} "
            "characters): the same key returns the first voucher."
        )

    voucher_code = graphene.String(description="The code to enter at checkout.")
    value = graphene.Field(RewardsMoney, description="What the code takes off an order.")
    valid_until = graphene.DateTime(description="The code is refused after this.")
    min_spent = graphene.Field(
        RewardsMoney,
        description="The code applies only to orders with at least this much in products.",
    )

    @classmethod
    def perform(cls, root, info, *, channel, points, idempotency_key=None):
        context = info.context
        member_id = context.requestor.require_user()
        program = context.program(channel)
        conversion = vouchers.convert_to_voucher(
            program,
            member_id,
            points,
            context.shop.vouchers,
            context.settings_for(program),
            idempotency_key=idempotency_key,
            actor=context.requestor.actor(),
            verified=context.shop.channels.member_verified(member_id),
        )
        return {
            "voucher_code": conversion.code,
            "value": RewardsMoney(amount=conversion.amount, currency=conversion.currency),
            "valid_until": conversion.valid_until,
            "min_spent": RewardsMoney(amount=conversion.min_spent, currency=conversion.currency),
        }
