"""The batch loop of the set-based jobs (expiry, activation).

Each batch is one transaction over at most ``batch_size`` accounts: it finds the
next accounts with due lots, locks them in ascending id order (``locks``: an
operation locks one account, so a job never deadlocks with a member's request), then
runs the job's one statement over all of them.
"""

import logging
from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction

from .locks import lock_account_rows

logger = logging.getLogger(__name__)

# A pass that changed this many lots tells PostgreSQL's planner about it at once
# (ANALYZE), rather than when autovacuum next gets to the tables: a nightly expiry of
# hundreds of thousands of lots otherwise leaves the planner thinking that no entry is
# recent, and the reports that read the last days' entries (the liability's daily
# series) pick row-by-row plans that take seconds instead of a fraction of one.
ANALYZE_AFTER_LOTS = 10_000
ANALYZED_TABLES = "rewards_lot, rewards_entry, rewards_allocation, rewards_account"

Progress = Callable[[int, int], None]
# Called after a batch's statement, under its locks: (cursor, account ids, now).
Then = Callable[[object, list[int], datetime], None]


def run_in_batches(
    due_accounts_sql: str,
    work_sql: str,
    now: datetime,
    *,
    batch_size: int,
    progress: Progress | None,
    then: Then | None = None,
) -> int:
    """Run ``work_sql`` (returning ``(lots, amount)``) per batch; return the lots.

    ``due_accounts_sql`` takes ``now``, ``after`` and ``limit`` and returns account
    ids in ascending order; ``work_sql`` takes ``ids`` and ``now``. A third column
    ``work_sql`` returns (account ids) is handed to ``then(cursor, ids, now)`` in the
    batch's transaction when it names any. ``progress(accounts, lots)`` is called
    after each batch with running totals.
    """
    accounts = lots = 0
    after = 0
    while True:
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(due_accounts_sql, {"now": now, "after": after, "limit": batch_size})
            ids = [row[0] for row in cursor.fetchall()]
            if not ids:
                break
            lock_account_rows(cursor, ids)
            cursor.execute(work_sql, {"ids": ids, "now": now})
            count, _total, *follow_up = cursor.fetchone()
            if then and follow_up and follow_up[0]:
                then(cursor, follow_up[0], now)
        accounts += len(ids)
        lots += count
        after = ids[-1]
        if progress:
            progress(accounts, lots)
    if lots >= ANALYZE_AFTER_LOTS:
        _analyze()
    return lots


def _analyze() -> None:
    """Fresh planner statistics for the ledger's tables (a sample of each: a fraction
    of a second at a million lots). Needs the tables' owner, the role that migrated
    them; a role that may not is told by a warning and the job's result stands."""
    try:
        # in a savepoint: a job called inside a caller's transaction keeps it usable
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"ANALYZE {ANALYZED_TABLES}")
    except Exception:  # noqa: BLE001 - statistics are a courtesy, the pass is done
        logger.warning("saleor-rewards could not ANALYZE the ledger's tables", exc_info=True)


def summary(lots_sql: str, now: datetime) -> tuple[int, int, Decimal]:
    """(accounts, lots, amount) of the due lots ``lots_sql`` selects (a dry run).

    ``lots_sql`` is a ``FROM ... WHERE ...`` clause over ``rewards_lot`` taking ``now``.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT COUNT(DISTINCT account_id), COUNT(*), COALESCE(SUM(remaining), 0) " + lots_sql,
            {"now": now},
        )
        return cursor.fetchone()
