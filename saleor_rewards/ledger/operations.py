"""The ledger's public operations (SPEC U1-U8).

Each operation is one database transaction that either writes everything or
nothing. A credit, debit or hold, an activation and a whole capture are one server
call (``one_call``: the same rules, on the server), and
outside a transaction that call is the transaction; the rest take the long way
below, two calls (``server``). On the long way the keyed ones (credit, activate,
debit and hold, return_debit, revoke, void; adjust through credit or debit) share
one prologue, ``_once``: check the idempotency key, lock the one account touched
(first, U7), and return the first posting again when the key was used before (U6).
Capture and release are once per hold instead: the hold's state says whether they
happened. Amounts are ``Decimal``; points are whole.

What a take-back cannot recover becomes the member's debt, and every operation that
makes points spendable (an available credit, an activation, a release, a return)
pays that debt first (L3, U8; ``debt.py``).
"""

from collections.abc import Callable
from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal

from django.db import connection, transaction
from django.utils import timezone

from .constants import EntryType, HoldStatus, Kind, LotSource, LotStatus
from .debt import settle
from .errors import HoldClosed, InsufficientBalance, InvalidInput, UnknownChannel
from .locks import LockedAccount, account_id
from .models import Account, Program
from .one_call import LONG_WAY, Owner, any_amount, closed_in_one_call, in_one_call
from .posting import (
    NO_REFERENCE,
    SYSTEM,
    Actor,
    Posting,
    Reference,
    check_key,
    entry_posting,
    give_back,
    parse_amount,
    post,
    replayed,
    take_fefo,
)
from .server import open_locked

__all__ = [
    "Actor",
    "Posting",
    "Reference",
    "SYSTEM",
    "activate",
    "adjust",
    "capture",
    "credit",
    "debit",
    "hold",
    "open_account",
    "open_deposit",
    "release",
    "return_debit",
    "revoke",
    "void",
]


def _now(now: datetime | None) -> datetime:
    return now or timezone.now()


def _check_days(value, field: str) -> int | None:
    if value is None:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 36500:
        raise InvalidInput(f"{field} must be a whole number of days from 0 to 36500.", field=field)
    return value


def open_account(program: Program | str, member_id: int, kind: str) -> Account:
    """The member's balance of ``kind`` in a channel's program, created if new."""
    if kind not in Kind.MEMBER:
        raise InvalidInput(
            f"Unknown balance kind {kind!r}; use one of {', '.join(Kind.MEMBER)}.",
            field="kind",
        )
    if isinstance(member_id, bool) or not isinstance(member_id, int) or member_id <= 0:
        raise InvalidInput("member_id must be a positive integer.", field="member")
    if not isinstance(program, Program):
        slug = program
        program = Program.objects.filter(channel_slug=slug).first()
        if program is None:
            raise UnknownChannel(f"Channel {slug!r} has no rewards program.", field="channel")
    currency = program.currency if kind == Kind.CASH else None
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rewards_account (program_id, member_id, kind, currency, "
            "available, pending, held, unrecovered, debt, created_at) "
            "VALUES (%s, %s, %s, %s, 0, 0, 0, 0, 0, %s) "
            "ON CONFLICT (program_id, member_id, kind) DO NOTHING",
            [program.id, member_id, kind, currency, timezone.now()],
        )
    return Account.objects.get(program=program, member_id=member_id, kind=kind)


def open_deposit(program: Program) -> Account:
    """The channel's merchant security deposit (C3), created if new.

    An account like a member's (lots, entries, the same invariants and audit) with
    no member: staff top it up, approved claims draw on it. What it cannot cover
    when the merchant allows a negative deposit is its ``debt`` (``revoke``), paid
    by the next top-up.
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO rewards_account (program_id, member_id, kind, currency, "
            "available, pending, held, unrecovered, debt, created_at) "
            "VALUES (%s, NULL, %s, %s, 0, 0, 0, 0, 0, %s) "
            "ON CONFLICT (program_id) WHERE kind = 'deposit' DO NOTHING",
            [program.id, Kind.DEPOSIT, program.currency, timezone.now()],
        )
    return Account.objects.get(program=program, kind=Kind.DEPOSIT)


Write = Callable[[object, LockedAccount], Posting | None]


def _once(
    account: Account | int | Owner,
    key: str,
    entry_type: str,
    write: Write,
    *,
    now: datetime | None = None,
    lots: bool = False,
    back: bool = False,
) -> Posting | None:
    """The prologue of every keyed operation, then ``write(cursor, account)``.

    Checks the key; in one transaction locks the account (the operation's only
    lock, taken before anything of the account is read, U7); then returns the
    posting already recorded under the key on that account, or raises
    ``IdempotencyConflict`` when the key recorded another type of entry (U6).
    Only a new key reaches ``write``. All of this is one round trip
    (``server.open_locked``); with ``lots`` it also reads the spendable lots at
    ``now`` (``acc.lots``), for a lot, hold or entry that row (``acc.owner``) and
    with ``back`` what that entry can still give back (``acc.back``).
    """
    key = check_key(key)
    with transaction.atomic(), connection.cursor() as cursor:
        if isinstance(account, Owner):
            opened = open_locked(
                cursor, None, owner=account, key=key, now=now, lots=lots, back=back
            )
        else:
            opened = open_locked(cursor, account_id(account), key=key, now=now, lots=lots)
        if opened.replay is not None:
            return replayed(opened.account.id, opened.replay, key, entry_type)
        locked = opened.account
        locked.lots, locked.owner, locked.back = opened.lots, opened.owner, opened.back
        return write(cursor, locked)


def credit(
    account,
    amount,
    *,
    key: str,
    source: str,
    entry_type: str = EntryType.EARN,
    pending: bool = False,
    expires_in_days: int | None = None,
    available_at: datetime | None = None,
    reference: Reference = NO_REFERENCE,
    actor: Actor = SYSTEM,
    reason: str = "",
    now: datetime | None = None,
) -> Posting:
    """Add a lot: pending (visible, not spendable) or available at once (U4).

    Available at once, it first pays what the member owes (``Posting.settled``, L3).
    """
    now = _now(now)
    if entry_type not in EntryType.CREDITS:
        raise InvalidInput(f"{entry_type!r} is not a credit entry type.", field="type")
    if source not in dict(LotSource.CHOICES):
        raise InvalidInput(f"Unknown lot source {source!r}.", field="source")
    expires_in_days = _check_days(expires_in_days, "expires_in_days")
    posting = in_one_call(
        account,
        key,
        entry_type,
        amount,
        now=now,
        reference=reference,
        actor=actor,
        reason=reason,
        credit=True,
        pending=pending,
        source=source,
        available_at=available_at,
        days=expires_in_days,
    )
    if posting is not LONG_WAY:
        return posting

    def write(cursor, acc):
        value = parse_amount(amount, acc.kind)
        if pending:
            lot = {"status": LotStatus.PENDING, "available_at": available_at}
            deltas = {"d_pending": value}
        else:
            lot = {
                "status": LotStatus.AVAILABLE,
                "available_at": now,
                "expires_at": now + timedelta(days=expires_in_days)
                if expires_in_days is not None
                else None,
            }
            deltas = {"d_available": value}
        lot.update(source=source, amount=value, expires_in_days=expires_in_days)
        posting = post(
            cursor,
            acc,
            entry_type,
            now=now,
            key=key,
            new_lot=lot,
            reference=reference,
            actor=actor,
            reason=reason,
            **deltas,
        )
        return posting if pending else _settled(cursor, acc, posting, now, reference)

    return _once(account, key, entry_type, write)


def _settled(cursor, acc, posting: Posting, now, reference) -> Posting:
    """The posting, after the points it made spendable paid the member's debt."""
    paid = settle(cursor, acc, now, original_id=posting.entry_id, reference=reference)
    return replace(posting, settled=paid) if paid else posting


def activate(lot_id: int, *, now: datetime | None = None) -> Posting | None:
    """Make a pending lot spendable; its expiry clock starts now (L2, L4). It first
    pays what the member owes (L3).

    Idempotent by the lot's state: activating a lot that is no longer pending
    returns its activation entry again (or None when it was voided in full).
    """
    now = _now(now)
    key = f"lot:{lot_id}:activate"
    owner = Owner("rewards_lot", lot_id, "Lot")
    posting = closed_in_one_call(
        owner, key, EntryType.ACTIVATE, None, now=now, actor=SYSTEM, reason=""
    )
    if posting is not LONG_WAY:
        return posting

    def write(cursor, acc):
        status, remaining, days, ref_type, ref_id = acc.owner
        if status != LotStatus.PENDING:
            return None
        if remaining == 0:
            cursor.execute("UPDATE rewards_lot SET status = 'void' WHERE id = %s", [lot_id])
            return None
        reference = Reference(ref_type, ref_id)
        posting = post(
            cursor,
            acc,
            EntryType.ACTIVATE,
            now=now,
            key=key,
            d_pending=-remaining,
            d_available=remaining,
            lot_id=lot_id,
            reference=reference,
            set_lot_status=LotStatus.AVAILABLE,
            set_lot_expires_at=now + timedelta(days=days) if days is not None else None,
        )
        return _settled(cursor, acc, posting, now, reference)

    return _once(owner, key, EntryType.ACTIVATE, write)


def _take_available(
    entry_type: str,
    account,
    amount,
    *,
    key: str,
    reference: Reference,
    actor: Actor,
    reason: str,
    now: datetime | None,
    hold_expires_at: datetime | None = None,
) -> Posting:
    now = _now(now)
    posting = in_one_call(
        account,
        key,
        entry_type,
        amount,
        now=now,
        reference=reference,
        actor=actor,
        reason=reason,
        credit=False,
        hold_expires_at=hold_expires_at,
    )
    if posting is not LONG_WAY:
        return posting

    def write(cursor, acc):
        value = parse_amount(amount, acc.kind)
        moves, short = take_fefo(acc.lots, value)
        if short > 0:
            raise InsufficientBalance(
                f"Only {value - short} of {value} is available.", field="amount"
            )
        if entry_type == EntryType.HOLD:
            return post(
                cursor,
                acc,
                entry_type,
                now=now,
                key=key,
                moves=moves,
                d_available=-value,
                d_held=value,
                new_hold={"amount": value, "expires_at": hold_expires_at},
                reference=reference,
                actor=actor,
                reason=reason,
            )
        return post(
            cursor,
            acc,
            entry_type,
            now=now,
            key=key,
            moves=moves,
            d_available=-value,
            reference=reference,
            actor=actor,
            reason=reason,
        )

    return _once(account, key, entry_type, write, now=now, lots=True)


def debit(
    account,
    amount,
    *,
    key: str,
    entry_type: str = EntryType.REDEEM,
    reference: Reference = NO_REFERENCE,
    actor: Actor = SYSTEM,
    reason: str = "",
    now: datetime | None = None,
) -> Posting:
    """Spend from available lots, soonest-expiring first, then oldest (U4, U8)."""
    if entry_type not in EntryType.DEBITS:
        raise InvalidInput(f"{entry_type!r} is not a debit entry type.", field="type")
    return _take_available(
        entry_type,
        account,
        amount,
        key=key,
        reference=reference,
        actor=actor,
        reason=reason,
        now=now,
    )


def hold(
    account,
    amount,
    *,
    key: str,
    reference: Reference = NO_REFERENCE,
    expires_at: datetime | None = None,
    actor: Actor = SYSTEM,
    reason: str = "",
    now: datetime | None = None,
) -> Posting:
    """Reserve available balance (first phase); ``posting.hold_id`` names the hold."""
    return _take_available(
        EntryType.HOLD,
        account,
        amount,
        key=key,
        reference=reference,
        actor=actor,
        reason=reason,
        now=now,
        hold_expires_at=expires_at,
    )


def _lock_hold(cursor, hold_id: int, *, back: bool):
    """The hold's locked account, with the hold (``acc.owner``: status, amount,
    reference type and id, its HOLD entry) and, with ``back``, what its entry can
    give back to its lots (``acc.back``)."""
    owner = Owner("rewards_hold", hold_id, "Hold")
    opened = open_locked(cursor, None, owner=owner, back=back)
    acc = opened.account
    acc.owner, acc.back = opened.owner, opened.back
    return acc


def _closing_entry(cursor, hold_id: int, entry_type: str) -> Posting | None:
    cursor.execute(
        "SELECT id FROM rewards_entry WHERE hold_id = %s AND type = %s",
        [hold_id, entry_type],
    )
    row = cursor.fetchone()
    return entry_posting(cursor, row[0]) if row else None


def _release_rest(
    cursor, acc, hold_id, hold_entry_id, rest, now, reference, actor, reason, *, close=False
):
    """Give ``rest`` of the hold back to its lots; with ``close`` the hold closes as
    released with this entry."""
    moves, returned, expired = give_back(acc.back, hold_entry_id, rest, now)
    posting = post(
        cursor,
        acc,
        EntryType.RELEASE,
        now=now,
        key=f"hold:{hold_id}:release",
        d_held=-rest,
        d_available=returned,
        expired=expired,
        moves=moves,
        hold_id=hold_id,
        original_id=hold_entry_id,
        reference=reference,
        actor=actor,
        reason=reason,
        set_hold_status=HoldStatus.RELEASED if close else None,
    )
    return _settled(cursor, acc, posting, now, reference)


def capture(
    hold_id: int,
    amount=None,
    *,
    actor: Actor = SYSTEM,
    reason: str = "",
    now: datetime | None = None,
) -> Posting:
    """Settle a hold (second phase), exactly once; a smaller amount releases the rest.

    Capturing a hold that was already captured returns the first capture again;
    capturing a released hold raises ``HoldClosed``. A debt the member owes stays:
    the captured points are spent; a released rest pays it first (L3).
    """
    now = _now(now)
    whole = None if amount is None else any_amount(amount)
    if amount is None or whole is not None:
        posting = closed_in_one_call(
            Owner("rewards_hold", hold_id, "Hold"),
            f"hold:{hold_id}:capture",
            EntryType.CAPTURE,
            whole,
            now=now,
            actor=actor,
            reason=reason,
        )
        if posting is not LONG_WAY:
            return posting
    with transaction.atomic(), connection.cursor() as cursor:
        # What a smaller amount gives back is read with the lock, in case.
        acc = _lock_hold(cursor, hold_id, back=amount is not None)
        status, held, ref_type, ref_id, hold_entry = acc.owner
        if status == HoldStatus.CAPTURED:
            return _closing_entry(cursor, hold_id, EntryType.CAPTURE)
        if status != HoldStatus.OPEN:
            raise HoldClosed(f"Hold {hold_id} was {status}.", field="hold")
        amount = held if amount is None else parse_amount(amount, acc.kind)
        if amount > held:
            raise InvalidInput(
                f"Cannot capture {amount}: hold {hold_id} is {held}.", field="amount"
            )
        reference = Reference(ref_type, ref_id)
        captured = post(
            cursor,
            acc,
            EntryType.CAPTURE,
            now=now,
            key=f"hold:{hold_id}:capture",
            d_held=-amount,
            hold_id=hold_id,
            original_id=hold_entry,
            reference=reference,
            actor=actor,
            reason=reason,
            set_hold_status=HoldStatus.CAPTURED,
            set_hold_captured=amount,
        )
        if amount < held:
            _release_rest(
                cursor,
                acc,
                hold_id,
                hold_entry,
                held - amount,
                now,
                reference,
                actor,
                reason,
            )
        return captured


def release(
    hold_id: int,
    *,
    actor: Actor = SYSTEM,
    reason: str = "",
    now: datetime | None = None,
) -> Posting:
    """Void a hold: the amount goes back to its lots, minus lots expired meanwhile.

    What comes back first pays what the member owes (L3: a hold is no shield
    against a take-back, but an open hold is not reached into either).
    Releasing again returns the first release; releasing a captured hold raises.
    """
    now = _now(now)
    with transaction.atomic(), connection.cursor() as cursor:
        acc = _lock_hold(cursor, hold_id, back=True)
        status, held, ref_type, ref_id, hold_entry = acc.owner
        if status == HoldStatus.RELEASED:
            return _closing_entry(cursor, hold_id, EntryType.RELEASE)
        if status != HoldStatus.OPEN:
            raise HoldClosed(f"Hold {hold_id} was {status}.", field="hold")
        return _release_rest(
            cursor,
            acc,
            hold_id,
            hold_entry,
            held,
            now,
            Reference(ref_type, ref_id),
            actor,
            reason,
            close=True,
        )


_RETURNABLE = (EntryType.REDEEM, EntryType.WITHDRAW, EntryType.ADJUST, EntryType.HOLD)


def return_debit(
    entry_id: int,
    amount=None,
    *,
    key: str,
    reference: Reference | None = None,
    actor: Actor = SYSTEM,
    reason: str = "",
    now: datetime | None = None,
) -> Posting:
    """Give (part of) a debit back to the lots it came from (S3, S4).

    ``entry_id`` is a debit entry or the entry of a captured hold. Parts whose lot
    expired meanwhile come back as expired. ``amount`` defaults to all that is still
    returnable. What comes back first pays what the member owes (L3).
    """
    now = _now(now)

    def write(cursor, acc):
        entry_type, d_available, ref_type, ref_id, hold_status = acc.owner
        if entry_type not in _RETURNABLE or d_available >= 0:
            raise InvalidInput(f"Entry {entry_id} is not a debit.", field="entry")
        if entry_type == EntryType.HOLD and hold_status != HoldStatus.CAPTURED:
            raise InvalidInput(
                f"Entry {entry_id} is a hold that is {hold_status}; release it instead.",
                field="entry",
            )
        value = None if amount is None else parse_amount(amount, acc.kind)
        moves, returned, expired = give_back(acc.back, entry_id, value, now)
        ref = reference or Reference(ref_type, ref_id)
        posting = post(
            cursor,
            acc,
            EntryType.RETURN,
            now=now,
            key=key,
            d_available=returned,
            expired=expired,
            moves=moves,
            original_id=entry_id,
            reference=ref,
            actor=actor,
            reason=reason,
        )
        return _settled(cursor, acc, posting, now, ref)

    owner = Owner("rewards_entry", entry_id, "Entry")
    return _once(owner, key, EntryType.RETURN, write, back=True)


def revoke(
    account,
    amount,
    *,
    key: str,
    reference: Reference = NO_REFERENCE,
    actor: Actor = SYSTEM,
    reason: str = "",
    now: datetime | None = None,
) -> Posting:
    """Take back available credit, soonest-expiring first, down to zero (L3, U8).

    What the balance cannot cover is recorded as ``unrecovered`` on the entry and
    the account instead of driving the balance negative, and becomes the member's
    ``debt``: points held on a checkout or spent on a voucher are no shield. The
    debt is paid by the next points that become spendable (``debt.py``).
    """
    now = _now(now)

    def write(cursor, acc):
        value = parse_amount(amount, acc.kind)
        moves, short = take_fefo(acc.lots, value)
        return post(
            cursor,
            acc,
            EntryType.REVOKE,
            now=now,
            key=key,
            moves=moves,
            d_available=-(value - short),
            unrecovered=short,
            d_debt=short,
            reference=reference,
            actor=actor,
            reason=reason,
        )

    return _once(account, key, EntryType.REVOKE, write, now=now, lots=True)


def void(
    lot_id: int,
    amount=None,
    *,
    key: str,
    reference: Reference | None = None,
    actor: Actor = SYSTEM,
    reason: str = "",
    now: datetime | None = None,
) -> Posting:
    """Take back (part of) a pending lot before it became available (L3).

    More than the lot still holds is recorded as ``unrecovered`` (not as debt:
    a pending lot was never spendable, so nothing of it escaped). Raises when the
    lot is no longer pending: available credit is taken back with ``revoke``.
    """
    now = _now(now)

    def write(cursor, acc):
        status, remaining, _days, ref_type, ref_id = acc.owner
        if status != LotStatus.PENDING:
            raise InvalidInput(f"Lot {lot_id} is {status}, not pending.", field="lot")
        value = remaining if amount is None else parse_amount(amount, acc.kind)
        take = min(value, remaining)
        return post(
            cursor,
            acc,
            EntryType.VOID,
            now=now,
            key=key,
            moves=[(lot_id, -take)] if take else [],
            d_pending=-take,
            unrecovered=value - take,
            lot_id=lot_id,
            reference=reference or Reference(ref_type, ref_id),
            actor=actor,
            reason=reason,
            # After its moves emptied it: a void lot must be empty (CHECK).
            set_lot_status=LotStatus.VOID if take == remaining else None,
        )

    return _once(Owner("rewards_lot", lot_id, "Lot"), key, EntryType.VOID, write)


def adjust(
    account,
    amount,
    *,
    key: str,
    reason: str,
    actor: Actor,
    expires_in_days: int | None = None,
    now: datetime | None = None,
) -> Posting:
    """A staff correction with a reason: a new lot, or a debit (never below zero)."""
    if not isinstance(reason, str) or not reason.strip():
        raise InvalidInput("A reason is required for an adjustment.", field="reason")
    if isinstance(amount, bool) or not isinstance(amount, int | Decimal | str):
        raise InvalidInput("amount must be a number.", field="amount")
    try:
        signed = Decimal(amount)
    except ArithmeticError:
        raise InvalidInput(f"amount is not a number: {amount!r}.", field="amount") from None
    if signed == 0 or not signed.is_finite():
        raise InvalidInput("An adjustment cannot be zero.", field="amount")
    # reference_id holds 128 characters; keys may have 255.
    reference = Reference("ADJUSTMENT", key[:128])
    if signed > 0:
        return credit(
            account,
            signed,
            key=key,
            source=LotSource.ADJUSTMENT,
            entry_type=EntryType.ADJUST,
            expires_in_days=expires_in_days,
            reference=reference,
            actor=actor,
            reason=reason,
            now=now,
        )
    return debit(
        account,
        -signed,
        key=key,
        entry_type=EntryType.ADJUST,
        reference=reference,
        actor=actor,
        reason=reason,
        now=now,
    )
