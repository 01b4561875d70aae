"""Vouchers the member bought with points (P1, P2). The codes are bearer vouchers
the member paid for: they stay valid; erasure cuts the member off the conversion."""

from .models import VoucherConversion

NAME = "vouchers"


def export_member(member_id: int) -> dict:
    rows = VoucherConversion.objects.filter(member_id=member_id).select_related("program")
    return {
        "vouchers": [
            {
                "channel": row.program.channel_slug,
                "code": row.code,
                "points": row.points,
                "amount": format(row.amount.normalize(), "f"),
                "currency": row.currency,
                "valid_until": row.valid_until.isoformat(),
                "created_at": row.created_at.isoformat(),
            }
            for row in rows.order_by("created_at", "id")
        ]
    }


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    unlinked = VoucherConversion.objects.filter(member_id=member_id).update(member_id=None)
    return {"vouchers_unlinked": unlinked}
