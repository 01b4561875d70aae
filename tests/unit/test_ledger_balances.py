"""U1 separate balances per channel and kind; U5 balance = entries = lots, enforced
by the database. (U2, the point value, is program configuration, not the ledger.)"""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from saleor_rewards.ledger import (
    Kind,
    LotSource,
    activate,
    capture,
    credit,
    debit,
    expire_due_lots,
    hold,
    open_account,
    release,
    return_debit,
    revoke,
    void,
)
from saleor_rewards.ledger.errors import InsufficientBalance
from saleor_rewards.ledger.models import Account

from .helpers import Columns, assert_proven, at, columns, proof_problems, settle, sql

pytestmark = pytest.mark.django_db


def test_U1_points_and_cash_are_separate_balances_of_one_member(program, member):
    # given a member's points and cash balances in one channel
    points = open_account(program, member, Kind.POINTS)
    cash = open_account(program, member, Kind.CASH)

    # when each is credited and points are spent
    credit(points, 500, key="order-1:earn", source=LotSource.LOYALTY, now=at(0))
    credit(cash, Decimal("12.345"), key="aff-1", source=LotSource.AFFILIATE, now=at(0))
    debit(points, 200, key="checkout-1", now=at(1))
    settle()

    # then they are two accounts; the cash one carries the channel currency
    assert points.id != cash.id
    assert (points.kind, points.currency) == (Kind.POINTS, None)
    assert (cash.kind, cash.currency) == (Kind.CASH, "EUR")
    assert columns(points) == Columns(Decimal(300), 0, 0)
    assert columns(cash) == Columns(Decimal("12.345"), 0, 0)
    assert_proven(points, cash)


def test_U1_points_are_independent_per_channel(program, other_program, member):
    # given points earned in one channel
    web = open_account(program, member, Kind.POINTS)
    app = open_account(other_program, member, Kind.POINTS)
    credit(web, 100, key="order-1:earn", source=LotSource.LOYALTY, now=at(0))

    # when the member tries to spend them in the other channel
    with pytest.raises(InsufficientBalance):
        debit(app, 1, key="checkout-9", now=at(1))
    settle()

    # then the other channel has nothing and the first keeps its points
    assert web.program_id != app.program_id
    assert columns(app) == Columns(0, 0, 0)
    assert columns(web) == Columns(Decimal(100), 0, 0)
    assert app.entries.count() == 0


def test_U1_cash_balances_carry_each_channel_currency(program, other_program, member):
    # when a member gets a cash balance in two channels
    eur = open_account(program, member, Kind.CASH)
    usd = open_account(other_program, member, Kind.CASH)

    # then each carries its channel's currency
    assert (eur.currency, usd.currency) == ("EUR", "USD")


def test_U1_opening_an_account_twice_returns_the_same_account(program, member):
    # given an account with a balance
    first = open_account(program, member, Kind.POINTS)
    credit(first, 10, key="k", source=LotSource.BONUS, now=at(0))

    # when it is opened again, by program or by channel slug
    again = open_account(program, member, Kind.POINTS)
    by_slug = open_account(program.channel_slug, member, Kind.POINTS)

    # then no second account is created and the balance is untouched
    assert again.id == by_slug.id == first.id
    assert Account.objects.filter(member_id=member).count() == 1
    assert again.available == 10


def test_U5_balance_equals_entries_and_lots_after_every_operation(points):
    # given: every kind of operation, in an order that crosses expiries
    made = {}

    def remember(name, posting):
        made[name] = posting
        return posting

    steps = [
        lambda: remember(
            "a",
            credit(points, 300, key="a", source=LotSource.LOYALTY, expires_in_days=5, now=at(0)),
        ),
        lambda: remember(
            "b",
            credit(
                points,
                200,
                key="b",
                source=LotSource.LOYALTY,
                pending=True,
                expires_in_days=30,
                now=at(0),
            ),
        ),
        lambda: remember(
            "c", credit(points, 50, key="c", source=LotSource.BONUS, pending=True, now=at(0))
        ),
        lambda: activate(made["b"].lot_id, now=at(1)),
        lambda: void(made["c"].lot_id, 20, key="void-c", now=at(1)),
        lambda: remember("spent", debit(points, 350, key="d", now=at(1))),
        lambda: remember("h", hold(points, 60, key="h", now=at(2))),
        lambda: capture(made["h"].hold_id, 25, now=at(2)),
        lambda: remember("h2", hold(points, 40, key="h2", now=at(2))),
        lambda: release(made["h2"].hold_id, now=at(6)),  # lot "a" expired meanwhile
        lambda: return_debit(made["spent"].entry_id, key="r", now=at(6)),
        lambda: revoke(points, 1000, key="rv", now=at(7)),
        lambda: credit(points, 70, key="e", source=LotSource.BONUS, expires_in_days=1, now=at(7)),
        lambda: expire_due_lots(now=at(9)),
    ]

    for number, step in enumerate(steps):
        # when one more operation runs
        step()
        # then the deferred checks pass and every recomputation agrees
        settle()
        assert proof_problems(points) == [], f"after step {number}"
    assert points.entries.count() >= len(steps)


def _rejected_at_settle(*statements) -> str:
    """Run raw SQL, then fire the deferred checks; return the database's refusal.

    Each statement is ``(sql, params)``.
    """
    with pytest.raises(IntegrityError) as refused:
        with transaction.atomic():
            with connection.cursor() as cursor:
                for statement, params in statements:
                    cursor.execute(statement, params)
            settle()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")
    return str(refused.value)


def test_U5_trigger_rejects_an_account_that_drifts_from_its_rows(points):
    # given a proven account
    credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0))
    settle()

    # when raw SQL moves the cached balance
    message = _rejected_at_settle(
        ("UPDATE rewards_account SET available = available + 1 WHERE id = %s", [points.id]),
    )

    # then the deferred trigger refuses it and nothing changed
    assert f"rewards account {points.id}" in message
    assert "does not balance" in message
    assert columns(points).available == 100


def test_U5_trigger_rejects_a_lot_remainder_that_drifts(points):
    lot = credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0)).lot_id
    settle()

    message = _rejected_at_settle(
        ("UPDATE rewards_lot SET remaining = remaining - 1 WHERE id = %s", [lot]),
    )

    assert "does not balance" in message
    assert sql("SELECT remaining FROM rewards_lot WHERE id = %s", [lot]) == [(100,)]


def test_U5_trigger_rejects_a_lot_inserted_without_an_entry(points):
    credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0))
    settle()

    message = _rejected_at_settle(
        (
            "INSERT INTO rewards_lot (account_id, source, status, amount, remaining, "
            "created_at, reference_type, reference_id) "
            "VALUES (%s, 'bonus', 'available', 5, 5, now(), '', '')",
            [points.id],
        ),
    )

    assert "does not balance" in message
    assert points.lots.count() == 1


def test_U5_trigger_rejects_a_hold_that_drifts(points):
    credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0))
    held = hold(points, 30, key="h", now=at(0))
    settle()

    message = _rejected_at_settle(
        ("UPDATE rewards_hold SET amount = 31 WHERE id = %s", [held.hold_id]),
    )

    assert "does not balance" in message
    assert columns(points).held == 30


def test_U5_trigger_rejects_an_entry_that_breaks_the_balance_chain(points):
    # given an account whose last entry says 100 available
    credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0))
    settle()

    # when an entry claims +5 but carries the same balance-after
    message = _rejected_at_settle(
        (
            "INSERT INTO rewards_entry (account_id, created_at, type, amount, "
            "available_delta, pending_delta, held_delta, available_after, pending_after, "
            "held_after, unrecovered, expired, reference_type, reference_id, actor_type, "
            "actor_id, reason) VALUES (%s, now(), 'adjust', 5, 5, 0, 0, 100, 0, 0, 0, 0, "
            "'', '', 'system', '', '')",
            [points.id],
        ),
    )

    # then the chain trigger refuses it
    assert "breaks the balance chain" in message
    assert points.entries.count() == 1


def test_U5_trigger_rejects_an_entry_its_account_does_not_reflect(points):
    # given an account whose last entry says 100 available
    credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0))
    settle()

    # when an entry that continues the chain correctly (+5 -> 105) is written, but
    # neither the account nor any lot changes
    message = _rejected_at_settle(
        (
            "INSERT INTO rewards_entry (account_id, created_at, type, amount, "
            "available_delta, pending_delta, held_delta, available_after, pending_after, "
            "held_after, unrecovered, expired, reference_type, reference_id, actor_type, "
            "actor_id, reason) VALUES (%s, now(), 'adjust', 5, 5, 0, 0, 105, 0, 0, 0, 0, "
            "'', '', 'system', '', '')",
            [points.id],
        ),
    )

    # then the account (100) no longer equals its last entry (105): refused at commit
    assert f"rewards account {points.id}" in message
    assert points.entries.count() == 1


def test_U5_trigger_rejects_moving_a_lot_to_another_account(points, program, new_member):
    # given two members with 100 points each, one lot each
    other = open_account(program, new_member(), Kind.POINTS)
    lot = credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0)).lot_id
    other_lot = credit(other, 100, key="b", source=LotSource.LOYALTY, now=at(0)).lot_id
    settle()

    # when raw SQL moves the first member's lot to the other account and empties the
    # other account's own lot, so the receiving account still balances
    message = _rejected_at_settle(
        ("UPDATE rewards_lot SET account_id = %s WHERE id = %s", [other.id, lot]),
        ("UPDATE rewards_lot SET remaining = 0 WHERE id = %s", [other_lot]),
    )

    # then the account that lost its lot (100 cached, 0 in lots) is refused at commit
    assert f"rewards account {points.id}" in message


def test_U5_a_drift_after_a_rolled_back_operation_is_still_refused(points):
    """Issue 14: the writes of an operation mark its account once, remembered in a
    transaction-local setting. A savepoint that rolls back takes its mark away, and
    the setting with it: a drift of the same account later is still checked."""
    credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0))
    settle()

    class Undo(Exception):
        pass

    with pytest.raises(Undo):
        with transaction.atomic():
            credit(points, 5, key="b", source=LotSource.LOYALTY, now=at(0))
            raise Undo

    message = _rejected_at_settle(
        ("UPDATE rewards_account SET available = available + 1 WHERE id = %s", [points.id]),
    )
    assert "does not balance" in message
    assert columns(points).available == 100


def test_U5_a_drift_after_an_operation_of_another_account_is_refused(points, program, new_member):
    """The setting remembers one account: A, then B, then a drift of A in the same
    transaction still finds A marked (and A is checked)."""
    other = open_account(program, new_member(), Kind.POINTS)
    credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0))
    settle()

    with pytest.raises(IntegrityError, match=f"rewards account {points.id} "):
        with transaction.atomic(), connection.cursor() as cursor:
            credit(points, 5, key="b", source=LotSource.LOYALTY, now=at(0))
            credit(other, 5, key="c", source=LotSource.LOYALTY, now=at(0))
            cursor.execute(
                "UPDATE rewards_account SET available = available + 1 WHERE id = %s",
                [points.id],
            )
            settle()
    with connection.cursor() as cursor:
        cursor.execute("SET CONSTRAINTS ALL DEFERRED")


def test_U5_points_balances_must_be_whole_numbers(points):
    # when raw SQL puts half a point on an account
    with pytest.raises(IntegrityError, match="rewards_account_points_are_whole"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE rewards_account SET unrecovered = 0.5 WHERE id = %s",
                [points.id],
            )

    # then the immediate CHECK constraint refuses it
    assert columns(points).unrecovered == 0


@pytest.mark.django_db(transaction=True)
def test_U5_drift_is_rejected_at_a_real_commit(program, member):
    # given a committed account with 100 points
    points = open_account(program, member, Kind.POINTS)
    credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0))

    # when a transaction drifts the cached balance and commits
    with pytest.raises(IntegrityError, match="does not balance"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE rewards_account SET available = available + 1 WHERE id = %s",
                [points.id],
            )

    # then the commit fails and the balance is what the ledger says
    assert columns(points).available == 100
    assert_proven(points)
