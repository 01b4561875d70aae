"""Issue 14: a credit, a debit or a hold is one server call (``rewards_ledger_move``,
migration 0022) that runs the rules of the long way (``_once`` and the operation's
``write`` in Python) on the server. The two paths must write the same ledger, answer
the same postings and refuse the same things; outside a transaction the call is the
whole transaction."""

import random
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from saleor_rewards.ledger import (
    Actor,
    EntryType,
    Kind,
    LotSource,
    Reference,
    activate,
    capture,
    credit,
    debit,
    hold,
    one_call,
    open_account,
    revoke,
)
from saleor_rewards.ledger import operations as ops
from saleor_rewards.ledger.errors import (
    HoldClosed,
    IdempotencyConflict,
    InsufficientBalance,
    InvalidInput,
    NotFound,
)

from .helpers import assert_proven, at, settle, sql


def _the_long_way(monkeypatch):
    """Every operation takes the long way (as before migrations 0022 and 0023)."""
    monkeypatch.setattr(one_call, "any_amount", lambda amount: None)
    monkeypatch.setattr(ops, "closed_in_one_call", lambda *args, **kwargs: one_call.LONG_WAY)


def _script(seed: int, kind: str):
    """A random mix of credits (pending or not, with and without expiry), debits and
    holds, some too large, some of a fraction, some repeated keys: (name, kwargs)."""
    rng = random.Random(seed)
    steps = []
    for n in range(80):
        what = rng.choice(
            ["credit", "credit", "pending", "debit", "hold", "replay", "activate", "capture"]
        )
        amount = rng.choice([1, 7, 25, 60, 130, 400])
        if kind == Kind.CASH and rng.random() < 0.3:
            amount = Decimal(amount) + Decimal("0.125")
        elif rng.random() < 0.05:
            amount = Decimal("2.5")  # a fraction: refused for points
        ref = Reference("ORDER", f"o{n}")
        at_day = at(n / 4)
        if what in ("credit", "pending"):
            steps.append(
                (
                    "credit",
                    dict(
                        amount=amount,
                        key=f"k{n}",
                        source=rng.choice([LotSource.LOYALTY, LotSource.BONUS]),
                        pending=what == "pending",
                        expires_in_days=rng.choice([None, 1, 30]),
                        reference=ref,
                        actor=Actor("STAFF", "7"),
                        reason="why",
                        now=at_day,
                    ),
                )
            )
        elif what == "replay" and steps:
            steps.append(steps[rng.randrange(len(steps))])
        elif what == "activate":
            # the n-th pending lot of the run (again, sometimes), or none
            steps.append(("activate", dict(nth=rng.randrange(4), now=at_day)))
        elif what == "capture":
            # whole, by its amount, in part, or more than held; sometimes again
            how = rng.choice([None, None, "whole", "part", "more"])
            steps.append(("capture", dict(nth=rng.randrange(4), how=how, now=at_day)))
        else:
            steps.append(
                (
                    what if what != "replay" else "debit",
                    dict(amount=amount, key=f"k{n}", reference=ref, now=at_day),
                )
            )
    return steps


def _run(account, steps) -> list:
    """Each step's posting (without ids) or the refusal it raised."""
    calls = {"credit": credit, "debit": debit, "hold": hold}
    pending_lots, holds = [], []

    def closing(name, nth, now, how=None):
        rows = pending_lots if name == "activate" else holds
        if nth >= len(rows):
            return None
        if name == "activate":
            return activate(rows[nth][0], now=now)
        hold_id, held = rows[nth]
        amount = {None: None, "whole": held, "part": held - 1, "more": held + 1}[how]
        return capture(hold_id, amount, now=now, reason="shipped")

    answers = []
    for name, kwargs in steps:
        try:
            if name in ("activate", "capture"):
                posting = closing(name, **kwargs)
            else:
                posting = calls[name](account, **kwargs)
        except (InsufficientBalance, InvalidInput, IdempotencyConflict, HoldClosed) as error:
            # ids differ between the two runs
            answers.append((type(error).__name__, re.sub(r"(hold|lot) \d+", r"\1 #", str(error))))
        else:
            if posting is None:
                answers.append(None)
                continue
            if name == "credit" and kwargs["pending"] and not posting.replayed:
                pending_lots.append((posting.lot_id, posting.pending))
            if name == "hold" and not posting.replayed:
                holds.append((posting.hold_id, kwargs["amount"]))
            answers.append(
                (
                    posting.type,
                    posting.amount,
                    posting.available,
                    posting.pending,
                    posting.held,
                    posting.debt,
                    posting.settled,
                    posting.replayed,
                    posting.lot_id is not None,
                    posting.hold_id is not None,
                )
            )
    return answers


def _written(account) -> list:
    """The account's ledger rows without their ids, in order."""
    entries = sql(
        "SELECT type, amount, available_delta, pending_delta, held_delta, debt_delta, "
        "available_after, pending_after, held_after, debt_after, unrecovered, expired, "
        "created_at, regexp_replace(idempotency_key, '^(lot|hold|entry):[0-9]+:', '\\1:#:'), "
        "reference_type, reference_id, actor_type, "
        "actor_id, reason, lot_id IS NULL, hold_id IS NULL, original_id IS NULL, "
        "ARRAY(SELECT a.amount FROM rewards_allocation a WHERE a.entry_id = e.id "
        "ORDER BY a.id) FROM rewards_entry e WHERE account_id = %s ORDER BY id",
        [account.id],
    )
    lots = sql(
        "SELECT source, status, amount, remaining, created_at, available_at, "
        "expires_in_days, expires_at, reference_type, reference_id "
        "FROM rewards_lot WHERE account_id = %s ORDER BY id",
        [account.id],
    )
    holds = sql(
        "SELECT amount, status, captured, created_at, expires_at, reference_type, "
        "reference_id FROM rewards_hold WHERE account_id = %s ORDER BY id",
        [account.id],
    )
    balances = sql(
        "SELECT available, pending, held, unrecovered, debt FROM rewards_account WHERE id = %s",
        [account.id],
    )
    return [entries, lots, holds, balances]


@pytest.mark.django_db
@pytest.mark.parametrize("kind", [Kind.POINTS, Kind.CASH])
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_the_one_call_and_the_long_way_write_the_same_ledger(
    program, new_member, monkeypatch, kind, seed
):
    one_call = open_account(program, new_member(), kind)
    long_way = open_account(program, new_member(), kind)
    steps = _script(seed, kind)

    answers = _run(one_call, steps)
    with monkeypatch.context() as patch:
        _the_long_way(patch)
        answers_long = _run(long_way, steps)
    settle()

    assert answers == answers_long
    for table, (one, long) in enumerate(zip(_written(one_call), _written(long_way), strict=True)):
        for n, (a, b) in enumerate(zip(one, long, strict=True)):
            assert a == b, (table, n)
        assert len(one) == len(long), table
    # the script did reach each kind of answer
    kinds = {a[0] for a in answers if a}
    assert {
        EntryType.EARN,
        EntryType.REDEEM,
        EntryType.HOLD,
        EntryType.ACTIVATE,
        EntryType.CAPTURE,
        "InsufficientBalance",
    } <= kinds
    assert any(a[7] is True for a in answers if a and len(a) > 2)  # a replay
    assert_proven(one_call, long_way)


@pytest.mark.django_db
def test_the_one_call_refuses_as_the_long_way_does(points, monkeypatch):
    credit(points, 50, key="r:0", source=LotSource.BONUS, now=at(0))
    refusals = {
        "fraction": lambda: debit(points, Decimal("1.5"), key="r:1", now=at(0)),
        "short": lambda: hold(points, 51, key="r:2", now=at(0)),
        "no account": lambda: credit(10**12, 5, key="r:3", source=LotSource.BONUS),
        "key of a credit": lambda: debit(points, 5, key="r:0", now=at(0)),
    }
    answers = {}
    for name, call in refusals.items():
        with pytest.raises(
            (InvalidInput, InsufficientBalance, NotFound, IdempotencyConflict)
        ) as error:
            call()
        answers[name] = (type(error.value).__name__, str(error.value), error.value.field)
    with monkeypatch.context() as patch:
        _the_long_way(patch)
        for name, call in refusals.items():
            with pytest.raises(
                (InvalidInput, InsufficientBalance, NotFound, IdempotencyConflict)
            ) as error:
                call()
            assert answers[name] == (
                type(error.value).__name__,
                str(error.value),
                error.value.field,
            ), name
    assert answers["short"][1] == "Only 50.000 of 51 is available."
    settle()
    assert sql("SELECT COUNT(*) FROM rewards_entry WHERE account_id = %s", [points.id]) == [(1,)]


@pytest.mark.django_db
def test_a_member_who_owes_points_is_credited_the_long_way_and_pays_first(points):
    credit(points, 30, key="d:0", source=LotSource.BONUS, now=at(0))
    revoke(points, 50, key="d:1", now=at(0))  # 20 owed

    posting = credit(points, 45, key="d:2", source=LotSource.BONUS, now=at(1))
    settle()

    assert (posting.settled, posting.available - posting.settled) == (20, 25)
    assert sql("SELECT available, debt FROM rewards_account WHERE id = %s", [points.id]) == [
        (25, 0)
    ]
    assert_proven(points)


@pytest.mark.django_db(transaction=True)
def test_outside_a_transaction_the_call_is_the_transaction(points):
    # when a credit, a hold and a refused debit run outside any transaction
    with CaptureQueriesContext(connection) as captured:
        credit(points, 40, key="t:0", source=LotSource.BONUS, now=at(0))
        hold(points, 15, key="t:1", now=at(0))
        with pytest.raises(InsufficientBalance):
            debit(points, 26, key="t:2", now=at(0))

    # then each was one statement (no savepoint, no second call) ...
    assert [q["sql"].split("(")[0] for q in captured.captured_queries] == [
        "SELECT * FROM rewards_ledger_move"
    ] * 3
    # ... committed (another connection sees it) and holding no lock
    from django.db import connections

    other = connections.create_connection("default")
    try:
        with other.cursor() as cursor:
            cursor.execute("SET lock_timeout = '1s'")
            cursor.execute(
                "SELECT available, held FROM rewards_account WHERE id = %s FOR UPDATE",
                [points.id],
            )
            assert cursor.fetchone() == (25, 15)
    finally:
        other.close()
    assert_proven(points)
