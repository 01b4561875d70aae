"""Expiry of due lots, set-based (L4, O1).

One statement expires any number of lots of a batch of accounts: it empties the lots,
writes one ``expire`` entry per account with an allocation per lot, and lowers the
accounts. Accounts are locked first, in ascending id order, the order every ledger
operation respects (locks.py), so the job never deadlocks with a member's request.
"""

from datetime import datetime
from decimal import Decimal

from django.utils import timezone

from .batches import Progress, run_in_batches, summary

_DUE_ACCOUNTS_SQL = """
SELECT DISTINCT account_id FROM rewards_lot
WHERE status = 'available' AND remaining > 0 AND expires_at <= %(now)s
  AND account_id > %(after)s
ORDER BY account_id LIMIT %(limit)s
"""

_EXPIRE_SQL = """
WITH due AS (
    SELECT l.id, l.account_id, l.remaining FROM rewards_lot l
    WHERE l.account_id = ANY(%(ids)s) AND l.status = 'available'
      AND l.remaining > 0 AND l.expires_at <= %(now)s
),
per_account AS (
    SELECT account_id, SUM(remaining) AS total FROM due GROUP BY account_id
),
account AS (
    UPDATE rewards_account a SET available = a.available - p.total
    FROM per_account p WHERE a.id = p.account_id
    RETURNING a.id, a.available, a.pending, a.held, a.debt, p.total
),
entry AS (
    INSERT INTO rewards_entry (account_id, created_at, type, amount,
        available_delta, pending_delta, held_delta, debt_delta,
        available_after, pending_after, held_after, debt_after, unrecovered, expired,
        reference_type, reference_id, actor_type, actor_id, reason)
    SELECT id, %(now)s, 'expire', -total, -total, 0, 0, 0, available, pending, held,
        debt, 0, 0, '', '', 'system', '', ''
    FROM account
    RETURNING id, account_id
),
allocations AS (
    INSERT INTO rewards_allocation (entry_id, lot_id, amount)
    SELECT entry.id, due.id, -due.remaining FROM due JOIN entry USING (account_id)
),
lots AS (
    UPDATE rewards_lot l SET remaining = 0, status = 'expired'
    FROM due WHERE l.id = due.id
)
SELECT COUNT(*), COALESCE(SUM(remaining), 0) FROM due
"""


def expire_due_lots(
    now: datetime | None = None,
    *,
    batch_size: int = 2000,
    progress: Progress | None = None,
) -> int:
    """Expire every available lot whose ``expires_at`` has passed; return how many.

    Works in batches of ``batch_size`` accounts, one transaction each, so a large
    run never holds many locks for long; ``progress(accounts, lots)`` is called
    after each batch with the running totals.
    """
    return run_in_batches(
        _DUE_ACCOUNTS_SQL,
        _EXPIRE_SQL,
        now or timezone.now(),
        batch_size=batch_size,
        progress=progress,
    )


_DUE_LOTS = (
    "FROM rewards_lot WHERE status = 'available' AND remaining > 0 AND expires_at <= %(now)s"
)


def due_for_expiry(now: datetime | None = None) -> tuple[int, int, Decimal]:
    """What ``expire_due_lots(now)`` would expire: (accounts, lots, amount)."""
    return summary(_DUE_LOTS, now or timezone.now())
