"""Money as the API shows it: an amount with its currency (API.md)."""

import graphene


class RewardsMoney(graphene.ObjectType):
    amount = graphene.Float(required=True)
    currency = graphene.String(required=True)
