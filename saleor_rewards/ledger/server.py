"""Calls of the ledger's server functions (migrations 0019-0023): one round trip each.

The commonest operations are one call: ``move`` (``rewards_ledger_move``) credits,
debits or holds, ``close`` (``rewards_ledger_close``) activates a lot or captures a
whole hold, with the posting rules on the server (``one_call``).
The others, and whatever those decline (a debt to settle first, a partial capture),
are two calls with the rules in Python between them:

``open_locked`` is the prologue of an operation: it takes the account's row lock
(the ledger's one lock, ``locks``, U7), first finding the account from a lot, hold or
entry when the caller names one of those, then reads the posting already recorded
under the key (after the lock: under READ COMMITTED it then sees whatever a
concurrent holder of the same key committed before us, U6) and, when asked, the
spendable lots soonest-expiring first (``posting.spendable_lots``).
``post_entry`` writes one entry with its new lot or hold, the lot moves, their
allocations, the lot's or hold's new status and the account's new balances (what
``posting.post`` computed).

PL/pgSQL keeps the plans of the functions' statements for the session, so the long
statements are not parsed again on every call. The two calls themselves are
prepared statements of the session too (issue 14: about a tenth of an operation's
time): they go through a cursor that binds the parameters on the server and
prepares its statement once per connection, wrapped like Django's own cursors (so
Django's execute wrappers, e.g. Saleor's writer check, and its query log see them).
Django leaves prepared statements off for connection poolers that cannot hold them
(PgBouncer in transaction mode before 1.21, or with ``max_prepared_statements = 0``);
behind one, set ``SALEOR_REWARDS_LEDGER_PREPARED = False`` (Django setting or
environment variable ``SALEOR_REWARDS_LEDGER_PREPARED=0``) and the calls are plain
statements on Django's own cursor.
"""

import os
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.conf import settings
from django.db.backends.utils import CursorDebugWrapper

from .errors import NotFound
from .locks import LockedAccount

SETTING = "SALEOR_REWARDS_LEDGER_PREPARED"
_ONLY_WHEN_ASKED = 2**31 - 1


def prepared_statements() -> bool:
    """Whether the ledger's calls are prepared statements (default: yes)."""
    value = getattr(settings, SETTING, None)
    if value is None:
        value = os.environ.get(SETTING, "1")
    if isinstance(value, str):
        return value.strip().lower() not in ("0", "false", "no", "off", "")
    return bool(value)


def _execute(cursor, sql: str, params) -> tuple:
    """Run ``sql`` on the connection of Django's ``cursor``; its one row."""
    if not prepared_statements():
        cursor.execute(sql, params)
        return cursor.fetchone()
    db = cursor.db
    connection = db.connection
    if connection.prepare_threshold is None:
        # Django turns psycopg's prepared statements off on the connection (None); a
        # threshold no statement reaches turns them on for an explicit ``prepare``
        # only, i.e. for these calls: Django's own cursors bind on the client and
        # never prepare.
        connection.prepare_threshold = _ONLY_WHEN_ASKED
    raw = _PreparedCursor(connection)
    wrapped = _LoggedCursor(raw, db) if db.queries_logged else db.make_cursor(raw)
    with wrapped:
        wrapped.execute(sql, params)
        return wrapped.fetchone()


def _prepared_cursor_class():
    from django.db.backends.postgresql.base import ServerBindingCursor

    class PreparedCursor(ServerBindingCursor):
        """Server-side binding, and the statement prepared on its first run."""

        def execute(self, query, params=None, *, prepare=None, binary=None):
            return super().execute(query, params, prepare=True, binary=binary)

    return PreparedCursor


_PreparedCursor = _prepared_cursor_class()


class _LoggedCursor(CursorDebugWrapper):
    """Django's query log (DEBUG, ``CaptureQueriesContext``) for the prepared calls:
    psycopg keeps no text of a prepared statement's run, where Django would read it,
    so the statement is logged with its parameters composed in."""

    def debug_sql(self, sql=None, params=None, use_last_executed_query=False, many=False):
        return super().debug_sql(self.db.ops.compose_sql(sql, params), params, False, many)


_OPEN_SQL = (
    "SELECT * FROM rewards_ledger_open(%s::bigint, %s::text, %s::bigint, %s::text, "
    "%s::timestamptz, %s::boolean, %s::boolean)"
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
            ("set_lot_status", "text"),
            ("set_lot_expires_at", "timestamptz"),
            ("set_hold_status", "text"),
            ("set_hold_captured", "numeric"),
        )
    )
    + ")"
)


_MOVE_SQL = (
    "SELECT * FROM rewards_ledger_move("
    + ", ".join(
        f"%({name})s::{sql_type}"
        for name, sql_type in (
            ("account_id", "bigint"),
            ("key", "text"),
            ("now", "timestamptz"),
            ("type", "text"),
            ("amount", "numeric"),
            ("credit", "boolean"),
            ("pending", "boolean"),
            ("source", "text"),
            ("available_at", "timestamptz"),
            ("days", "integer"),
            ("hold_expires_at", "timestamptz"),
            ("reference_type", "text"),
            ("reference_id", "text"),
            ("actor_type", "text"),
            ("actor_id", "text"),
            ("reason", "text"),
        )
    )
    + ")"
)


_CLOSE_SQL = (
    "SELECT * FROM rewards_ledger_close(%(owner)s::text, %(owner_id)s::bigint, "
    "%(key)s::text, %(now)s::timestamptz, %(amount)s::numeric, %(actor_type)s::text, "
    "%(actor_id)s::text, %(reason)s::text)"
)


@dataclass
class Moved:
    """What ``rewards_ledger_move`` or ``rewards_ledger_close`` did: ``code`` None
    when it posted (``entry``, ``lot``, ``hold`` and the balances after), else why it
    wrote nothing: 'missing', 'fraction', 'short' (``amount``: what was spendable),
    'debt', 'long' (the long way does it), 'not_pending' or 'replay' (``replay``: the
    entry recorded under the key, as ``Opened.replay``). From ``close``, ``amount``
    is the lot's or hold's amount."""

    code: str | None
    account_id: int | None
    kind: str | None
    entry: int | None
    lot: int | None
    hold: int | None
    amount: Decimal | None
    available: Decimal | None
    pending: Decimal | None
    held: Decimal | None
    debt: Decimal | None
    replay: tuple | None


def move(cursor, params: dict) -> Moved:
    """A credit, debit or hold in one call (migration 0022); see ``Moved``."""
    return _moved(_execute(cursor, _MOVE_SQL, params))


def close(cursor, params: dict) -> Moved:
    """A lot's activation or a hold's whole capture in one call (migration 0023)."""
    return _moved(_execute(cursor, _CLOSE_SQL, params))


def _moved(row) -> Moved:
    return Moved(*row[:11], replay=row[11:] if row[0] == "replay" else None)


@dataclass
class Opened:
    """A locked account, the row recorded under the key (or None), its spendable lots,
    the row the operation names (``owner``, read under the lock; None for an account)
    and what that row's entry can still give back to its lots (``back``, when asked).

    ``owner`` is, for a lot: (status, remaining, expires_in_days, reference type, id);
    for a hold: (status, amount, reference type, id, its HOLD entry); for an entry:
    (type, available_delta, reference type, id, its hold's status).
    ``back``: (lot, lot status, lot expiry, amount still open) per lot, latest expiry
    first (``posting.give_back``).
    """

    account: LockedAccount
    replay: tuple | None
    lots: list[tuple[int, Decimal]] | None
    owner: tuple | None = None
    back: list[tuple] | None = None


def open_locked(
    cursor,
    account_id: int | None,
    *,
    owner: tuple[str, int, str] | None = None,
    key: str | None = None,
    now: datetime | None = None,
    lots: bool = False,
    back: bool = False,
) -> Opened:
    """Lock the account (or the account of ``owner``: table, row id, what) and read
    what the operation needs, in one round trip. Raises ``NotFound``."""
    table, row_id, what = owner or (None, None, None)
    row = _execute(cursor, _OPEN_SQL, [account_id, table, row_id, key, now, lots, back])
    if not row[0]:
        raise NotFound(f"{what} {row_id} does not exist.", field=what.lower())
    if row[1] is None:
        missing = account_id if owner is None else "of " + f"{what.lower()} {row_id}"
        raise NotFound(f"Account {missing} does not exist.", field="account")
    account = LockedAccount(*row[1:9])
    replay = row[9:21] if row[9] is not None else None
    spendable = list(zip(row[21], row[22], strict=True)) if row[21] is not None else None
    if replay is not None or table is None:
        return Opened(account, replay, spendable)
    status, amount, days, type_, ref_type, ref_id, entry = row[23:30]
    if table == "rewards_lot":
        named = (status, amount, days, ref_type, ref_id)
    elif table == "rewards_hold":
        named = (status, amount, ref_type, ref_id, entry)
    else:
        named = (type_, amount, ref_type, ref_id, status)
    given = list(zip(*row[30:34], strict=True)) if row[30] is not None else None
    return Opened(account, replay, spendable, named, given)


def post_entry(cursor, params: dict) -> tuple[int, int | None, int | None]:
    """Write the entry ``params`` describes (``posting.post``); (entry, lot, hold) ids."""
    return _execute(cursor, _POST_SQL, params)
