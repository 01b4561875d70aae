"""Purge of sent-reminder rows (O2): a lot that expired or was voided is closed for
good (a return to an expired lot is booked as expired, S3), so its row can never
again keep a second reminder out; it goes after 30 days."""

from datetime import timedelta

from django.db import connection

from ...ledger.constants import LotStatus
from ..retention import purge

KEEP = timedelta(days=30)


@purge(
    "closed-lot-reminders",
    "sent-reminder rows of lots expired or voided, 30 days after the reminder",
)
def purge_closed_lot_reminders(now, *, dry_run, batch_size, progress) -> int:
    condition = (
        "r.sent_at < %s AND EXISTS (SELECT 1 FROM rewards_lot l "
        "WHERE l.id = r.lot_id AND l.status IN (%s, %s))"
    )
    params = [now - KEEP, LotStatus.EXPIRED, LotStatus.VOID]
    with connection.cursor() as cursor:
        if dry_run:
            cursor.execute(
                f"SELECT COUNT(*) FROM rewards_expiry_reminder r WHERE {condition}", params
            )
            count = cursor.fetchone()[0]
            progress(count)
            return count
        done = 0
        while True:
            cursor.execute(
                "DELETE FROM rewards_expiry_reminder WHERE id IN (SELECT r.id FROM "
                f"rewards_expiry_reminder r WHERE {condition} ORDER BY r.id LIMIT %s)",
                [*params, batch_size],
            )
            if not cursor.rowcount:
                return done
            done += cursor.rowcount
            progress(done)
