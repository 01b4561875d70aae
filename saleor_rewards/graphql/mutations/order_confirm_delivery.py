import graphene
from django.utils.timezone import now as member_now

from ...programs.affiliates.commissions import deliver_confirmed
from ...programs.channel.members import Member
from ...programs.loyalty import delivery
from ..ids import decode_id
from ..types.delivery import RewardsDeliveryConfirmation
from ..types.member import RewardsMember
from .base import RewardsMutation


class RewardsOrderConfirmDelivery(RewardsMutation):
    """Customer: confirm that your order arrived (L2, "Confirm Delivery").

    Its points become spendable now (after the program's hold days, if any) instead
    of at the automatic date. Only once the order shipped in full; confirming again
    returns the first confirmation.
    """

    class Arguments:
        order_id = graphene.ID(required=True, description="Saleor Order id.")

    confirmation = graphene.Field(RewardsDeliveryConfirmation)
    member = graphene.Field(RewardsMember, description="Your rewards in the order's channel.")

    @classmethod
    def perform(cls, root, info, *, order_id):
        context = info.context
        user_id = context.requestor.require_user()
        raw_id = decode_id(order_id, "Order", field="orderId")
        order = delivery.own_order(context.shop.orders, raw_id, user_id)
        program = context.program(order.channel_slug)
        settings = context.settings_for(program)
        confirmation = delivery.confirm_delivery(program, settings, order, user_id)
        # The affiliate's commission on the order waits for the same moment (A4).
        deliver_confirmed(
            program, confirmation.order_id, confirmation.confirmed_at, settings, member_now()
        )
        return {"confirmation": confirmation, "member": Member(program, user_id)}
