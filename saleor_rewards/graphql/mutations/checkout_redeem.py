import graphene

from ...ledger.errors import NotFound
from ...programs.redemption import services as redemption
from ..ids import decode_uuid_id
from ..types.redemption import RewardsRedemption
from .base import RewardsMutation


def own_checkout(context, checkout_id: str):
    """(member id, the checkout's facts) for a signed-in customer's Saleor checkout id.

    Someone else's checkout answers exactly as one that does not exist (I3): the
    answer must not tell whether a token is in use.
    """
    user_id = context.requestor.require_user()
    token = decode_uuid_id(checkout_id, "Checkout", field="checkoutId")
    checkout = context.shop.checkouts.checkout(token)
    if checkout is None or checkout.owner_id is None or checkout.owner_id != user_id:
        raise NotFound("There is no such checkout.", field="checkoutId")
    return user_id, checkout


class RewardsCheckoutRedeem(RewardsMutation):
    """Customer: pay part of your checkout with points or cash balance (S1).

    Holds them and puts a gift card of that value, usable only by you, on the
    checkout. Applying again replaces the earlier amount.
    """

    class Arguments:
        checkout_id = graphene.ID(required=True, description="Saleor Checkout id.")
        points = graphene.Int(description="Whole points to apply.")
        cash_amount = graphene.Decimal(
            description="Cash balance to apply, in the channel's currency."
        )

    redemption = graphene.Field(RewardsRedemption)

    @classmethod
    def perform(cls, root, info, *, checkout_id, points=None, cash_amount=None):
        context = info.context
        user_id, checkout = own_checkout(context, checkout_id)
        program = context.program(checkout.channel_slug)
        applied = redemption.redeem(
            program,
            context.settings_for(program),
            checkout,
            user_id,
            cards=context.shop.gift_cards,
            points=points,
            cash=cash_amount,
        )
        return {"redemption": applied}
