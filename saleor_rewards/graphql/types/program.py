"""GraphQL types of a channel's program settings (rewardsProgram, API.md)."""

import graphene
from graphql_relay import to_global_id

from ...ledger import ActorType

_ACTOR_TYPES = {ActorType.STAFF: "User", ActorType.APP: "App"}


class RewardsProgramSetting(graphene.ObjectType):
    name = graphene.String(
        required=True, description="The setting's name, as in the plugin configuration."
    )
    label = graphene.String(required=True)
    help = graphene.String(required=True)
    value = graphene.String(required=True, description="In effect in the channel.")
    overridden = graphene.Boolean(
        required=True,
        description="Set in this channel; false = inherited from the plugin configuration.",
    )
    plugin_value = graphene.String(
        required=True,
        description="The plugin configuration's value: what the channel inherits, "
        "and falls back to on reset.",
    )
    default = graphene.String(required=True, description="The built-in default.")


class RewardsProgramSettingChange(graphene.ObjectType):
    name = graphene.String(required=True)
    before = graphene.String(required=True)
    after = graphene.String(required=True)
    overridden_before = graphene.Boolean(required=True)
    overridden_after = graphene.Boolean(required=True)


class RewardsProgramChange(graphene.ObjectType):
    """Who changed the channel's settings, when, and from what to what (P4)."""

    changed_at = graphene.DateTime(required=True)
    actor_type = graphene.String(required=True, description="STAFF, APP or SYSTEM.")
    actor_id = graphene.ID(description="Saleor global id of the User or App.")
    settings = graphene.List(graphene.NonNull(RewardsProgramSettingChange), required=True)

    @staticmethod
    def resolve_actor_type(root, info):
        return root.actor.type.upper()

    @staticmethod
    def resolve_actor_id(root, info):
        saleor_type = _ACTOR_TYPES.get(root.actor.type)
        if saleor_type is None or not root.actor.id:
            return None
        return to_global_id(saleor_type, root.actor.id)


class RewardsProgramExpiryDays(graphene.ObjectType):
    """Days after points became available before they expire, per source (L4)."""

    loyalty = graphene.Int(required=True)
    referral = graphene.Int(required=True)
    bonus = graphene.Int(required=True)
    review = graphene.Int(required=True)
    adjustment = graphene.Int(required=True)


def _effective(name):
    return lambda root, info: root.effective[name]


class RewardsProgram(graphene.ObjectType):
    """A channel's rewards program: its settings in effect (MANAGE_PLUGINS)."""

    channel = graphene.String(required=True)
    currency = graphene.String(required=True)
    enabled = graphene.Boolean(required=True, resolver=_effective("program_enabled"))
    points_per_unit = graphene.Int(
        required=True,
        resolver=_effective("points_per_unit"),
        description="Points worth 1.00 of the channel's currency (U2).",
    )
    loyalty_earn_percent = graphene.Decimal(
        required=True, resolver=_effective("loyalty_earn_percent")
    )
    hold_days = graphene.Int(required=True, resolver=_effective("hold_days"))
    auto_confirm_days = graphene.Int(
        required=True,
        resolver=_effective("auto_confirm_days"),
        description="Days after shipment until an order not confirmed by its customer "
        "counts as delivered; 0 = at shipment (L2).",
    )
    expiry_days = graphene.Field(RewardsProgramExpiryDays, required=True)
    max_redeem_percent = graphene.Decimal(required=True, resolver=_effective("max_redeem_percent"))
    referral_reward_percent = graphene.Decimal(
        required=True, resolver=_effective("referral_reward_percent")
    )
    daily_points_cap = graphene.Int(required=True, resolver=_effective("daily_points_cap"))
    settings = graphene.List(
        graphene.NonNull(RewardsProgramSetting),
        required=True,
        description="Every setting, overridden or inherited.",
    )
    changes = graphene.List(
        graphene.NonNull(RewardsProgramChange),
        required=True,
        last=graphene.Int(default_value=20, description="How many, newest first."),
        description="Changes of the channel's settings, newest first (P4).",
    )

    @staticmethod
    def resolve_expiry_days(root, info):
        return RewardsProgramExpiryDays(
            **{
                source: root.effective[f"expiry_days_{source}"]
                for source in ("loyalty", "referral", "bonus", "review", "adjustment")
            }
        )

    @staticmethod
    def resolve_changes(root, info, last):
        return root.changes[: max(last, 0)]
