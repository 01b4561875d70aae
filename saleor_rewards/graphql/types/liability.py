"""The liability report as the API shows it (O3, API.md ``RewardsLiability``)."""

import graphene

from .money import RewardsMoney


def _money(amount, currency):
    return RewardsMoney(amount=amount, currency=currency)


class RewardsLiabilityPoints(graphene.ObjectType):
    outstanding = graphene.Int(required=True, description="Available: spendable now.")
    pending = graphene.Int(required=True)
    held = graphene.Int(required=True, description="Reserved by checkouts.")
    debt = graphene.Int(required=True, description="Owed by members from take-backs (L3).")
    expiring_next_30_days = graphene.Int(required=True)
    value = graphene.Field(
        RewardsMoney, required=True, description="The outstanding points' value."
    )


class RewardsLiabilityCash(graphene.ObjectType):
    outstanding = graphene.Field(RewardsMoney, required=True, description="Available.")
    pending = graphene.Field(RewardsMoney, required=True)
    held = graphene.Field(RewardsMoney, required=True, description="Reserved, e.g. withdrawals.")
    debt = graphene.Field(RewardsMoney, required=True)


class RewardsLiabilityDayPoints(graphene.ObjectType):
    outstanding = graphene.Int(required=True)
    pending = graphene.Int(required=True)
    expiring_next_30_days = graphene.Int(required=True)


class RewardsLiabilityDayCash(graphene.ObjectType):
    outstanding = graphene.Field(RewardsMoney, required=True)
    pending = graphene.Field(RewardsMoney, required=True)


class RewardsLiabilityDay(graphene.ObjectType):
    date = graphene.Date(required=True)
    points = graphene.Field(RewardsLiabilityDayPoints, required=True)
    cash = graphene.Field(RewardsLiabilityDayCash, required=True)


class RewardsLiability(graphene.ObjectType):
    """What the shop owes its members in a channel now, and day by day (O3)."""

    channel = graphene.String(required=True)
    at = graphene.DateTime(required=True, description="When the figures were taken.")
    points = graphene.Field(RewardsLiabilityPoints, required=True)
    cash = graphene.Field(RewardsLiabilityCash, required=True)
    deposit = graphene.Field(RewardsMoney, required=True, description="The merchant's deposit.")
    series = graphene.List(
        graphene.NonNull(RewardsLiabilityDay),
        required=True,
        description="One point per day, oldest first; today's is taken now.",
    )

    @staticmethod
    def resolve_channel(root, info):
        return root.program.channel_slug

    @staticmethod
    def resolve_points(root, info):
        points = root.points
        return RewardsLiabilityPoints(
            outstanding=int(points.outstanding),
            pending=int(points.pending),
            held=int(points.held),
            debt=int(points.debt),
            expiring_next_30_days=root.points_expiring,
            value=_money(root.points_value, root.currency),
        )

    @staticmethod
    def resolve_cash(root, info):
        cash, currency = root.cash, root.currency
        return RewardsLiabilityCash(
            outstanding=_money(cash.outstanding, currency),
            pending=_money(cash.pending, currency),
            held=_money(cash.held, currency),
            debt=_money(cash.debt, currency),
        )

    @staticmethod
    def resolve_deposit(root, info):
        return _money(root.deposit, root.currency)

    @staticmethod
    def resolve_series(root, info):
        currency = root.currency
        return [
            RewardsLiabilityDay(
                date=day.date,
                points=RewardsLiabilityDayPoints(
                    outstanding=day.points_outstanding,
                    pending=day.points_pending,
                    expiring_next_30_days=day.points_expiring,
                ),
                cash=RewardsLiabilityDayCash(
                    outstanding=_money(day.cash_outstanding, currency),
                    pending=_money(day.cash_pending, currency),
                ),
            )
            for day in root.series
        ]
