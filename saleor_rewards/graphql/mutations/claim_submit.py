import graphene
from django.db import transaction

from ...ledger.errors import NotFound
from ...programs.channel.members import Member
from ...programs.claims.services import CostInput, submit_claim
from ..ids import decode_uuid_id
from ..types.claims import RewardsClaim, RewardsClaimType, RewardsMoneyInput
from .base import RewardsMutation
from .claim_mail import mail_claim_step


class RewardsClaimSubmitInput(graphene.InputObjectType):
    order_id = graphene.ID(required=True, description="Saleor Order id.")
    line_ids = graphene.List(
        graphene.NonNull(graphene.ID), required=True, description="Saleor OrderLine ids."
    )
    type = RewardsClaimType(required=True)
    description = graphene.String(required=True)
    evidence_urls = graphene.List(
        graphene.NonNull(graphene.String),
        required=True,
        description="At least one document uploaded through Saleor's fileUpload (its url).",
    )
    delivery_cost = RewardsMoneyInput(description="COUNTERFEIT: your delivery costs.")
    logistics_cost = RewardsMoneyInput(
        description="NOT_DIRECT_SUPPLY: logistics of buying and returning."
    )
    other_costs = RewardsMoneyInput(
        description="NOT_DIRECT_SUPPLY: other costs of the transaction and dispute."
    )


def _cost(value):
    return CostInput(value["amount"], value["currency"]) if value else None


class RewardsClaimSubmit(RewardsMutation):
    """Customer: file a guarantee claim on lines of your fulfilled order, within the
    claim window (C1). One open claim per line and type."""

    class Arguments:
        input = RewardsClaimSubmitInput(required=True)

    claim = graphene.Field(RewardsClaim)

    @classmethod
    def perform(cls, root, info, *, input):
        context = info.context
        user_id = context.requestor.require_user()
        order_id = decode_uuid_id(input["order_id"], "Order", field="orderId")
        line_ids = [
            decode_uuid_id(line_id, "OrderLine", field="lineIds") for line_id in input["line_ids"]
        ]
        order = context.shop.claims.claim_order(order_id)
        program = context.program(order.snapshot.channel_slug) if order else None
        member = Member(program, user_id) if program else None
        if member is None:
            raise NotFound("Order not found among your orders.", field="orderId")
        claim = submit_claim(
            member,
            order,
            line_ids=line_ids,
            claim_type=input["type"],
            description=input["description"],
            evidence=input["evidence_urls"],
            costs={
                "delivery": _cost(input.get("delivery_cost")),
                "logistics": _cost(input.get("logistics_cost")),
                "other": _cost(input.get("other_costs")),
            },
            settings=context.settings_for(program),
            shop=context.shop.claims,
        )
        transaction.on_commit(lambda: mail_claim_step(context.shop.claims, claim, "submitted"))
        return {"claim": claim}
