"""W5 proven from scratch: every withdrawal agrees with its ledger hold.

Requested or approved: the hold is open. Paid: captured in full. Rejected, failed or
cancelled: released. Always: the same amount, on the withdrawal's account.
``rewards_audit`` runs it beside the ledger's own audit.
"""

from django.db import connection

_DISAGREEMENTS = """
SELECT w.id, w.status, h.status, w.amount, h.amount, h.captured
FROM rewards_withdrawal w LEFT JOIN rewards_hold h ON h.id = w.hold_id
WHERE h.id IS NULL
   OR h.account_id <> w.account_id
   OR h.amount <> w.amount
   OR (w.status IN ('requested', 'approved') AND h.status <> 'open')
   OR (w.status = 'paid' AND (h.status <> 'captured' OR h.captured <> w.amount))
   OR (w.status IN ('rejected', 'failed', 'cancelled') AND h.status <> 'released')
ORDER BY w.id
"""


def withdrawal_disagreements() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute(_DISAGREEMENTS)
        rows = cursor.fetchall()
    return [
        f"withdrawal {wid} is {status} for {amount:f} but its hold is "
        f"{hold_status or 'missing'} ({hold_amount or 0:f}, captured {captured or 0:f})"
        for wid, status, hold_status, amount, hold_amount, captured in rows
    ]
