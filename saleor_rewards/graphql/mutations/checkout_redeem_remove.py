import graphene

from ...programs.redemption import services as redemption
from ..types.redemption import RewardsRedemption
from .base import RewardsMutation
from .checkout_redeem import own_checkout


class RewardsCheckoutRedeemRemove(RewardsMutation):
    """Customer: take the applied points off your checkout; releases the hold and
    deactivates its gift card (S1). ``redemption`` is null when nothing was applied."""

    class Arguments:
        checkout_id = graphene.ID(required=True, description="Saleor Checkout id.")

    redemption = graphene.Field(RewardsRedemption)

    @classmethod
    def perform(cls, root, info, *, checkout_id):
        context = info.context
        user_id, checkout = own_checkout(context, checkout_id)
        removed = redemption.remove(checkout, user_id, cards=context.shop.gift_cards)
        return {"redemption": removed}
