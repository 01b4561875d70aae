"""GraphQL types of paying with points (S1)."""

import graphene

from ...programs.redemption.models import Redemption, RedemptionStatus
from .money import RewardsMoney

RewardsRedemptionStatus = graphene.Enum(
    "RewardsRedemptionStatus",
    [(value.upper(), value) for value, _ in RedemptionStatus.CHOICES],
)


class RewardsRedemption(graphene.ObjectType):
    """Points (or cash balance) applied to a checkout through a gift card."""

    points = graphene.Int(description="Points held; null when cash balance was applied.")
    amount = graphene.Field(RewardsMoney, required=True, description="The gift card's value.")
    gift_card_code = graphene.String(
        description="Code of the customer's gift card: already on the checkout in "
        "channels that allow gift cards as promo codes; else pay with it through "
        "Saleor's gift card payment gateway. Null once the redemption is settled."
    )
    status = graphene.Field(RewardsRedemptionStatus, required=True)

    @staticmethod
    def resolve_points(root: Redemption, info):
        return root.points

    @staticmethod
    def resolve_amount(root: Redemption, info):
        return RewardsMoney(amount=root.amount, currency=root.currency)

    @staticmethod
    def resolve_gift_card_code(root: Redemption, info):
        return root.gift_card_code if root.status == RedemptionStatus.HELD else None

    @staticmethod
    def resolve_status(root: Redemption, info):
        return root.status
