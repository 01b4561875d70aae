"""Claims in the privacy duties (P1, P2): what a member's export shows, and what their
erasure deletes. Amounts stay for accounting; texts and evidence go."""

from .evidence import delete_files
from .models import Claim, ClaimDocument, ClaimEvent

NAME = "claims"
ERASED = "(erased)"


def _money(value) -> str:
    return format(value.normalize(), "f")


def export_member(member_id: int) -> dict:
    """The member's claims in every channel, with their story (P1). Document files
    are listed by name; their contents are read through the claim's evidence links."""
    claims = (
        Claim.objects.filter(member_id=member_id)
        .select_related("program")
        .prefetch_related("lines", "events", "documents")
        .order_by("id")
    )
    return {
        "claims": [
            {
                "id": claim.id,
                "channel": claim.program.channel_slug,
                "orderId": claim.order_id,
                "type": claim.type,
                "status": claim.status,
                "description": claim.description,
                "currency": claim.currency,
                "deliveryCost": _money(claim.delivery_cost),
                "logisticsCost": _money(claim.logistics_cost),
                "otherCosts": _money(claim.other_costs),
                "ceiling": _money(claim.ceiling),
                "granted": _money(claim.granted) if claim.granted is not None else None,
                "createdAt": claim.created_at.isoformat(),
                "lines": [
                    {"orderLineId": line.order_line_id, "quantity": line.quantity}
                    for line in claim.lines.all()
                ],
                "events": [
                    {
                        "type": event.type,
                        "message": event.message,
                        "at": event.created_at.isoformat(),
                    }
                    for event in claim.events.all()
                ],
                "documents": [document.filename for document in claim.documents.all()],
            }
            for claim in claims
        ]
    }


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    """Delete the member's evidence, blank their texts, unlink the claims (P2).
    Idempotent: a second run finds nothing of theirs."""
    claims = Claim.objects.filter(member_id=member_id)
    documents = ClaimDocument.objects.filter(claim__in=claims)
    names = list(documents.values_list("storage_name", flat=True))
    deleted_documents = documents.delete()[0]
    messages = (
        ClaimEvent.objects.filter(claim__in=claims).exclude(message="").update(message=ERASED)
    )
    erased = claims.update(member_id=None, description=ERASED)
    delete_files(names)
    return {"claims": erased, "claim_documents": deleted_documents, "claim_messages": messages}
