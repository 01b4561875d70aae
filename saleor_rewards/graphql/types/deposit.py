"""The channel's merchant security deposit as staff read it (C3)."""

import graphene

from ...ledger import Kind, history
from ...ledger.models import Account
from ..pagination import connection_from_queryset
from .claims import money
from .member import RewardsLedgerEntryConnection
from .money import RewardsMoney


class RewardsDeposit(graphene.ObjectType):
    """The channel's merchant security deposit (C3)."""

    channel = graphene.String(required=True)
    balance = graphene.Field(
        RewardsMoney,
        required=True,
        description="Negative while it owes (allowed only with allow_negative_deposit).",
    )
    owed = graphene.Field(RewardsMoney, required=True, description="Paid by the next top-up.")
    low = graphene.Boolean(
        required=True, description="At or below the channel's deposit_low_amount."
    )
    history = graphene.Field(
        RewardsLedgerEntryConnection,
        required=True,
        first=graphene.Int(),
        after=graphene.String(),
    )

    @staticmethod
    def resolve_channel(root, info):
        return root["program"].channel_slug

    @staticmethod
    def resolve_balance(root, info):
        return money(root["balance"].amount, root["balance"].currency)

    @staticmethod
    def resolve_owed(root, info):
        return money(root["balance"].debt, root["balance"].currency)

    @staticmethod
    def resolve_low(root, info):
        return root["balance"].amount <= root["settings"]["deposit_low_amount"]

    @staticmethod
    def resolve_history(root, info, first=None, after=None):
        accounts = Account.objects.filter(program=root["program"], kind=Kind.DEPOSIT)
        entries = history(accounts).select_related("account", "lot")
        return connection_from_queryset(
            RewardsLedgerEntryConnection, entries, first=first, after=after
        )
