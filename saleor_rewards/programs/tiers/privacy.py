"""The member's tier in each channel (P1) and its erasure (P2): the row goes with its
personal discount code. (The Saleor adapter deletes the shop's voucher code of it
first, so the code stops resolving there too.)"""

from .models import MemberTier

NAME = "tiers"


def export_member(member_id: int) -> dict:
    rows = MemberTier.objects.filter(member_id=member_id).select_related("program", "tier")
    return {
        "tiers": [
            {
                "channel": row.program.channel_slug,
                "tier": row.tier.name if row.tier else None,
                "consumption": format(row.consumption.normalize(), "f"),
                "verified": row.verified,
                "discount_code": row.discount_code or None,
                "since": row.since.isoformat(),
            }
            for row in rows.order_by("id")
        ]
    }


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    deleted, _ = MemberTier.objects.filter(member_id=member_id).delete()
    return {"tiers": deleted}
