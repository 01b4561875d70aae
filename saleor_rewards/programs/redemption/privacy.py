"""Points and cash the member applied to checkouts (P1, P2). Erasure cuts the member
off; the redemption stays with its hold, card and order, as accounting needs."""

from .models import Redemption

NAME = "redemption"


def export_member(member_id: int) -> dict:
    rows = Redemption.objects.filter(member_id=member_id).select_related("program")
    return {
        "redemptions": [
            {
                "channel": row.program.channel_slug,
                "kind": row.kind,
                "units": format(row.units.normalize(), "f"),
                "amount": format(row.amount.normalize(), "f"),
                "currency": row.currency,
                "status": row.status,
                "order_id": row.order_id or None,
                "created_at": row.created_at.isoformat(),
            }
            for row in rows.order_by("id")
        ]
    }


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    unlinked = Redemption.objects.filter(member_id=member_id).update(member_id=None)
    return {"redemptions_unlinked": unlinked}
