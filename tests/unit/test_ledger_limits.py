"""U8: a balance never goes below zero; revocations and voids larger than what is
there take it to zero and record the unrecovered rest."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from saleor_rewards.ledger import (
    EntryType,
    LotSource,
    LotStatus,
    activate,
    credit,
    debit,
    hold,
    revoke,
    void,
)
from saleor_rewards.ledger.errors import InsufficientBalance, InvalidInput
from saleor_rewards.ledger.models import Entry

from .helpers import (
    Columns,
    allocations,
    assert_proven,
    at,
    columns,
    ledger_snapshot,
    lot_row,
    settle,
)

pytestmark = pytest.mark.django_db


def earn(account, amount, key, *, days=None, pending=False):
    return credit(
        account,
        amount,
        key=key,
        source=LotSource.LOYALTY,
        expires_in_days=days,
        pending=pending,
        now=at(0),
    ).lot_id


def test_U8_debit_beyond_available_is_refused_and_changes_nothing(points):
    # given 100 available and 50 pending
    earn(points, 100, "a")
    earn(points, 50, "b", pending=True)
    before = ledger_snapshot()

    # when 101 are spent
    with pytest.raises(InsufficientBalance, match=r"Only 100(\.0+)? of 101 is available") as error:
        debit(points, 101, key="checkout-1", now=at(1))
    settle()

    # then nothing was written, and the key stays free for a later attempt
    assert error.value.code == "INSUFFICIENT_BALANCE"
    assert ledger_snapshot() == before
    assert debit(points, 100, key="checkout-1", now=at(1)).replayed is False


def test_U8_cash_debit_beyond_available_is_refused(cash):
    credit(cash, Decimal("10.005"), key="a", source=LotSource.AFFILIATE, now=at(0))
    before = ledger_snapshot()

    with pytest.raises(InsufficientBalance):
        debit(cash, Decimal("10.006"), key="w-1", now=at(1))

    assert ledger_snapshot() == before


def test_U8_hold_beyond_available_is_refused_and_changes_nothing(points):
    earn(points, 100, "a")
    hold(points, 60, key="h1", now=at(1))
    before = ledger_snapshot()

    with pytest.raises(InsufficientBalance, match=r"Only 40(\.0+)? of 41"):
        hold(points, 41, key="h2", now=at(1))
    settle()

    assert ledger_snapshot() == before
    assert columns(points) == Columns(Decimal(40), 0, Decimal(60))


def test_U8_revoke_larger_than_the_balance_takes_it_to_zero_and_records_the_rest(
    points,
):
    # given 100 points of which 70 were already spent
    lot = earn(points, 100, "order-1:earn")
    debit(points, 70, key="checkout-1", now=at(1))

    # when the order is refunded and its 100 points are revoked
    posting = revoke(points, 100, key="order-1:revoke", now=at(2))
    settle()

    # then 30 are taken, 70 are recorded as unrecovered on the entry and the account,
    # and are owed (L3)
    assert (posting.type, posting.amount, posting.unrecovered, posting.available) == (
        EntryType.REVOKE,
        -30,
        70,
        0,
    )
    assert posting.debt == 70
    assert Entry.objects.get(id=posting.entry_id).unrecovered == 70
    assert columns(points) == Columns(0, 0, 0, Decimal(70), debt=Decimal(70))
    assert allocations(posting.entry_id) == [(lot, Decimal(-30))]
    assert_proven(points)


def test_U8_revoke_from_an_empty_balance_records_it_all_as_unrecovered(points):
    posting = revoke(points, 25, key="order-1:revoke", now=at(2))
    settle()

    assert (posting.amount, posting.unrecovered) == (0, 25)
    assert columns(points) == Columns(0, 0, 0, Decimal(25), debt=Decimal(25))
    assert allocations(posting.entry_id) == []
    assert_proven(points)


def test_U8_unrecovered_amounts_accumulate_on_the_account(points):
    revoke(points, 25, key="r1", now=at(2))
    revoke(points, 5, key="r2", now=at(2))
    settle()

    assert columns(points).unrecovered == 30


def test_L3_revoke_takes_soonest_expiring_points_and_leaves_pending_and_held(points):
    # given a late lot, a soon lot, a pending lot and 10 held
    late = earn(points, 50, "late", days=60)
    soon = earn(points, 50, "soon", days=10)
    earn(points, 40, "pending", pending=True)
    hold(points, 10, key="h", now=at(1))  # from the soon lot

    # when 60 are revoked
    posting = revoke(points, 60, key="r", now=at(2))
    settle()

    # then the soon lot's 40 go first, then 20 of the late lot; pending and held stay
    assert allocations(posting.entry_id) == [(soon, Decimal(-40)), (late, Decimal(-20))]
    assert columns(points) == Columns(Decimal(30), Decimal(40), Decimal(10))
    assert posting.unrecovered == 0
    assert_proven(points)


def test_U8_revoke_does_not_take_points_past_their_expiry(points):
    # given a lot that expired yesterday, unswept
    earn(points, 100, "a", days=1)

    # when a revocation runs on day 2
    posting = revoke(points, 30, key="r", now=at(2))
    settle()

    # then it cannot take expired points: all 30 are unrecovered
    assert (posting.amount, posting.unrecovered) == (0, 30)
    assert columns(points).available == 100


def test_L3_void_of_a_whole_pending_lot_empties_and_closes_it(points):
    # given a pending lot of 40
    lot = earn(points, 40, "order-1:earn", pending=True)

    # when the order is cancelled before fulfilment
    posting = void(lot, key="order-1:cancel", now=at(1))
    settle()

    # then the lot is void and empty and the pending balance is gone
    assert (posting.type, posting.amount, posting.pending, posting.unrecovered) == (
        EntryType.VOID,
        -40,
        0,
        0,
    )
    assert (lot_row(lot)["status"], lot_row(lot)["remaining"]) == (LotStatus.VOID, 0)
    assert columns(points) == Columns(0, 0, 0)
    assert_proven(points)


def test_U8_void_of_more_than_a_pending_lot_holds_records_the_rest_as_unrecovered(
    points,
):
    # given a pending lot of 40
    lot = earn(points, 40, "order-1:earn", pending=True)

    # when 50 are voided
    posting = void(lot, 50, key="order-1:cancel", now=at(1))
    settle()

    # then the 40 go, 10 are unrecovered, and the lot is closed
    assert (posting.amount, posting.unrecovered) == (-40, 10)
    assert lot_row(lot)["status"] == LotStatus.VOID
    assert columns(points) == Columns(0, 0, 0, Decimal(10))
    assert_proven(points)


def test_L3_partial_void_leaves_the_rest_pending_for_activation(points):
    # given a pending lot of 40 expiring 30 days after activation
    lot = earn(points, 40, "order-1:earn", days=30, pending=True)

    # when 15 are voided (partial refund) and the order is then fulfilled
    voided = void(lot, 15, key="order-1:refund-1", now=at(1))
    activated = activate(lot, now=at(2))
    settle()

    # then 25 become available
    assert (voided.amount, voided.pending, voided.unrecovered) == (-15, 25, 0)
    assert (activated.available, activated.pending) == (25, 0)
    assert (lot_row(lot)["status"], lot_row(lot)["remaining"]) == (
        LotStatus.AVAILABLE,
        25,
    )
    assert_proven(points)


def test_L3_void_of_an_available_lot_is_refused(points):
    lot = earn(points, 40, "order-1:earn")
    before = ledger_snapshot()

    with pytest.raises(InvalidInput, match="is available, not pending") as error:
        void(lot, key="order-1:cancel", now=at(1))

    assert error.value.field == "lot"
    assert ledger_snapshot() == before


@pytest.mark.parametrize("column", ["available", "pending", "held", "unrecovered", "debt"])
def test_U8_database_refuses_a_negative_balance(points, column):
    with pytest.raises(IntegrityError, match="rewards_account_"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE rewards_account SET {column} = -1 WHERE id = %s", [points.id])

    assert getattr(columns(points), column) == 0
