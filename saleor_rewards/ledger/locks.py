"""The ledger's row locks (U7): every lock on a ledger table is taken here.

The ledger has one lock, the ``rewards_account`` row. An account's lots, holds and
entries are written only under it, so it is the last lock of the house's fixed order
(``programs/locks.py`` lists the rest): a transaction takes it after any lock above
the ledger, never before one.

- An operation locks the one account it touches, first, before it reads its key or
  its lots (``operations``; the server function ``rewards_ledger_open`` of migration
  0019 takes it, called by ``server.open_locked``). Taking it again in the same
  transaction costs nothing.
- Several accounts are locked in one statement, in ascending id order: the jobs
  (``batches``), and a program that needs two balances of one member at once.
- A program locks an account itself only to read something and then post under the
  same lock (the daily cap counts the day's lots, then credits); it then calls a
  ledger operation, which takes the lock it already holds.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from django.db import connection, transaction

from .errors import NotFound
from .models import Account


@dataclass
class LockedAccount:
    id: int
    member_id: int | None
    kind: str
    currency: str | None
    available: Decimal
    pending: Decimal
    held: Decimal
    debt: Decimal
    # The spendable lots, soonest-expiring first, when the operation read them with
    # its lock (``server.open_locked``).
    lots: list[tuple[int, Decimal]] | None = None
    # The lot, hold or entry the operation names and what that entry can still give
    # back, read with the lock (``server.Opened.owner`` and ``.back``).
    owner: tuple | None = None
    back: list[tuple] | None = None


def account_id(account: Account | int) -> int:
    return account.id if isinstance(account, Account) else int(account)


def lock_account_row(cursor, account_id: int) -> LockedAccount:
    """Lock one account and read its balances (the ledger's own operations)."""
    cursor.execute(
        "SELECT id, member_id, kind, currency, available, pending, held, debt "
        "FROM rewards_account WHERE id = %s FOR UPDATE",
        [account_id],
    )
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"Account {account_id} does not exist.", field="account")
    return LockedAccount(*row)


def lock_account_rows(cursor, account_ids: Iterable[int]) -> list[int]:
    """Lock several accounts in ascending id order; returns the ids that exist."""
    cursor.execute(
        "SELECT id FROM rewards_account WHERE id = ANY(%s) ORDER BY id FOR UPDATE",
        [sorted(set(account_ids))],
    )
    return [row[0] for row in cursor.fetchall()]


def _in_transaction() -> None:
    # Outside a transaction the lock would end with the statement that took it.
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("A ledger lock must be taken inside transaction.atomic().")


def lock_account(account: Account | int) -> LockedAccount:
    """Hold the account's row lock until the caller's transaction ends.

    For a program that reads (e.g. the day's lots) and then posts under the same
    lock; the ledger's operations lock on their own.
    """
    _in_transaction()
    with connection.cursor() as cursor:
        return lock_account_row(cursor, account_id(account))


def lock_accounts(accounts: Iterable[Account | int]) -> None:
    """Hold several accounts' row locks (ascending id order) until the transaction
    ends: before posting to more than one balance in one transaction."""
    _in_transaction()
    ids = [account_id(account) for account in accounts]
    with connection.cursor() as cursor:
        found = lock_account_rows(cursor, ids)
    if missing := set(ids) - set(found):
        raise NotFound(f"Account {min(missing)} does not exist.", field="account")
