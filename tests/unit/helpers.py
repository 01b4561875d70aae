"""Shared helpers of the ledger suite: a fixed clock, firing the deferred checks,
and proving an account from its rows independently of the ledger's own code."""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from django.db import connection

T0 = datetime(2030, 1, 1, 12, 0, tzinfo=UTC)
ZERO = Decimal(0)
LEDGER_TABLES = (
    "rewards_account",
    "rewards_lot",
    "rewards_entry",
    "rewards_hold",
    "rewards_allocation",
)


def at(days: float = 0, hours: float = 0) -> datetime:
    """A point on the test clock, ``days`` after ``T0``."""
    return T0 + timedelta(days=days, hours=hours)


def settle() -> None:
    """Fire every queued deferred constraint trigger now, as COMMIT would.

    pytest-django runs each test in a transaction that is rolled back, so the
    ledger's DEFERRABLE INITIALLY DEFERRED triggers (migration 0002) never fire on
    their own. Switching to IMMEDIATE runs every queued check at that point; switching
    back keeps the next operation's checks deferred to the next ``settle()``.
    """
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL IMMEDIATE")
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def sql(statement: str, params=None) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(statement, params)
        return cursor.fetchall() if cursor.description else []


def row_counts() -> dict[str, int]:
    counts = ", ".join(f"(SELECT COUNT(*) FROM {table})" for table in LEDGER_TABLES)
    return dict(zip(LEDGER_TABLES, sql(f"SELECT {counts}")[0], strict=True))


def ledger_snapshot() -> tuple:
    """Everything a ledger operation could change, to prove it changed nothing."""
    return (
        row_counts(),
        sql(
            "SELECT id, available, pending, held, unrecovered, debt "
            "FROM rewards_account ORDER BY id"
        ),
        sql("SELECT id, status, remaining, available_at, expires_at FROM rewards_lot ORDER BY id"),
        sql("SELECT id, status, captured, closed_at FROM rewards_hold ORDER BY id"),
    )


@dataclass(frozen=True)
class Columns:
    available: Decimal
    pending: Decimal
    held: Decimal
    unrecovered: Decimal = ZERO
    debt: Decimal = ZERO


def columns(account) -> Columns:
    """The account's cached balance columns, read fresh from the database."""
    account_id = getattr(account, "id", account)
    row = sql(
        "SELECT available, pending, held, unrecovered, debt FROM rewards_account WHERE id = %s",
        [account_id],
    )[0]
    return Columns(*row)


def lot_row(lot_id: int) -> dict:
    (row,) = sql(
        "SELECT status, amount, remaining, available_at, expires_at FROM rewards_lot WHERE id = %s",
        [lot_id],
    )
    names = ("status", "amount", "remaining", "available_at", "expires_at")
    return dict(zip(names, row, strict=True))


def allocations(entry_id: int) -> list[tuple[int, Decimal]]:
    """(lot, amount) rows of an entry, in the order they were written."""
    return sql(
        "SELECT lot_id, amount FROM rewards_allocation WHERE entry_id = %s ORDER BY id",
        [entry_id],
    )


_PROOF_SQL = """
SELECT a.available, a.pending, a.held, a.unrecovered, a.debt,
    e.available, e.pending, e.held, e.unrecovered, e.debt,
    l.available, l.pending, h.held, COALESCE(last.debt_after, 0),
    COALESCE(last.available_after, 0), COALESCE(last.pending_after, 0),
    COALESCE(last.held_after, 0)
FROM rewards_account a,
LATERAL (SELECT COALESCE(SUM(available_delta), 0) AS available,
                COALESCE(SUM(pending_delta), 0) AS pending,
                COALESCE(SUM(held_delta), 0) AS held,
                COALESCE(SUM(unrecovered), 0) AS unrecovered,
                COALESCE(SUM(debt_delta), 0) AS debt
         FROM rewards_entry WHERE account_id = a.id) e,
LATERAL (SELECT COALESCE(SUM(remaining) FILTER (WHERE status = 'available'), 0)
                    AS available,
                COALESCE(SUM(remaining) FILTER (WHERE status = 'pending'), 0)
                    AS pending
         FROM rewards_lot WHERE account_id = a.id) l,
LATERAL (SELECT COALESCE(SUM(amount), 0) AS held FROM rewards_hold
         WHERE account_id = a.id AND status = 'open') h
LEFT JOIN LATERAL (SELECT available_after, pending_after, held_after, debt_after
                   FROM rewards_entry WHERE account_id = a.id
                   ORDER BY id DESC LIMIT 1) last ON true
WHERE a.id = %s
"""


def proof_problems(account) -> list[str]:
    """Recompute one account from its entries, lots and holds; list every mismatch."""
    (
        (
            available,
            pending,
            held,
            unrecovered,
            debt,
            e_available,
            e_pending,
            e_held,
            e_unrecovered,
            e_debt,
            l_available,
            l_pending,
            h_open,
            last_debt,
            *last,
        ),
    ) = sql(_PROOF_SQL, [getattr(account, "id", account)])
    cached = (available, pending, held)
    problems = []
    if min(cached) < 0:
        problems.append(f"negative balance {cached}")
    if cached != (e_available, e_pending, e_held):
        problems.append(f"columns {cached} != entry sums {(e_available, e_pending, e_held)}")
    if (available, pending) != (l_available, l_pending):
        problems.append(f"columns {cached} != lot remainders {(l_available, l_pending)}")
    if held != h_open:
        problems.append(f"held {held} != open holds {h_open}")
    if cached != tuple(last):
        problems.append(f"columns {cached} != last entry's balance-after {tuple(last)}")
    if unrecovered != e_unrecovered:
        problems.append(f"unrecovered {unrecovered} != entries' {e_unrecovered}")
    if debt < 0:
        problems.append(f"negative debt {debt}")
    if debt != e_debt or debt != last_debt:
        problems.append(f"debt {debt} != entries' {e_debt} / last entry's {last_debt}")
    return problems


def assert_proven(*accounts) -> None:
    """Balance = sum of entries = sum of lot remainders; held = open holds; debt = sum
    of entries (U5, U8)."""
    for account in accounts:
        assert proof_problems(account) == []
