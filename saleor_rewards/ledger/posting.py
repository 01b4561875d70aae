"""Low-level posting: check a key, replay it, write one entry.

The write path runs on the server (``server``, migrations 0019 and 0021): one ledger
operation is two round trips, one that locks the account and reads its key, its
lots and the lot, hold or entry it acts on, one that writes the entry, its
allocations, the lot remainders, the lot's or hold's new status and the account, so
the ledger keeps pace with the database.

Everything here runs under the account's row lock (``locks``, U7): lots and holds
of an account are only written under it.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from .constants import MAX_KEY_LENGTH, ActorType, Kind
from .errors import IdempotencyConflict, InvalidInput, NotFound
from .locks import LockedAccount
from .server import post_entry

ZERO = Decimal(0)
_AMOUNT_QUANTUM = Decimal("0.001")  # the columns' scale


@dataclass(frozen=True)
class Actor:
    """Who caused an entry (U3)."""

    type: str = ActorType.SYSTEM
    id: str = ""


SYSTEM = Actor()


@dataclass(frozen=True)
class Reference:
    """What caused an entry: an order, a referral, a claim, ... (U3)."""

    type: str = ""
    id: str = ""


NO_REFERENCE = Reference()


@dataclass(frozen=True)
class Posting:
    """The outcome of one ledger operation, as first recorded.

    The balances (and ``debt``) are those after the entry the posting names. When
    the operation made points spendable while the member owed some, a DEBT_SETTLED
    entry right after it paid ``settled`` of them towards the debt (``debt``):
    the balance the member is left with is ``available - settled``.
    """

    entry_id: int | None
    account_id: int
    type: str
    amount: Decimal
    available: Decimal
    pending: Decimal
    held: Decimal
    unrecovered: Decimal = ZERO
    expired: Decimal = ZERO
    lot_id: int | None = None
    hold_id: int | None = None
    replayed: bool = False
    debt: Decimal = ZERO
    settled: Decimal = ZERO


def parse_amount(value, kind: str, *, field: str = "amount") -> Decimal:
    """A strictly positive amount: whole points, or cash with at most 3 decimals."""
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise InvalidInput(
            f"{field} must be a whole number or a decimal, not {type(value).__name__}.",
            field=field,
        )
    try:
        amount = Decimal(value)
    except ArithmeticError:
        raise InvalidInput(f"{field} is not a number: {value!r}.", field=field) from None
    if not amount.is_finite():
        raise InvalidInput(f"{field} must be finite.", field=field)
    if amount <= 0:
        raise InvalidInput(f"{field} must be greater than zero.", field=field)
    if kind == Kind.POINTS and amount != amount.to_integral_value():
        raise InvalidInput(f"{field} must be a whole number of points.", field=field)
    if amount >= Decimal(10) ** 16:
        raise InvalidInput(f"{field} is too large.", field=field)
    if amount != amount.quantize(_AMOUNT_QUANTUM):
        raise InvalidInput(f"{field} has too many decimal places.", field=field)
    return amount


def check_key(key) -> str:
    if not isinstance(key, str) or not key.strip():
        raise InvalidInput("An idempotency key is required.", field="key")
    if len(key) > MAX_KEY_LENGTH:
        raise InvalidInput(
            f"The idempotency key is longer than {MAX_KEY_LENGTH} characters.",
            field="key",
        )
    return key


def account_of(cursor, table: str, row_id: int, what: str) -> int:
    """The account a lot or hold belongs to (read before locking that account)."""
    assert table in ("rewards_lot", "rewards_hold", "rewards_entry")
    cursor.execute(f"SELECT account_id FROM {table} WHERE id = %s", [row_id])
    row = cursor.fetchone()
    if row is None:
        raise NotFound(f"{what} {row_id} does not exist.", field=what.lower())
    return row[0]


_ENTRY_COLUMNS = (
    "id, type, available_delta + pending_delta + held_delta, available_after, "
    "pending_after, held_after, unrecovered, expired, lot_id, hold_id, debt_after, "
    "COALESCE((SELECT -s.debt_delta FROM rewards_entry s WHERE s.original_id = "
    "rewards_entry.id AND s.type = 'debt_settled'), 0)"
)


def _posting_from_row(account_id, row, replayed) -> Posting:
    (
        entry_id,
        type_,
        amount,
        available,
        pending,
        held,
        unrec,
        expired,
        lot,
        hold,
        debt,
        settled,
    ) = row
    return Posting(
        entry_id=entry_id,
        account_id=account_id,
        type=type_,
        amount=amount,
        available=available,
        pending=pending,
        held=held,
        unrecovered=unrec,
        expired=expired,
        lot_id=lot,
        hold_id=hold,
        replayed=replayed,
        debt=debt,
        settled=settled,
    )


def replayed(account_id: int, row, key: str, entry_type: str) -> Posting:
    """The posting of an entry recorded under ``key`` (``_ENTRY_COLUMNS``), or
    ``IdempotencyConflict`` when that entry is of another type (U6)."""
    if row[1] != entry_type:
        raise IdempotencyConflict(
            f"Key {key!r} was already used for a {row[1]} entry, not {entry_type}.",
            field="key",
        )
    return _posting_from_row(account_id, row, replayed=True)


def entry_posting(cursor, entry_id: int, replayed: bool = True) -> Posting:
    cursor.execute(
        f"SELECT account_id, {_ENTRY_COLUMNS} FROM rewards_entry WHERE id = %s",
        [entry_id],
    )
    row = cursor.fetchone()
    return _posting_from_row(row[0], row[1:], replayed)


def spendable_lots(cursor, account_id: int, now: datetime) -> list[tuple[int, Decimal]]:
    """Available, unexpired lots, soonest-expiring first, then oldest (U4)."""
    cursor.execute(
        "SELECT id, remaining FROM rewards_lot "
        "WHERE account_id = %s AND status = 'available' AND remaining > 0 "
        "AND (expires_at IS NULL OR expires_at > %s) "
        "ORDER BY expires_at ASC NULLS LAST, id ASC",
        [account_id, now],
    )
    return cursor.fetchall()


def take_fefo(
    lots: Iterable[tuple[int, Decimal]], amount: Decimal
) -> tuple[list[tuple[int, Decimal]], Decimal]:
    """Moves (lot, -taken) covering ``amount`` from ``lots``, and what is left over."""
    moves = []
    left = amount
    for lot_id, remaining in lots:
        if left <= 0:
            break
        take = min(remaining, left)
        moves.append((lot_id, -take))
        left -= take
    return moves, left


def post(
    cursor,
    account: LockedAccount,
    entry_type: str,
    *,
    now: datetime,
    key: str | None,
    d_available: Decimal = ZERO,
    d_pending: Decimal = ZERO,
    d_held: Decimal = ZERO,
    d_debt: Decimal = ZERO,
    unrecovered: Decimal = ZERO,
    expired: Decimal = ZERO,
    moves: list[tuple[int, Decimal]] = (),
    new_lot: dict | None = None,
    new_hold: dict | None = None,
    lot_id: int | None = None,
    hold_id: int | None = None,
    original_id: int | None = None,
    reference: Reference = NO_REFERENCE,
    actor: Actor = SYSTEM,
    reason: str = "",
    set_lot_status: str | None = None,
    set_lot_expires_at: datetime | None = None,
    set_hold_status: str | None = None,
    set_hold_captured: Decimal | None = None,
) -> Posting:
    """Write one entry with its lot moves and the account's new balances.

    ``d_debt`` changes the member's debt; the headline ``amount`` is the change of
    the balances only (debt is not a balance: no lot covers it). After the moves,
    ``set_lot_status`` makes lot ``lot_id`` 'available' (its expiry, at
    ``set_lot_expires_at``, counting from ``now``) or 'void';
    ``set_hold_status`` closes hold ``hold_id`` ('captured' with
    ``set_hold_captured``, or 'released').
    """
    account.available += d_available
    account.pending += d_pending
    account.held += d_held
    account.debt += d_debt
    new_lot = new_lot or {}
    new_hold = new_hold or {}
    entry_id, lot, hold = post_entry(
        cursor,
        {
            "account_id": account.id,
            "now": now,
            "type": entry_type,
            "amount": d_available + d_pending + d_held,
            "d_available": d_available,
            "d_pending": d_pending,
            "d_held": d_held,
            "d_debt": d_debt,
            "available": account.available,
            "pending": account.pending,
            "held": account.held,
            "debt": account.debt,
            "unrecovered": unrecovered,
            "expired": expired,
            "make_lot": bool(new_lot),
            "lot_source": new_lot.get("source"),
            "lot_status": new_lot.get("status"),
            "lot_amount": new_lot.get("amount"),
            "lot_available_at": new_lot.get("available_at"),
            "lot_expires_in_days": new_lot.get("expires_in_days"),
            "lot_expires_at": new_lot.get("expires_at"),
            "make_hold": bool(new_hold),
            "hold_amount": new_hold.get("amount"),
            "hold_expires_at": new_hold.get("expires_at"),
            "lot_id": lot_id,
            "hold_id": hold_id,
            "original_id": original_id,
            "key": key,
            "reference_type": reference.type,
            "reference_id": str(reference.id),
            "actor_type": actor.type,
            "actor_id": str(actor.id),
            "reason": reason,
            "move_lots": [lot for lot, _ in moves],
            "move_amounts": [amount for _, amount in moves],
            "set_lot_status": set_lot_status,
            "set_lot_expires_at": set_lot_expires_at,
            "set_hold_status": set_hold_status,
            "set_hold_captured": set_hold_captured,
        },
    )
    return Posting(
        entry_id=entry_id,
        account_id=account.id,
        type=entry_type,
        amount=d_available + d_pending + d_held,
        available=account.available,
        pending=account.pending,
        held=account.held,
        unrecovered=unrecovered,
        expired=expired,
        lot_id=lot,
        hold_id=hold,
        debt=account.debt,
    )


def give_back(
    rows: list[tuple], original_entry_id: int, amount: Decimal | None, now: datetime
) -> tuple[list[tuple[int, Decimal]], Decimal, Decimal]:
    """Moves returning ``amount`` of a debit to the lots it came from (S3).

    ``rows``: per lot of the debit, (lot, status, expiry, what is still open), latest
    expiry first, as ``server.open_locked(..., back=True)`` reads them under the lock:
    what the debit took from the lot, less what entries given back since (those
    whose ``original_id`` is the debit) returned to it.

    Latest-expiring lots get theirs back first, so what stays spent is what would
    have expired soonest. A lot that has expired meanwhile gets the amount back and
    loses it again in the same entry (+x, -x): the history shows it as expired and
    the lot's own arithmetic stays whole. Returns (moves, returned, expired).
    ``amount=None`` returns all that is still returnable. Raises when ``amount`` is
    more than that, or when nothing is left to return.
    """
    returnable = sum((r[3] for r in rows if r[3] and r[3] > 0), ZERO)
    if returnable <= 0:
        raise InvalidInput(
            f"Entry {original_entry_id} was already given back in full.", field="entry"
        )
    if amount is None:
        amount = returnable
    if amount > returnable:
        raise InvalidInput(
            f"Only {returnable} of entry {original_entry_id} can still be returned.",
            field="amount",
        )
    moves, returned, expired, left = [], ZERO, ZERO, amount
    for lot_id, status, expires_at, open_amount in rows:
        if left <= 0:
            break
        if not open_amount or open_amount <= 0:
            continue
        give = min(open_amount, left)
        left -= give
        moves.append((lot_id, give))
        if status == "expired" or (expires_at is not None and expires_at <= now):
            moves.append((lot_id, -give))
            expired += give
        else:
            returned += give
    return moves, returned, expired
