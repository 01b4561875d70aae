"""Calls of the ledger's server functions (migration 0019): one round trip each.

``open_locked`` is the prologue of an operation: it takes the account's row lock
(the ledger's one lock, ``locks``, U7), first finding the account from a lot, hold or
entry when the caller names one of those, then reads the posting already recorded
under the key (after the lock: under READ COMMITTED it then sees whatever a
concurrent holder of the same key committed before us, U6) and, when asked, the
spendable lots soonest-expiring first (``posting.spendable_lots``).
``post_entry`` writes one entry with its new lot or hold, the lot moves, their
allocations and the account's new balances (what ``posting.post`` computed).

PL/pgSQL keeps the plans of the functions' statements for the session, so the long
statements are not parsed again on every call; the call itself is short.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .errors import NotFound
from .locks import LockedAccount

_OPEN_SQL = (
    "SELECT * FROM rewards_ledger_open(%s::bigint, %s::text, %s::bigint, %s::text, "
    "%s::timestamptz, %s::boolean)"
)

_POST_SQL = (
    "SELECT o_entry, o_lot, o_hold FROM rewards_ledger_post("
    + ", ".join(
        f"%({name})s::{sql_type}"
        for name, sql_type in (
            ("account_id", "bigint"),
            ("now", "timestamptz"),
            ("type", "text"),
            ("d_available", "numeric"),
            ("d_pending", "numeric"),
            ("d_held", "numeric"),
            ("d_debt", "numeric"),
            ("available", "numeric"),
            ("pending", "numeric"),
            ("held", "numeric"),
            ("debt", "numeric"),
            ("unrecovered", "numeric"),
            ("expired", "numeric"),
            ("make_lot", "boolean"),
            ("lot_source", "text"),
            ("lot_status", "text"),
            ("lot_amount", "numeric"),
            ("lot_available_at", "timestamptz"),
            ("lot_expires_in_days", "integer"),
            ("lot_expires_at", "timestamptz"),
            ("make_hold", "boolean"),
            ("hold_amount", "numeric"),
            ("hold_expires_at", "timestamptz"),
            ("lot_id", "bigint"),
            ("hold_id", "bigint"),
            ("original_id", "bigint"),
            ("key", "text"),
            ("reference_type", "text"),
            ("reference_id", "text"),
            ("actor_type", "text"),
            ("actor_id", "text"),
            ("reason", "text"),
            ("move_lots", "bigint[]"),
            ("move_amounts", "numeric[]"),
        )
    )
    + ")"
)


@dataclass
class Opened:
    """A locked account, the row recorded under the key (or None), its spendable lots."""

    account: LockedAccount
    replay: tuple | None
    lots: list[tuple[int, Decimal]] | None


def open_locked(
    cursor,
    account_id: int | None,
    *,
    owner: tuple[str, int, str] | None = None,
    key: str | None = None,
    now: datetime | None = None,
    lots: bool = False,
) -> Opened:
    """Lock the account (or the account of ``owner``: table, row id, what) and read
    what the operation needs, in one round trip. Raises ``NotFound``."""
    table, row_id, what = owner or (None, None, None)
    cursor.execute(_OPEN_SQL, [account_id, table, row_id, key, now, lots])
    row = cursor.fetchone()
    if not row[0]:
        raise NotFound(f"{what} {row_id} does not exist.", field=what.lower())
    if row[1] is None:
        missing = account_id if owner is None else "of " + f"{what.lower()} {row_id}"
        raise NotFound(f"Account {missing} does not exist.", field="account")
    account = LockedAccount(*row[1:9])
    replay = row[9:21] if row[9] is not None else None
    spendable = list(zip(row[21], row[22], strict=True)) if row[21] is not None else None
    return Opened(account, replay, spendable)


def post_entry(cursor, params: dict) -> tuple[int, int | None, int | None]:
    """Write the entry ``params`` describes (``posting.post``); (entry, lot, hold) ids."""
    cursor.execute(_POST_SQL, params)
    return cursor.fetchone()
