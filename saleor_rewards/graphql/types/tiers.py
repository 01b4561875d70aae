"""GraphQL types of membership tiers (T1-T3)."""

import graphene
from graphql_relay import to_global_id

from ...ledger.errors import NotFound
from ...programs.channel.members import Member
from ...programs.tiers import services as tiers
from ...programs.tiers.editing import TierInput
from ...programs.tiers.models import Tier
from ..dataloaders import TierMemberCounts
from ..ids import decode_int_id
from .money import RewardsMoney

TIER_TYPE = "RewardsTier"


def decode_tier_id(global_id: str) -> int:
    return decode_int_id(global_id, TIER_TYPE, field="id")


def _money(amount, currency):
    return RewardsMoney(amount=amount, currency=currency)


def existing_tier(global_id: str) -> Tier:
    tier = Tier.objects.select_related("program").filter(id=decode_tier_id(global_id)).first()
    if tier is None:
        raise NotFound(f"Tier {global_id} does not exist.", field="id")
    return tier


class RewardsTier(graphene.ObjectType):
    id = graphene.ID(required=True)
    channel = graphene.String(required=True)
    name = graphene.String(required=True)
    min_consumption = graphene.Field(
        RewardsMoney,
        required=True,
        description="Consumption (paid products net of refunds) that reaches the tier.",
    )
    discount_percent = graphene.Float(required=True)
    max_redeem_percent = graphene.Float(
        description="Cap on paying with points; null follows the program's setting."
    )
    earn_multiplier = graphene.Float(required=True, description="On purchase points (L5).")
    position = graphene.Int(required=True)
    for_unverified = graphene.Boolean(
        required=True, description="The tier of members whose e-mail is not verified."
    )
    members_count = graphene.Int(required=True)

    @staticmethod
    def resolve_id(root: Tier, info):
        return to_global_id(TIER_TYPE, root.id)

    @staticmethod
    def resolve_channel(root: Tier, info):
        return root.program.channel_slug

    @staticmethod
    def resolve_min_consumption(root: Tier, info):
        return _money(root.min_consumption, root.program.currency)

    @staticmethod
    def resolve_members_count(root: Tier, info):
        return TierMemberCounts(info.context).load(root.id)


class RewardsTierProgress(graphene.ObjectType):
    spent = graphene.Field(
        RewardsMoney,
        required=True,
        description="Consumption so far (lifetime or the rolling window).",
    )
    next_tier = graphene.String(description="Null at the top.")
    remaining = graphene.Field(
        RewardsMoney,
        required=True,
        description="Consumption still needed for the next tier.",
    )


class RewardsMemberTier(graphene.ObjectType):
    name = graphene.String(description="Null below every tier's threshold.")
    discount_percent = graphene.Float(required=True)
    max_redeem_percent = graphene.Float(
        required=True, description="The cap on paying with points that applies (S1)."
    )
    earn_multiplier = graphene.Float(required=True)
    progress = graphene.Field(RewardsTierProgress, required=True)

    @staticmethod
    def resolve_name(root: tiers.TierStatus, info):
        return root.tier.name if root.tier else None

    @staticmethod
    def resolve_discount_percent(root: tiers.TierStatus, info):
        return root.tier.discount_percent if root.tier else 0

    @staticmethod
    def resolve_max_redeem_percent(root: tiers.TierStatus, info):
        program_cap = info.context.settings_for(root.program)["max_redeem_percent"]
        if root.tier is None or root.tier.max_redeem_percent is None:
            return program_cap
        return min(program_cap, root.tier.max_redeem_percent)

    @staticmethod
    def resolve_earn_multiplier(root: tiers.TierStatus, info):
        return root.tier.earn_multiplier if root.tier else 1

    @staticmethod
    def resolve_progress(root: tiers.TierStatus, info):
        currency = root.program.currency
        return RewardsTierProgress(
            spent=_money(root.consumption, currency),
            next_tier=root.next_tier.name if root.next_tier else None,
            remaining=_money(root.remaining, currency),
        )


def member_tier_status(member: Member, info) -> tiers.TierStatus:
    """Live: consumption now, whatever the scheduled job last stored."""
    context = info.context
    return tiers.status(
        member.program,
        member.member_id,
        context.settings_for(member.program),
        verified=context.shop.channels.member_verified(member.member_id),
        now=member.at,
    )


class RewardsTierInput(graphene.InputObjectType):
    name = graphene.String()
    min_consumption = graphene.Decimal(description="In the channel's currency; >= 0.")
    discount_percent = graphene.Decimal(description="0-100.")
    max_redeem_percent = graphene.Decimal(description="0-100; see followProgramMaxRedeem.")
    follow_program_max_redeem = graphene.Boolean(
        description="Use the program's max_redeem_percent (clears maxRedeemPercent)."
    )
    earn_multiplier = graphene.Decimal(description="0-100; 1 = normal earning.")
    position = graphene.Int(description="Order among tiers of equal threshold.")
    for_unverified = graphene.Boolean(
        description="The tier of members whose e-mail is not verified (one per channel)."
    )


def tier_input(data) -> TierInput:
    data = dict(data or {})
    data["follow_program_max_redeem"] = bool(data.get("follow_program_max_redeem"))
    return TierInput(**data)
