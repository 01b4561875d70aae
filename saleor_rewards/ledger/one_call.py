"""The one-call path of the commonest ledger operations (issue 14: throughput).

A credit, a debit or a hold (``in_one_call``, ``rewards_ledger_move``, migration
0022), a lot's activation or a hold's whole capture (``closed_in_one_call``,
``rewards_ledger_close``, 0023) run their posting rules on the server, in one call;
outside a transaction that call is the transaction (one round trip instead of four).
The rules are those of the long way in ``operations`` (``_once`` and the operations'
``write``); what only the long way does, the server declines with nothing written
and these answer ``LONG_WAY``. ``tests/unit/test_ledger_one_call.py`` holds both
ways to the same ledger, postings and refusals.
"""

from datetime import datetime
from decimal import Decimal
from typing import NamedTuple

from django.db import connection, transaction

from .constants import EntryType, Kind
from .errors import InsufficientBalance, InvalidInput, NotFound
from .locks import account_id
from .posting import Actor, Posting, Reference, check_key, parse_amount, replayed
from .server import Moved, close, move


class Owner(NamedTuple):
    """The lot, hold or entry an operation names: its table, id and what it is called
    in errors; its account is read inside the operation's transaction."""

    table: str
    row_id: int
    what: str


LONG_WAY = object()  # the one-call path leaves the operation to the long way


def _alone(call, params: dict, answer):
    """``answer`` to what ``call(cursor, params)`` (one server call) did.

    Outside any transaction the call is the transaction: it commits itself, in one
    round trip. Inside one it runs in a savepoint, as ``_once`` does, so a refusal
    leaves the caller's transaction as it was.
    """
    if connection.get_autocommit():
        with connection.cursor() as cursor:
            moved = call(cursor, params)
        return answer(moved)
    with transaction.atomic(), connection.cursor() as cursor:
        return answer(call(cursor, params))


def _posting_of(moved: Moved, entry_type: str, amount) -> Posting:
    return Posting(
        entry_id=moved.entry,
        account_id=moved.account_id,
        type=entry_type,
        amount=amount,
        available=moved.available,
        pending=moved.pending,
        held=moved.held,
        lot_id=moved.lot,
        hold_id=moved.hold,
        debt=moved.debt,
    )


def in_one_call(
    account,
    key: str,
    entry_type: str,
    amount,
    *,
    now: datetime,
    reference: Reference,
    actor: Actor,
    reason: str,
    credit: bool,
    pending: bool = False,
    source: str | None = None,
    available_at: datetime | None = None,
    days: int | None = None,
    hold_expires_at: datetime | None = None,
) -> Posting:
    """A credit, debit or hold as one server call (``server.move``, migration 0022):
    the same rules as the long way (``_once`` and the operation's ``write``), on the
    server. ``LONG_WAY`` when the long way must do it: the account owes points (it
    settles them) or ``amount`` is no amount at all (it refuses it, after the key's
    replay).
    """
    key = check_key(key)
    value = any_amount(amount)
    if value is None:
        return LONG_WAY
    params = {
        "account_id": account_id(account),
        "key": key,
        "type": entry_type,
        "now": now,
        "amount": value,
        "credit": credit,
        "pending": pending,
        "source": source,
        "available_at": available_at,
        "days": days,
        "hold_expires_at": hold_expires_at,
        "reference_type": reference.type,
        "reference_id": str(reference.id),
        "actor_type": actor.type,
        "actor_id": str(actor.id),
        "reason": reason,
    }
    return _alone(move, params, lambda moved: _moved_posting(moved, key, entry_type, params))


def _moved_posting(moved: Moved, key: str, entry_type: str, params: dict) -> Posting:
    """The posting ``move`` wrote, or the refusal the long way would raise."""
    value = params["amount"]
    if moved.code is None:
        held = value if entry_type == EntryType.HOLD else 0
        return _posting_of(moved, entry_type, (value if params["credit"] else -value) + held)
    if moved.code == "debt":
        return LONG_WAY
    if moved.code == "replay":
        return replayed(moved.account_id, moved.replay, key, entry_type)
    if moved.code == "missing":
        raise NotFound(f"Account {params['account_id']} does not exist.", field="account")
    if moved.code == "fraction":
        raise InvalidInput("amount must be a whole number of points.", field="amount")
    if moved.code == "short":
        raise InsufficientBalance(f"Only {moved.amount} of {value} is available.", field="amount")
    raise AssertionError(f"rewards_ledger_move answered {moved.code!r}")


def closed_in_one_call(
    owner: Owner, key: str, entry_type: str, amount, *, now, actor: Actor, reason: str
) -> Posting | None:
    """A lot's activation or a hold's whole capture as one server call
    (``server.close``, migration 0023), by the rules of the long way; ``LONG_WAY``
    for what only the long way does (a debt to settle, a partial capture, a hold no
    longer open, an empty lot), None for a lot no longer pending."""
    params = {
        "owner": owner.table,
        "owner_id": owner.row_id,
        "key": key,
        "now": now,
        "amount": amount,
        "actor_type": actor.type,
        "actor_id": str(actor.id),
        "reason": reason,
    }

    def answer(moved: Moved) -> Posting | None:
        if moved.code is None:
            headline = -moved.amount if entry_type == EntryType.CAPTURE else Decimal(0)
            return _posting_of(moved, entry_type, headline)
        if moved.code == "long":
            return LONG_WAY
        if moved.code == "not_pending":
            return None
        if moved.code == "replay":
            return replayed(moved.account_id, moved.replay, key, entry_type)
        if moved.code == "missing":
            raise NotFound(f"{owner.what} {owner.row_id} does not exist.", field=owner.what.lower())
        raise AssertionError(f"rewards_ledger_close answered {moved.code!r}")

    return _alone(close, params, answer)


def any_amount(amount) -> Decimal | None:
    """``amount`` when it is a valid amount of some kind of account (points are
    checked on the server, which knows the account's kind); None when it is not,
    for the long way to refuse it where it always has (after the key's replay)."""
    try:
        return parse_amount(amount, Kind.CASH)
    except InvalidInput:
        return None
