"""U6: replaying an operation with its key returns the first posting and changes
nothing; a key cannot be reused for another kind of entry; holds close exactly once."""

from dataclasses import replace
from decimal import Decimal
from types import SimpleNamespace

import pytest

from saleor_rewards.ledger import (
    Actor,
    ActorType,
    EntryType,
    Kind,
    LotSource,
    activate,
    adjust,
    capture,
    credit,
    debit,
    hold,
    open_account,
    release,
    return_debit,
    revoke,
    void,
)
from saleor_rewards.ledger.errors import HoldClosed, IdempotencyConflict
from saleor_rewards.ledger.models import Entry

from .helpers import Columns, assert_proven, at, columns, ledger_snapshot, settle

pytestmark = pytest.mark.django_db

STAFF = Actor(ActorType.STAFF, "staff-7")


@pytest.fixture
def ctx(program, member):
    """A member with 100 available points, a pending lot of 40, and 100 of cash."""
    points = open_account(program, member, Kind.POINTS)
    cash = open_account(program, member, Kind.CASH)
    credit(points, 100, key="seed", source=LotSource.LOYALTY, expires_in_days=30, now=at(0))
    pending = credit(
        points, 40, key="order-9:earn", source=LotSource.LOYALTY, pending=True, now=at(0)
    ).lot_id
    credit(cash, 100, key="seed", source=LotSource.AFFILIATE, now=at(0))
    settle()
    return SimpleNamespace(points=points, cash=cash, pending=pending, spent=None)


def _return(c, amount):
    if c.spent is None:
        c.spent = debit(c.points, 50, key="order-1:redeem", now=at(1)).entry_id
    return return_debit(c.spent, amount, key="order-1:refund", now=at(2))


# name: operation(ctx, amount); the replay passes a different amount on purpose
REPLAYABLE = {
    "credit": lambda c, n: credit(
        c.points, n, key="order-1:earn", source=LotSource.LOYALTY, now=at(1)
    ),
    "credit-pending": lambda c, n: credit(
        c.points,
        n,
        key="order-1:earn",
        source=LotSource.LOYALTY,
        pending=True,
        expires_in_days=30,
        now=at(1),
    ),
    "redeem": lambda c, n: debit(c.points, n, key="checkout-1", now=at(1)),
    "withdraw": lambda c, n: debit(
        c.cash, Decimal(n) / 4, key="withdrawal-1", entry_type=EntryType.WITHDRAW, now=at(1)
    ),
    "hold": lambda c, n: hold(c.points, n, key="checkout-1", now=at(1)),
    "revoke": lambda c, n: revoke(c.points, n * 10, key="order-1:revoke", now=at(1)),
    "void": lambda c, n: void(c.pending, n, key="order-9:refund", now=at(1)),
    "return": _return,
    "adjust-credit": lambda c, n: adjust(
        c.points, n, key="ticket-1", reason="x", actor=STAFF, now=at(1)
    ),
    "adjust-debit": lambda c, n: adjust(
        c.points, -n, key="ticket-1", reason="x", actor=STAFF, now=at(1)
    ),
}


@pytest.mark.parametrize("operation", REPLAYABLE, ids=list(REPLAYABLE))
def test_U6_replaying_an_operation_returns_the_first_posting_and_changes_nothing(ctx, operation):
    # given the operation ran once, and something else happened afterwards
    first = REPLAYABLE[operation](ctx, 10)
    credit(ctx.points, 5, key="unrelated", source=LotSource.BONUS, now=at(3))
    settle()
    before = ledger_snapshot()

    # when the same event is replayed, even with another amount
    again = REPLAYABLE[operation](ctx, 20)
    settle()

    # then the first posting comes back, marked as a replay, and nothing changed
    assert first.replayed is False
    assert again == replace(first, replayed=True)
    assert ledger_snapshot() == before
    assert_proven(ctx.points, ctx.cash)


def test_U6_replaying_many_times_still_changes_nothing(ctx):
    first = debit(ctx.points, 10, key="checkout-1", now=at(1))
    settle()
    before = ledger_snapshot()

    replays = [debit(ctx.points, 10, key="checkout-1", now=at(1)) for _ in range(5)]

    assert {p.entry_id for p in replays} == {first.entry_id}
    assert all(p.replayed for p in replays)
    assert ledger_snapshot() == before


@pytest.mark.parametrize(
    "first_type, second",
    [
        ("earn", lambda c: debit(c.points, 1, key="k", now=at(1))),
        ("earn", lambda c: hold(c.points, 1, key="k", now=at(1))),
        ("earn", lambda c: revoke(c.points, 1, key="k", now=at(1))),
        ("earn", lambda c: adjust(c.points, 1, key="k", reason="x", actor=STAFF, now=at(1))),
        ("earn", lambda c: void(c.pending, 1, key="k", now=at(1))),
        (
            "earn",
            lambda c: credit(
                c.points,
                1,
                key="k",
                source=LotSource.CLAIM,
                entry_type=EntryType.COMPENSATE,
                now=at(1),
            ),
        ),
    ],
    ids=["debit", "hold", "revoke", "adjust", "void", "compensate"],
)
def test_U6_key_reused_for_another_entry_type_is_a_conflict(ctx, first_type, second):
    # given a key used to earn points
    credit(ctx.points, 10, key="k", source=LotSource.LOYALTY, now=at(1))
    settle()
    before = ledger_snapshot()

    # when the same key is used for another kind of operation
    with pytest.raises(IdempotencyConflict) as error:
        second(ctx)

    # then it is refused as a conflict, naming the first use, and nothing changed
    assert error.value.code == "CONFLICT"
    assert error.value.field == "key"
    assert f"already used for a {first_type} entry" in error.value.message
    assert ledger_snapshot() == before


def test_U6_keys_are_scoped_to_one_account(ctx):
    # when the same key is used on the member's points and cash balances
    on_points = credit(ctx.points, 10, key="order-1:earn", source=LotSource.LOYALTY, now=at(1))
    on_cash = credit(ctx.cash, 10, key="order-1:earn", source=LotSource.AFFILIATE, now=at(1))
    settle()

    # then both are first postings of their own account
    assert not on_points.replayed and not on_cash.replayed
    assert on_points.entry_id != on_cash.entry_id
    assert Entry.objects.filter(idempotency_key="order-1:earn").count() == 2


def test_U6_capture_twice_returns_the_first_capture(ctx):
    # given a hold captured for 20 of 30
    held = hold(ctx.points, 30, key="checkout-1", now=at(1))
    first = capture(held.hold_id, 20, now=at(2))
    settle()
    before = ledger_snapshot()

    # when the capture is replayed (even for the full amount)
    again = capture(held.hold_id, now=at(3))
    settle()

    # then the first capture comes back and nothing changed
    assert again == replace(first, replayed=True)
    assert ledger_snapshot() == before
    assert Entry.objects.filter(hold_id=held.hold_id, type=EntryType.CAPTURE).count() == 1


def test_U6_release_twice_returns_the_first_release(ctx):
    held = hold(ctx.points, 30, key="checkout-1", now=at(1))
    first = release(held.hold_id, now=at(2))
    settle()
    before = ledger_snapshot()

    again = release(held.hold_id, now=at(3))
    settle()

    assert again == replace(first, replayed=True)
    assert ledger_snapshot() == before


def test_U6_release_after_capture_is_refused(ctx):
    # given a captured hold
    held = hold(ctx.points, 30, key="checkout-1", now=at(1))
    capture(held.hold_id, now=at(2))
    settle()
    before = ledger_snapshot()

    # when a late "checkout abandoned" event releases it
    with pytest.raises(HoldClosed, match="captured") as error:
        release(held.hold_id, now=at(3))

    # then it is refused and the capture stands
    assert (error.value.code, error.value.field) == ("CONFLICT", "hold")
    assert ledger_snapshot() == before
    assert columns(ctx.points) == Columns(Decimal(70), Decimal(40), 0)


def test_U6_release_after_a_partial_capture_is_refused(ctx):
    held = hold(ctx.points, 30, key="checkout-1", now=at(1))
    capture(held.hold_id, 10, now=at(2))
    settle()
    before = ledger_snapshot()

    with pytest.raises(HoldClosed):
        release(held.hold_id, now=at(3))

    assert ledger_snapshot() == before


def test_U6_capture_after_release_is_refused(ctx):
    held = hold(ctx.points, 30, key="checkout-1", now=at(1))
    release(held.hold_id, now=at(2))
    settle()
    before = ledger_snapshot()

    with pytest.raises(HoldClosed, match="released"):
        capture(held.hold_id, now=at(3))

    assert ledger_snapshot() == before
    assert columns(ctx.points).available == 100


def test_U6_activating_twice_does_nothing_more(ctx):
    # given a pending lot activated once
    first = activate(ctx.pending, now=at(1))
    settle()
    before = ledger_snapshot()

    # when the "fulfilled" event comes again later
    again = activate(ctx.pending, now=at(5))
    settle()

    # then the first activation comes back: same expiry clock, no new entry
    assert again == replace(first, replayed=True)
    assert ledger_snapshot() == before
    assert columns(ctx.points) == Columns(Decimal(140), 0, 0)


def test_U6_activating_a_lot_voided_in_full_does_nothing(ctx):
    # given the order was cancelled before fulfilment: its pending lot voided in full
    void(ctx.pending, key="order-9:cancel", now=at(1))
    settle()
    before = ledger_snapshot()

    # when a late "fulfilled" event arrives
    result = activate(ctx.pending, now=at(2))
    settle()

    # then there is nothing to activate and nothing is written
    assert result is None
    assert ledger_snapshot() == before
    assert columns(ctx.points) == Columns(Decimal(100), 0, 0)


def test_U6_return_replayed_after_a_later_return_changes_nothing(ctx):
    # given a debit returned in two parts under two keys
    spent = debit(ctx.points, 50, key="order-1:redeem", now=at(1))
    first = return_debit(spent.entry_id, 20, key="refund-1", now=at(2))
    return_debit(spent.entry_id, 30, key="refund-2", now=at(3))
    settle()
    before = ledger_snapshot()

    # when the first refund event arrives again, after the second
    again = return_debit(spent.entry_id, 20, key="refund-1", now=at(4))

    # then it is the first return again, although nothing is left to return
    assert again == replace(first, replayed=True)
    assert ledger_snapshot() == before
