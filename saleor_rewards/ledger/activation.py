"""Activation of due pending lots, set-based (L2, O1).

A pending lot gets an ``available_at`` when its hold starts (e.g. an order delivered
with ``hold_days`` > 0); once that time has passed, this job makes it spendable and
starts its expiry clock, exactly as ``operations.activate`` does for one lot: one
``activate`` entry per lot under the same idempotency key (``lot:<id>:activate``), so
a lot activated here and then by hand (or the other way round) is activated once.
Lots whose ``available_at`` is NULL wait for an explicit ``activate`` and are never
touched here. Accounts that owe points (L3) then pay their debt from what became
spendable, as ``activate`` does (``debt.settle_after_activation``).

One statement activates every due lot of a batch of accounts. Accounts are locked
first, in ascending id order, the order every ledger operation respects (locks.py),
so the job never deadlocks with a member's request.
"""

from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from .batches import Progress, run_in_batches, summary
from .debt import settle_after_activation
from .locks import lock_account_row
from .posting import account_of

_DUE_ACCOUNTS_SQL = """
SELECT DISTINCT account_id FROM rewards_lot
WHERE status = 'pending' AND available_at <= %(now)s AND account_id > %(after)s
ORDER BY account_id LIMIT %(limit)s
"""

# Several lots of one account become several entries whose ``*_after`` columns must
# continue each other in id order (the chain trigger of migration 0002). The running
# sums are ordered by (account, lot); the entry ids are drawn first and handed out in
# that same order, so the chain holds whatever order the INSERT evaluates rows in.
_ACTIVATE_SQL = """
WITH due AS (
    SELECT l.id, l.account_id, l.remaining, l.expires_in_days,
        l.reference_type, l.reference_id, a.available, a.pending, a.held, a.debt,
        SUM(l.remaining) OVER (PARTITION BY l.account_id ORDER BY l.id) AS running,
        row_number() OVER (ORDER BY l.account_id, l.id) AS n
    FROM rewards_lot l JOIN rewards_account a ON a.id = l.account_id
    WHERE l.account_id = ANY(%(ids)s) AND l.status = 'pending'
      AND l.available_at <= %(now)s AND l.remaining > 0
),
-- A pending lot voided in full has nothing to activate: it only closes.
emptied AS (
    UPDATE rewards_lot SET status = 'void'
    WHERE account_id = ANY(%(ids)s) AND status = 'pending'
      AND available_at <= %(now)s AND remaining = 0
),
drawn AS (
    SELECT nextval(pg_get_serial_sequence('rewards_entry', 'id')) AS id FROM due
),
entry_id AS (
    SELECT id, row_number() OVER (ORDER BY id) AS n FROM drawn
),
entry AS (
    INSERT INTO rewards_entry (id, account_id, created_at, type, amount,
        available_delta, pending_delta, held_delta, debt_delta,
        available_after, pending_after, held_after, debt_after, unrecovered, expired,
        lot_id, idempotency_key, reference_type, reference_id,
        actor_type, actor_id, reason)
    SELECT entry_id.id, due.account_id, %(now)s, 'activate', 0,
        due.remaining, -due.remaining, 0, 0,
        due.available + due.running, due.pending - due.running, due.held, due.debt,
        0, 0,
        due.id, 'lot:' || due.id || ':activate', due.reference_type, due.reference_id,
        'system', '', ''
    FROM due JOIN entry_id USING (n)
),
per_account AS (
    SELECT account_id, SUM(remaining) AS total FROM due GROUP BY account_id
),
account AS (
    UPDATE rewards_account a
    SET available = a.available + p.total, pending = a.pending - p.total
    FROM per_account p WHERE a.id = p.account_id
),
lots AS (
    -- The expiry clock starts now, like operations.activate (L4); 24-hour days,
    -- as Python's timedelta(days=...).
    UPDATE rewards_lot l SET status = 'available', available_at = %(now)s,
        expires_at = %(now)s + due.expires_in_days * INTERVAL '24 hours'
    FROM due WHERE l.id = due.id
)
-- The accounts that owe points: they settle next (debt.settle_after_activation).
SELECT COUNT(*), COALESCE(SUM(remaining), 0),
    ARRAY(SELECT DISTINCT account_id FROM due WHERE debt > 0)
FROM due
"""

_DUE_LOTS = (
    "FROM rewards_lot WHERE status = 'pending' AND available_at <= %(now)s AND remaining > 0"
)


def activate_due_lots(
    now: datetime | None = None,
    *,
    batch_size: int = 2000,
    progress: Progress | None = None,
) -> int:
    """Make every pending lot whose ``available_at`` has passed spendable; return how
    many lots were activated.

    Works in batches of ``batch_size`` accounts, one transaction each, so a large
    run never holds many locks for long; ``progress(accounts, lots)`` is called
    after each batch with the running totals. Running it again activates nothing
    twice: an activated lot is no longer pending.
    """
    return run_in_batches(
        _DUE_ACCOUNTS_SQL,
        _ACTIVATE_SQL,
        now or timezone.now(),
        batch_size=batch_size,
        progress=progress,
        then=settle_after_activation,
    )


def due_for_activation(now: datetime | None = None) -> tuple[int, int, Decimal]:
    """What ``activate_due_lots(now)`` would activate: (accounts, lots, amount)."""
    return summary(_DUE_LOTS, now or timezone.now())


def activate_at(lot_id: int, at: datetime, *, sooner: bool = False) -> bool:
    """Set when a pending lot becomes spendable (L2: delivered, plus ``hold_days``).

    ``activate_due_lots`` activates it then. A lot that has its time already keeps
    it, so a repeated delivery changes nothing; returns whether the time was set.
    With ``sooner`` a later time is brought forward to ``at`` (never pushed back):
    the customer confirmed delivery before the automatic date (L2).
    Written under the account's lock, like every change to a lot.
    """
    with transaction.atomic(), connection.cursor() as cursor:
        lock_account_row(cursor, account_of(cursor, "rewards_lot", lot_id, "Lot"))
        cursor.execute(
            "UPDATE rewards_lot SET available_at = %(at)s "
            "WHERE id = %(lot)s AND status = 'pending' AND (available_at IS NULL "
            "OR (%(sooner)s AND available_at > %(at)s))",
            {"at": at, "lot": lot_id, "sooner": sooner},
        )
        return cursor.rowcount == 1
