import graphene
from django.db import transaction

from ...ledger.errors import NotFound
from ...programs.claims.models import Claim
from ...programs.claims.services import process_claim
from ..permissions import MANAGE_ORDERS
from ..types.claims import RewardsClaim, RewardsClaimAction, decode_claim_id
from .base import RewardsMutation
from .claim_mail import mail_claim_step


class RewardsClaimProcess(RewardsMutation):
    """Staff or App (MANAGE_ORDERS): request information on, approve or reject a claim
    (C2). APPROVE grants at most the ceiling (LIMIT_EXCEEDED), less only with a
    ``note``; it refunds the paid part through Saleor and pays the rest into the
    buyer's cash balance against the merchant deposit (C3). A decision is final."""

    class Arguments:
        id = graphene.ID(required=True)
        action = RewardsClaimAction(required=True)
        note = graphene.String(
            description="The question (REQUEST_INFO) or the reason, shown to the buyer."
        )
        compensation = graphene.Decimal(
            description="APPROVE: the total granted (refund + compensation); default the ceiling."
        )

    claim = graphene.Field(RewardsClaim)

    @classmethod
    def perform(cls, root, info, *, id, action, note=None, compensation=None):
        context = info.context
        context.requestor.require_perm(MANAGE_ORDERS)
        claim_id = decode_claim_id(id)
        claim = Claim.objects.select_related("program").filter(id=claim_id).first()
        if claim is None:
            raise NotFound(f"Claim {id} does not exist.", field="id")
        context.requestor.require_channel(claim.program.channel_slug)
        claim = process_claim(
            claim_id,
            action,
            settings=context.settings_for(claim.program),
            shop=context.shop.claims,
            note=note or "",
            compensation=compensation,
            actor=context.requestor.actor(),
        )
        step = claim.status
        transaction.on_commit(lambda: mail_claim_step(context.shop.claims, claim, step))
        return {"claim": claim}
