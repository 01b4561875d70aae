"""The buyer's mail at each step of their claim (C2), sent after the commit."""

import logging

from ...programs.claims.models import Claim

logger = logging.getLogger(__name__)

SUBJECTS = {
    "submitted": "We received your guarantee claim #{id}",
    "info_requested": "Your guarantee claim #{id}: we need more information",
    "approved": "Your guarantee claim #{id} was approved",
    "rejected": "Your guarantee claim #{id} was rejected",
}


def _body(claim: Claim, step: str) -> str:
    lines = [f"Guarantee claim #{claim.id} on order {claim.order_id}: {step.replace('_', ' ')}."]
    if step == "info_requested":
        lines.append(f"The shop asks: {claim.events.order_by('-id').first().message}")
        lines.append("Answer with your text and documents from your account.")
    if step == "approved":
        lines.append(
            f"Granted: {claim.granted} {claim.currency} — refunded to your payment: "
            f"{claim.refund_amount} {claim.currency}; compensation added to your cash "
            f"balance: {claim.compensation_amount} {claim.currency}."
        )
    if claim.note and step in ("approved", "rejected"):
        lines.append(f"Reason: {claim.note}")
    return "\n\n".join(lines)


def mail_claim_step(shop, claim: Claim, step: str) -> None:
    """Never raises: the decision stands whether or not the mail goes out."""
    try:
        shop.mail_buyer(claim.order_id, SUBJECTS[step].format(id=claim.id), _body(claim, step))
    except Exception:  # noqa: BLE001
        logger.exception("could not mail claim %s", claim.id)
