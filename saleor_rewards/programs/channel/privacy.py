"""The member's ledger and restriction, as export (P1) and erasure (P2) see them.

Erasure keeps every amount (``ledger.erasure.unlink_member``: the accounts stay,
only the member's id is cut) and deletes the restriction. The export shows a staff
adjustment's reason as the member reads it in their history (I3: the note is
staff's).
"""

from ...ledger.constants import EntryType
from ...ledger.erasure import unlink_member
from ...ledger.models import Account, Entry, Hold, Lot
from .models import MemberRestriction

NAME = "ledger"
SHOP_ADJUSTMENT_REASON = "Adjusted by the shop"


def _text(value) -> str | None:
    return None if value is None else format(value.normalize(), "f")


def _when(value) -> str | None:
    return value.isoformat() if value else None


def _lot(lot: Lot) -> dict:
    return {
        "id": lot.id,
        "source": lot.source,
        "status": lot.status,
        "amount": _text(lot.amount),
        "remaining": _text(lot.remaining),
        "created_at": _when(lot.created_at),
        "available_at": _when(lot.available_at),
        "expires_at": _when(lot.expires_at),
    }


def _hold(hold: Hold) -> dict:
    return {
        "id": hold.id,
        "amount": _text(hold.amount),
        "status": hold.status,
        "captured": _text(hold.captured),
        "created_at": _when(hold.created_at),
        "closed_at": _when(hold.closed_at),
        "reference": {"type": hold.reference_type, "id": hold.reference_id},
    }


def _entry(entry: Entry) -> dict:
    # Who did it is the member, the system, or staff whose id is theirs, not the
    # member's: the actor is left out.
    return {
        "id": entry.id,
        "created_at": _when(entry.created_at),
        "type": entry.type,
        "amount": _text(entry.amount),
        "available_after": _text(entry.available_after),
        "pending_after": _text(entry.pending_after),
        "held_after": _text(entry.held_after),
        "debt_after": _text(entry.debt_after),
        "reason": SHOP_ADJUSTMENT_REASON if entry.type == EntryType.ADJUST else entry.reason,
        "reference": {"type": entry.reference_type, "id": entry.reference_id},
    }


def export_member(member_id: int) -> dict:
    accounts = []
    for account in (
        Account.objects.filter(member_id=member_id).select_related("program").order_by("id")
    ):
        accounts.append(
            {
                "channel": account.program.channel_slug,
                "kind": account.kind,
                "currency": account.currency or None,
                "available": _text(account.available),
                "pending": _text(account.pending),
                "held": _text(account.held),
                "debt": _text(account.debt),
                "lots": [_lot(lot) for lot in account.lots.order_by("id")],
                "holds": [_hold(hold) for hold in account.holds.order_by("id")],
                "history": [_entry(entry) for entry in account.entries.order_by("id")],
            }
        )
    restriction = MemberRestriction.objects.filter(member_id=member_id).first()
    return {
        "accounts": accounts,
        "restriction": None
        if restriction is None
        else {
            "restricted": restriction.restricted,
            "reason": restriction.reason,
            "changed_at": _when(restriction.changed_at),
        },
    }


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    counts = unlink_member(member_id)
    counts["restrictions"], _ = MemberRestriction.objects.filter(member_id=member_id).delete()
    return counts
