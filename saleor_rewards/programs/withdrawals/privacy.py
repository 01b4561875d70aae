"""A member's withdrawals for access and erasure (P1, P2); details only ever masked."""

from django.db import transaction

from .models import Withdrawal, WithdrawalStatus

NAME = "withdrawals"


def export_member(member_id: int) -> dict:
    withdrawals = (
        Withdrawal.objects.filter(member_id=member_id).select_related("program").order_by("id")
    )
    return {
        "withdrawals": [
            {
                "id": withdrawal.id,
                "channel": withdrawal.program.channel_slug,
                "status": withdrawal.status,
                "amount": format(withdrawal.amount.normalize(), "f"),
                "currency": withdrawal.currency,
                "method": withdrawal.method,
                "details_masked": withdrawal.details_masked,
                "payout_reference": withdrawal.payout_reference,
                "created_at": withdrawal.created_at.isoformat(),
                "closed_at": withdrawal.closed_at.isoformat() if withdrawal.closed_at else None,
            }
            for withdrawal in withdrawals
        ]
    }


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    """Delete the payout details and the link to the member; amounts stay.

    An open withdrawal keeps its link (its hold is still the member's money) until
    staff close it; its details go all the same, so it can no longer be paid out.
    """
    with transaction.atomic():
        withdrawals = Withdrawal.objects.filter(member_id=member_id)
        details = withdrawals.exclude(details="", details_masked="").update(
            details="", details_masked="", note=""
        )
        unlinked = withdrawals.exclude(status__in=WithdrawalStatus.OPEN).update(member_id=None)
    return {"withdrawal_details": details, "withdrawals_unlinked": unlinked}
