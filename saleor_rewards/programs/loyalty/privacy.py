"""What the member's orders earned (P1) and its unlinking (P2).

Order awards stay, as the ledger does: their rows serialise later syncs of the order
(a refund after the erasure still takes back its share, through the award's lot),
only the member's id is cut. A delivery confirmation is final (migration 0011) but
for exactly this: its ``member_id`` may become NULL.
"""

from .models import DeliveryConfirmation, OrderAward

NAME = "orders"


def export_member(member_id: int) -> dict:
    awards = OrderAward.objects.filter(member_id=member_id).select_related("program")
    confirmations = DeliveryConfirmation.objects.filter(member_id=member_id)
    return {
        "awards": [
            {
                "channel": award.program.channel_slug,
                "order_id": award.order_id,
                "kind": award.kind,
                "points": award.points,
                "taken_back": award.taken_back,
                "reversed": award.reversed,
                "created_at": award.created_at.isoformat(),
            }
            for award in awards.order_by("id")
        ],
        "delivery_confirmations": [
            {"order_id": row.order_id, "confirmed_at": row.confirmed_at.isoformat()}
            for row in confirmations.order_by("id")
        ],
    }


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    awards = OrderAward.objects.filter(member_id=member_id).update(member_id=None)
    confirmations = DeliveryConfirmation.objects.filter(member_id=member_id).update(member_id=None)
    return {"awards_unlinked": awards, "delivery_confirmations_unlinked": confirmations}
