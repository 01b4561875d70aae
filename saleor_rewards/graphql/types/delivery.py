"""GraphQL type of a customer's delivery confirmation (L2)."""

import graphene
from graphql_relay import to_global_id

from ...programs.loyalty.models import DeliveryConfirmation


class RewardsDeliveryConfirmation(graphene.ObjectType):
    """The customer confirmed that an order arrived: its points (and the sponsor's
    reward) become spendable ``hold_days`` after ``confirmedAt``."""

    order_id = graphene.ID(required=True, description="Saleor Order id.")
    confirmed_at = graphene.DateTime(
        required=True, description="When the delivery was first confirmed."
    )

    @staticmethod
    def resolve_order_id(root: DeliveryConfirmation, info):
        return to_global_id("Order", root.order_id)

    @staticmethod
    def resolve_confirmed_at(root: DeliveryConfirmation, info):
        return root.confirmed_at
