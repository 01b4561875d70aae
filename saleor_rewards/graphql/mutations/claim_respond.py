import graphene
from django.db import transaction

from ...programs.claims.services import respond_claim
from ..types.claims import RewardsClaim, decode_claim_id
from .base import RewardsMutation
from .claim_mail import mail_claim_step


class RewardsClaimRespond(RewardsMutation):
    """Customer: answer the shop's request for information on your claim (C2), with
    text and documents uploaded through Saleor's fileUpload."""

    class Arguments:
        id = graphene.ID(required=True)
        message = graphene.String(required=True)
        evidence_urls = graphene.List(graphene.NonNull(graphene.String))

    claim = graphene.Field(RewardsClaim)

    @classmethod
    def perform(cls, root, info, *, id, message, evidence_urls=None):
        context = info.context
        user_id = context.requestor.require_user()
        claim = respond_claim(
            user_id, decode_claim_id(id), message, evidence_urls, shop=context.shop.claims
        )
        transaction.on_commit(lambda: mail_claim_step(context.shop.claims, claim, "submitted"))
        return {"claim": claim}
