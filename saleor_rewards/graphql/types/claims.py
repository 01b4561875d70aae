"""GraphQL types of guarantee claims, the merchant deposit and return addresses
(C1-C6)."""

import graphene
from graphql_relay import to_global_id

from ...programs.claims.evidence import evidence_path
from ...programs.claims.models import (
    Claim,
    ClaimEventType,
    ClaimStatus,
    ClaimType,
)
from ...programs.claims.return_addresses import return_address_for
from ...programs.claims.services import ClaimAction
from ..ids import decode_int_id
from ..pagination import CountableConnection, connection_from_queryset
from .money import RewardsMoney

CLAIM_TYPE = "RewardsClaim"
# The plugin's own URL (API.md): evidence links are served below it.
PLUGIN_URL = "/plugins/global/saleor_rewards/"


def _enum(name, choices):
    return graphene.Enum(name, [(value.upper(), value) for value, _ in choices])


RewardsClaimType = _enum("RewardsClaimType", ClaimType.CHOICES)
RewardsClaimStatus = _enum("RewardsClaimStatus", ClaimStatus.CHOICES)
RewardsClaimAction = _enum("RewardsClaimAction", ClaimAction.CHOICES)
RewardsClaimEventType = _enum("RewardsClaimEventType", ClaimEventType.CHOICES)


def money(amount, currency) -> dict | None:
    return None if amount is None else {"amount": amount, "currency": currency}


class RewardsMoneyInput(graphene.InputObjectType):
    amount = graphene.Decimal(required=True)
    currency = graphene.String(required=True)


class RewardsTraceability(graphene.ObjectType):
    """A product variant's traceability record (C6), from Saleor's variant metadata
    ``saleor_rewards.traceability``."""

    origin_country = graphene.String()
    departure_country = graphene.String()
    import_port = graphene.String()
    customs_declaration = graphene.String()
    importer = graphene.String()

    resolve_origin_country = staticmethod(lambda root, info: root.get("originCountry"))
    resolve_departure_country = staticmethod(lambda root, info: root.get("departureCountry"))
    resolve_import_port = staticmethod(lambda root, info: root.get("importPort"))
    resolve_customs_declaration = staticmethod(lambda root, info: root.get("customsDeclaration"))
    resolve_importer = staticmethod(lambda root, info: root.get("importer"))


class RewardsReturnAddress(graphene.ObjectType):
    country = graphene.String(required=True, description="ISO code of the destination.")
    name = graphene.String(required=True)
    company = graphene.String(required=True)
    street_address_1 = graphene.String(required=True)
    street_address_2 = graphene.String(required=True)
    city = graphene.String(required=True)
    postal_code = graphene.String(required=True)
    country_area = graphene.String(required=True)
    phone = graphene.String(required=True)


class RewardsReturnAddressInput(graphene.InputObjectType):
    name = graphene.String(required=True)
    company = graphene.String()
    street_address_1 = graphene.String(required=True)
    street_address_2 = graphene.String()
    city = graphene.String(required=True)
    postal_code = graphene.String()
    country_area = graphene.String()
    phone = graphene.String()


def _order_facts(info, order_id):
    """The claim's order as the shop says it now, read once per request."""
    cache = info.context.dataloaders.setdefault("claim_orders", {})
    if order_id not in cache:
        cache[order_id] = info.context.shop.claims.claim_order(order_id)
    return cache[order_id]


class RewardsClaimLine(graphene.ObjectType):
    order_line_id = graphene.ID(required=True, description="Saleor's OrderLine id.")
    variant_id = graphene.ID(description="Saleor's ProductVariant id.")
    product_name = graphene.String(required=True)
    quantity = graphene.Int(required=True)
    paid = graphene.Field(
        RewardsMoney, required=True, description="What the buyer paid in money (C2)."
    )
    traceability = graphene.Field(RewardsTraceability, description="C6.")

    @staticmethod
    def resolve_order_line_id(root, info):
        return to_global_id("OrderLine", root.order_line_id)

    @staticmethod
    def resolve_variant_id(root, info):
        return to_global_id("ProductVariant", root.variant_id) if root.variant_id else None

    @staticmethod
    def resolve_paid(root, info):
        return money(root.paid, root.claim.currency)

    @staticmethod
    def resolve_traceability(root, info):
        order = _order_facts(info, root.claim.order_id)
        facts = order.lines.get(root.order_line_id) if order else None
        return facts.traceability if facts else None


class RewardsClaimEvent(graphene.ObjectType):
    created_at = graphene.DateTime(required=True)
    type = graphene.Field(RewardsClaimEventType, required=True)
    message = graphene.String(required=True)
    actor = graphene.String(required=True, description="customer, staff or app.")

    @staticmethod
    def resolve_actor(root, info):
        return root.actor.split(":", 1)[0]


class RewardsClaimDocument(graphene.ObjectType):
    id = graphene.ID(required=True)
    filename = graphene.String(required=True)
    content_type = graphene.String(required=True)
    size = graphene.Int(required=True)
    created_at = graphene.DateTime(required=True)
    url = graphene.String(
        required=True,
        description="The document, served by the plugin with a signed token valid for "
        "an hour; never a public file.",
    )

    @staticmethod
    def resolve_id(root, info):
        return to_global_id("RewardsClaimDocument", root.id)

    @staticmethod
    def resolve_url(root, info):
        return PLUGIN_URL + evidence_path(root.id)


class RewardsClaim(graphene.ObjectType):
    id = graphene.ID(required=True)
    channel = graphene.String(required=True)
    user_id = graphene.ID(description="Saleor's global id of the buyer.")
    order_id = graphene.ID(required=True, description="Saleor's Order id.")
    type = graphene.Field(RewardsClaimType, required=True)
    status = graphene.Field(RewardsClaimStatus, required=True)
    description = graphene.String(required=True)
    lines = graphene.List(graphene.NonNull(RewardsClaimLine), required=True)
    delivery_cost = graphene.Field(RewardsMoney, required=True)
    logistics_cost = graphene.Field(RewardsMoney, required=True)
    other_costs = graphene.Field(RewardsMoney, required=True)
    paid = graphene.Field(RewardsMoney, required=True, description="Paid for the lines.")
    compensation_ceiling = graphene.Field(RewardsMoney, required=True, description="C2.")
    compensation_granted = graphene.Field(
        RewardsMoney, description="Granted on approval: refund + compensation."
    )
    refund_amount = graphene.Field(RewardsMoney, description="Refunded through Saleor.")
    compensation_amount = graphene.Field(RewardsMoney, description="Paid into cash.")
    refund_reference = graphene.String(
        description="Saleor's refund: granted_refund:<id> or fulfillment:<id>."
    )
    note = graphene.String(required=True, description="The decision's reason.")
    return_address = graphene.Field(
        RewardsReturnAddress, description="Where to send the goods back (C5)."
    )
    evidence = graphene.List(graphene.NonNull(RewardsClaimDocument), required=True)
    events = graphene.List(graphene.NonNull(RewardsClaimEvent), required=True)
    created_at = graphene.DateTime(required=True)
    decided_at = graphene.DateTime()

    @staticmethod
    def resolve_id(root: Claim, info):
        return to_global_id(CLAIM_TYPE, root.id)

    @staticmethod
    def resolve_channel(root: Claim, info):
        return root.program.channel_slug

    @staticmethod
    def resolve_user_id(root: Claim, info):
        return to_global_id("User", root.member_id) if root.member_id else None

    @staticmethod
    def resolve_order_id(root: Claim, info):
        return to_global_id("Order", root.order_id)

    @staticmethod
    def resolve_lines(root: Claim, info):
        return list(root.lines.all().order_by("id"))

    resolve_delivery_cost = staticmethod(
        lambda root, info: money(root.delivery_cost, root.currency)
    )
    resolve_logistics_cost = staticmethod(
        lambda root, info: money(root.logistics_cost, root.currency)
    )
    resolve_other_costs = staticmethod(lambda root, info: money(root.other_costs, root.currency))
    resolve_paid = staticmethod(lambda root, info: money(root.paid, root.currency))
    resolve_compensation_ceiling = staticmethod(
        lambda root, info: money(root.ceiling, root.currency)
    )
    resolve_compensation_granted = staticmethod(
        lambda root, info: money(root.granted, root.currency)
    )

    @staticmethod
    def resolve_refund_amount(root: Claim, info):
        return money(root.refund_amount, root.currency) if root.granted is not None else None

    @staticmethod
    def resolve_compensation_amount(root: Claim, info):
        if root.granted is None:
            return None
        return money(root.compensation_amount, root.currency)

    @staticmethod
    def resolve_refund_reference(root: Claim, info):
        return root.refund_reference or None

    @staticmethod
    def resolve_return_address(root: Claim, info):
        return return_address_for(root.program, root.shipping_country)

    @staticmethod
    def resolve_evidence(root: Claim, info):
        return list(root.documents.all())

    @staticmethod
    def resolve_events(root: Claim, info):
        return list(root.events.all())


class RewardsClaimConnection(CountableConnection):
    class Meta:
        node = RewardsClaim


def claim_connection(claims, *, first=None, after=None):
    claims = claims.select_related("program").order_by("-id")
    return connection_from_queryset(RewardsClaimConnection, claims, first=first, after=after)


def decode_claim_id(global_id: str) -> int:
    return decode_int_id(global_id, CLAIM_TYPE, field="id")
