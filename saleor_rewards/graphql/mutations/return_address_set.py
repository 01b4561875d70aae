import graphene

from ...programs.claims.return_addresses import delete_return_address, set_return_address
from ..permissions import MANAGE_ORDERS
from ..types.claims import RewardsReturnAddress, RewardsReturnAddressInput
from .base import RewardsMutation


class RewardsReturnAddressSet(RewardsMutation):
    """Staff / Apps (MANAGE_ORDERS): the channel's return address for buyers in one
    destination country (C5), created or replaced."""

    class Arguments:
        channel = graphene.String(required=True)
        country = graphene.String(required=True, description="Two-letter ISO code.")
        input = RewardsReturnAddressInput(required=True)

    return_address = graphene.Field(RewardsReturnAddress)

    @classmethod
    def perform(cls, root, info, *, channel, country, input):
        context = info.context
        program = context.staff_program(channel, MANAGE_ORDERS)
        address = set_return_address(program, country, dict(input), actor=context.requestor.actor())
        return {"return_address": address}


class RewardsReturnAddressDelete(RewardsMutation):
    """Staff / Apps (MANAGE_ORDERS): remove a destination country's return address."""

    class Arguments:
        channel = graphene.String(required=True)
        country = graphene.String(required=True)

    deleted = graphene.Boolean(required=True)

    @classmethod
    def perform(cls, root, info, *, channel, country):
        context = info.context
        program = context.staff_program(channel, MANAGE_ORDERS)
        delete_return_address(program, country, actor=context.requestor.actor())
        return {"deleted": True}
