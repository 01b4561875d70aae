"""The batch loop of the set-based jobs (expiry, activation).

Each batch is one transaction over at most ``batch_size`` accounts: it finds the
next accounts with due lots, locks them in ascending id order (``locks``: an
operation locks one account, so a job never deadlocks with a member's request), then
runs the job's one statement over all of them.
"""

from collections.abc import Callable
from datetime import datetime
from decimal import Decimal

from django.db import connection, transaction

from .locks import lock_account_rows

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
                return lots
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
