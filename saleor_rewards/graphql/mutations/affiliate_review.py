import logging

import graphene

from ...ledger.errors import NotFound
from ...programs.affiliates import services as affiliates
from ...programs.affiliates.models import Affiliate
from ..permissions import MANAGE_USERS
from ..types.affiliates import RewardsAffiliate, RewardsAffiliateAction, decode_affiliate_id
from .base import RewardsMutation

logger = logging.getLogger(__name__)


def _mail_decision(shop, affiliate) -> None:
    """After the commit: the decision to the applicant. A mail that cannot go out
    is logged; the decision stands."""
    try:
        to = shop.affiliates.member_email(affiliate.member_id) if affiliate.member_id else ""
        if not to:
            return
        subject, body = affiliates.decision_message(affiliate, shop.customers.shop_name())
        shop.affiliates.send_mail(to, subject, body)
    except Exception:  # noqa: BLE001 - the decision is committed; only the mail failed
        logger.exception("saleor-rewards could not mail the decision on affiliate %s", affiliate.id)


class RewardsAffiliateReview(RewardsMutation):
    """Staff or App (MANAGE_USERS): approve (optionally with the affiliate's own
    commission percent), reject or suspend an affiliate (A1). Audited; the applicant
    gets the decision by e-mail."""

    class Arguments:
        id = graphene.ID(required=True)
        action = RewardsAffiliateAction(required=True)
        note = graphene.String(description="Shown to the applicant with the decision.")
        commission_percent = graphene.Decimal(
            description="APPROVE only: this affiliate's commission, instead of the channel's."
        )

    affiliate = graphene.Field(RewardsAffiliate)

    @classmethod
    def perform(cls, root, info, *, id, action, note=None, commission_percent=None):
        context = info.context
        context.requestor.require_perm(MANAGE_USERS)
        affiliate_id = decode_affiliate_id(id)
        found = Affiliate.objects.select_related("program").filter(id=affiliate_id).first()
        if found is None:
            raise NotFound(f"Affiliate {id} does not exist.", field="id")
        context.requestor.require_channel(found.program.channel_slug)
        shop = context.shop
        affiliate = affiliates.review(
            affiliate_id,
            action,
            note=note or "",
            commission_percent=commission_percent,
            actor=context.requestor.actor(),
            on_decided=lambda decided: _mail_decision(shop, decided),
        )
        return {"affiliate": affiliate}
