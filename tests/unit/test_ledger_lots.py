"""U4 lots with their own expiry: FEFO then oldest, pending is not spendable, returns
go back to the lots they came from; L4 the set-based expiry job; staff adjustments."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from saleor_rewards.ledger import (
    Actor,
    ActorType,
    EntryType,
    Kind,
    LotSource,
    LotStatus,
    activate,
    adjust,
    balance,
    credit,
    debit,
    expire_due_lots,
    expiring_soon,
    hold,
    open_account,
    release,
    return_debit,
)
from saleor_rewards.ledger.errors import InsufficientBalance, InvalidInput
from saleor_rewards.ledger.models import Account, Entry, Lot

from .helpers import (
    Columns,
    allocations,
    assert_proven,
    at,
    columns,
    ledger_snapshot,
    lot_row,
    row_counts,
    settle,
)

pytestmark = pytest.mark.django_db

STAFF = Actor(ActorType.STAFF, "staff-7")


def fresh(account):
    """The account re-read: ledger operations write with SQL, not through the object."""
    return Account.objects.get(id=account.id)


def earn(account, amount, key, *, days=None, now=None, pending=False):
    """Credit a lot; return its id."""
    return credit(
        account,
        amount,
        key=key,
        source=LotSource.LOYALTY,
        expires_in_days=days,
        pending=pending,
        now=now or at(0),
    ).lot_id


def test_U4_debit_takes_soonest_expiring_lot_first(points):
    # given lots created in this order: expiring in 30 days, in 10 days, never, in 10
    late = earn(points, 10, "late", days=30)
    soon = earn(points, 10, "soon", days=10)
    never = earn(points, 10, "never")
    soon_too = earn(points, 10, "soon-too", days=10)

    # when 25 points are spent
    posting = debit(points, 25, key="checkout-1", now=at(1))
    settle()

    # then the two soonest (older one first) pay in full, then the 30-day lot
    assert allocations(posting.entry_id) == [
        (soon, Decimal(-10)),
        (soon_too, Decimal(-10)),
        (late, Decimal(-5)),
    ]
    assert [lot_row(lot)["remaining"] for lot in (late, soon, never, soon_too)] == [
        5,
        0,
        10,
        0,
    ]
    assert posting.available == columns(points).available == 15
    assert_proven(points)


def test_U4_lots_that_never_expire_are_spent_last_oldest_first(points):
    # given two never-expiring lots around an expiring one
    old = earn(points, 10, "old")
    expiring = earn(points, 10, "expiring", days=90)
    new = earn(points, 10, "new")

    # when 25 points are spent
    posting = debit(points, 25, key="d", now=at(1))

    # then the expiring lot pays first, then the oldest never-expiring lot
    assert allocations(posting.entry_id) == [
        (expiring, Decimal(-10)),
        (old, Decimal(-10)),
        (new, Decimal(-5)),
    ]


def test_U4_pending_lot_is_visible_but_not_spendable(points):
    # given a pending lot
    lot = earn(points, 100, "order-1:earn", days=60, pending=True)

    # when the member tries to spend or reserve from it
    before = ledger_snapshot()
    with pytest.raises(InsufficientBalance):
        debit(points, 1, key="d", now=at(1))
    with pytest.raises(InsufficientBalance):
        hold(points, 1, key="h", now=at(1))
    settle()

    # then it shows as pending, nothing was spent, and it has no expiry yet
    assert ledger_snapshot() == before
    assert columns(points) == Columns(0, Decimal(100), 0)
    assert balance(fresh(points), now=at(1)).pending == 100
    assert lot_row(lot)["status"] == LotStatus.PENDING
    assert lot_row(lot)["expires_at"] is None


def test_U4_activate_makes_a_pending_lot_available_and_starts_its_expiry_clock(points):
    # given a lot earned pending at T0 that expires 10 days after it becomes available
    lot = earn(points, 100, "order-1:earn", days=10, pending=True, now=at(0))

    # when it is activated 5 days later
    posting = activate(lot, now=at(5))
    settle()

    # then it is available and expires 10 days after activation
    row = lot_row(lot)
    assert (row["status"], row["available_at"], row["expires_at"]) == (
        LotStatus.AVAILABLE,
        at(5),
        at(15),
    )
    assert (posting.type, posting.available, posting.pending) == (
        EntryType.ACTIVATE,
        100,
        0,
    )
    assert columns(points) == Columns(Decimal(100), 0, 0)
    assert_proven(points)


def test_U4_activated_lot_is_spendable_after_its_earn_date_plus_expiry(points):
    # given a lot earned at T0 (10-day expiry) and activated at day 5
    lot = earn(points, 100, "order-1:earn", days=10, pending=True, now=at(0))
    activate(lot, now=at(5))

    # when the member spends on day 12 and the expiry job runs on day 16
    debit(points, 30, key="d", now=at(12))
    expired = expire_due_lots(now=at(16))
    settle()

    # then day 12 was within its life, and day 16 expires the other 70
    assert expired == 1
    assert lot_row(lot)["status"] == LotStatus.EXPIRED
    assert columns(points) == Columns(0, 0, 0)
    assert_proven(points)


def test_U4_lot_past_its_expiry_is_not_spendable_before_the_job_sweeps_it(points):
    # given a lot that expired at day 1 and was not swept yet
    earn(points, 100, "a", days=1, now=at(0))
    before = ledger_snapshot()

    # when the member tries to spend it on day 2
    with pytest.raises(InsufficientBalance, match="Only 0 of 10 is available"):
        debit(points, 10, key="d", now=at(2))
    settle()

    # then nothing changed; the cached column still counts it, the balance read does not
    assert ledger_snapshot() == before
    assert columns(points).available == 100
    assert balance(fresh(points), now=at(2)).available == 0


def test_U4_balance_read_is_current_for_an_account_object_loaded_before(points):
    # given an Account object loaded when the balance was 0
    loaded_earlier = points
    earn(points, 100, "a", days=1, now=at(0))
    earn(points, 40, "b", pending=True, now=at(0))

    # when the balance is read through that object after the lot expired
    seen = balance(loaded_earlier, now=at(2))

    # then it is what the database holds, never a negative or stale figure
    assert (seen.available, seen.pending, seen.held) == (0, 40, 0)


def test_U4_lot_is_not_spendable_at_its_expiry_instant(points):
    # given a lot expiring exactly at day 1
    earn(points, 100, "a", days=1, now=at(0))

    # when spending a microsecond before, then at the instant itself
    debit(points, 10, key="before", now=at(1) - timedelta(microseconds=1))
    with pytest.raises(InsufficientBalance):
        debit(points, 10, key="at", now=at(1))
    settle()

    # then only the first succeeded
    assert columns(points).available == 90


def test_U4_return_gives_back_to_the_lots_it_came_from(points):
    # given 150 spent from a 5-day lot (100) and a 20-day lot (50 of 100)
    short = earn(points, 100, "short", days=5)
    long_ = earn(points, 100, "long", days=20)
    spent = debit(points, 150, key="order-1:redeem", now=at(1))

    # when the order is cancelled and everything comes back
    posting = return_debit(spent.entry_id, key="order-1:cancel", now=at(2))
    settle()

    # then each lot has its own amount back and the balance is whole again
    assert (lot_row(short)["remaining"], lot_row(long_)["remaining"]) == (100, 100)
    assert sorted(allocations(posting.entry_id)) == sorted(
        [(short, Decimal(100)), (long_, Decimal(50))]
    )
    assert (posting.amount, posting.expired, posting.available) == (150, 0, 200)
    assert_proven(points)


def test_U4_partial_return_refills_the_latest_expiring_lot_first(points):
    # given 150 spent from a 5-day lot (100) and a 20-day lot (50)
    short = earn(points, 100, "short", days=5)
    long_ = earn(points, 100, "long", days=20)
    spent = debit(points, 150, key="order-1:redeem", now=at(1))

    # when 60 are refunded
    posting = return_debit(spent.entry_id, 60, key="order-1:refund-1", now=at(2))
    settle()

    # then the 20-day lot is refilled first (50), then the 5-day lot (10)
    assert allocations(posting.entry_id) == [(long_, Decimal(50)), (short, Decimal(10))]
    assert (lot_row(short)["remaining"], lot_row(long_)["remaining"]) == (10, 100)
    assert posting.amount == 60
    assert_proven(points)


def test_U4_return_cannot_give_back_more_than_was_spent(points):
    earn(points, 100, "a")
    spent = debit(points, 50, key="d", now=at(1))
    return_debit(spent.entry_id, 30, key="r1", now=at(2))
    before = ledger_snapshot()

    with pytest.raises(InvalidInput, match="Only 20.000 of entry .* can still be returned"):
        return_debit(spent.entry_id, 21, key="r2", now=at(2))
    return_debit(spent.entry_id, key="r3", now=at(2))
    with pytest.raises(InvalidInput, match="already given back in full"):
        return_debit(spent.entry_id, key="r4", now=at(2))
    settle()

    assert columns(points).available == 100
    assert row_counts()["rewards_entry"] == before[0]["rewards_entry"] + 1


def test_U4_returned_part_whose_lot_expired_meanwhile_comes_back_as_expired(points):
    # given 150 spent from a 5-day lot (all 100) and a never-expiring lot (50)
    short = earn(points, 100, "short", days=5)
    never = earn(points, 100, "never")
    spent = debit(points, 150, key="order-1:redeem", now=at(1))

    # when the order is cancelled after the 5-day lot has expired
    posting = return_debit(spent.entry_id, key="order-1:cancel", now=at(6))
    settle()

    # then 50 come back spendable and 100 are shown as expired
    assert (posting.amount, posting.expired) == (50, 100)
    entry = Entry.objects.get(id=posting.entry_id)
    assert (entry.available_delta, entry.expired) == (50, 100)
    assert sorted(allocations(posting.entry_id)) == sorted(
        [(short, Decimal(100)), (short, Decimal(-100)), (never, Decimal(50))]
    )
    assert lot_row(short)["remaining"] == 0
    assert lot_row(never)["remaining"] == 100
    assert columns(points).available == 100
    assert_proven(points)


def test_U4_return_to_a_lot_the_job_already_expired_comes_back_as_expired(points):
    # given 50 spent from a 5-day lot, whose other 50 the job then expired
    short = earn(points, 100, "short", days=5)
    spent = debit(points, 50, key="order-1:redeem", now=at(1))
    expire_due_lots(now=at(6))

    # when the order is cancelled
    posting = return_debit(spent.entry_id, key="order-1:cancel", now=at(7))
    settle()

    # then all of it is shown as expired and the lot stays closed and empty
    assert (posting.amount, posting.expired, posting.available) == (0, 50, 0)
    assert lot_row(short)["status"] == LotStatus.EXPIRED
    assert lot_row(short)["remaining"] == 0
    assert_proven(points)


def test_U4_release_of_a_hold_whose_lot_expired_meanwhile_comes_back_as_expired(points):
    # given 40 held from a 5-day lot of 100
    lot = earn(points, 100, "a", days=5)
    held = hold(points, 40, key="checkout-1", now=at(1))

    # when the stale checkout is released after the lot expired
    posting = release(held.hold_id, now=at(6))
    settle()

    # then the 40 leave the hold as expired, not back into the balance
    assert (posting.type, posting.expired, posting.held) == (EntryType.RELEASE, 40, 0)
    assert columns(points) == Columns(Decimal(60), 0, 0)
    assert lot_row(lot)["remaining"] == 60
    assert balance(fresh(points), now=at(6)).available == 0
    assert_proven(points)


def _due_lots_for(program, new_member, members=3):
    """Per member: two due lots (one partly spent), a later, a never, a pending one."""
    accounts, due = [], []
    for _ in range(members):
        account = open_account(program, new_member(), Kind.POINTS)
        due += [earn(account, 10, "d1", days=1), earn(account, 20, "d2", days=2)]
        earn(account, 30, "later", days=30)
        earn(account, 40, "never")
        earn(account, 50, "pending", pending=True)
        debit(account, 5, key="spent", now=at(0, hours=1))  # 5 of the 1-day lot
        accounts.append(account)
    return accounts, due


def test_L4_expire_due_lots_expires_many_lots_across_many_accounts_in_one_call(program, new_member):
    # given three members with two due lots each and lots that are not due
    accounts, due = _due_lots_for(program, new_member)

    # when the job runs on day 3
    expired = expire_due_lots(now=at(3))
    settle()

    # then all six due lots are expired and empty, and nothing else moved
    assert expired == 6
    assert sorted(
        Lot.objects.filter(status=LotStatus.EXPIRED).values_list("id", flat=True)
    ) == sorted(due)
    assert not Lot.objects.filter(id__in=due).exclude(remaining=0).exists()
    for account in accounts:
        # one expire entry per account, one allocation per due lot
        entry = Entry.objects.get(account=account, type=EntryType.EXPIRE)
        assert (entry.amount, entry.available_after, entry.pending_after) == (
            -25,
            70,
            50,
        )
        assert sorted(amount for _, amount in allocations(entry.id)) == [-20, -5]
        assert {lot for lot, _ in allocations(entry.id)} <= set(due)
        assert columns(account) == Columns(Decimal(70), Decimal(50), 0)
        assert_proven(account)


def test_L4_expire_due_lots_is_set_based(program, new_member):
    # given five members with two due lots each
    _due_lots_for(program, new_member, members=5)

    # when the job runs
    with CaptureQueriesContext(connection) as queries:
        expired = expire_due_lots(now=at(3))

    # then ten lots expire in a handful of statements, not one per lot or account
    assert expired == 10
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    assert len(statements) <= 4


def test_L4_expire_due_lots_a_second_time_changes_nothing(program, new_member):
    # given the job has run once
    _due_lots_for(program, new_member)
    assert expire_due_lots(now=at(3)) == 6
    before = ledger_snapshot()

    # when it runs again at the same time
    again = expire_due_lots(now=at(3))
    settle()

    # then it expires nothing and writes nothing
    assert again == 0
    assert ledger_snapshot() == before


def test_L4_expire_due_lots_works_in_batches_of_accounts(program, new_member):
    # given five members with due lots
    accounts, _ = _due_lots_for(program, new_member, members=5)
    reports = []

    # when the job runs two accounts at a time
    expired = expire_due_lots(now=at(3), batch_size=2, progress=lambda a, n: reports.append((a, n)))
    settle()

    # then it reports each batch and expires them all
    assert reports == [(2, 4), (4, 8), (5, 10)]
    assert expired == 10
    assert Entry.objects.filter(type=EntryType.EXPIRE).count() == 5
    assert_proven(*accounts)


def test_L4_expire_due_lots_leaves_lots_that_are_not_due_yet(points):
    lot = earn(points, 100, "a", days=3)

    assert expire_due_lots(now=at(3) - timedelta(seconds=1)) == 0
    assert lot_row(lot)["status"] == LotStatus.AVAILABLE
    assert expire_due_lots(now=at(3)) == 1
    assert lot_row(lot)["status"] == LotStatus.EXPIRED


def test_O2_rewards_expire_command_expires_what_is_due_now(program, new_member):
    # given due lots (day 1 and 2) for three members
    accounts, due = _due_lots_for(program, new_member)
    out = StringIO()

    # when the scheduled command runs on day 3, two accounts per batch
    with freeze_time(at(3)):
        call_command("rewards_expire", "--batch-size", "2", stdout=out)
    settle()

    # then it expired them all and said so
    assert "Expired 6 lot(s) of 3 account(s) in 2 batch(es)" in out.getvalue()
    assert "batch 1: 2 accounts, 4 lots expired so far" in out.getvalue()
    assert set(Lot.objects.filter(status=LotStatus.EXPIRED).values_list("id", flat=True)) == set(
        due
    )
    assert_proven(*accounts)


def test_O3_expiring_soon_lists_available_lots_by_expiry(points):
    # given lots expiring in 5, 5, 20, 40 days, one never, one pending
    for key, days in (("a", 5), ("b", 5), ("c", 20), ("d", 40), ("e", None)):
        earn(points, 10, key, days=days)
    earn(points, 10, "f", days=1, pending=True)

    # then the next 30 days show 20 on day 5 and 10 on day 20
    assert expiring_soon(points, days=30, now=at(0)) == [
        (Decimal(20), at(5)),
        (Decimal(10), at(20)),
    ]


def test_U3_adjust_credits_a_new_lot_with_its_own_expiry(points):
    # when staff add 50 points expiring in 7 days
    posting = adjust(
        points, 50, key="ticket-9", reason="Goodwill", actor=STAFF, expires_in_days=7, now=at(1)
    )
    settle()

    # then a lot from the adjustment source carries that expiry
    lot = Lot.objects.get(id=posting.lot_id)
    assert (lot.source, lot.status, lot.amount, lot.expires_at) == (
        LotSource.ADJUSTMENT,
        LotStatus.AVAILABLE,
        50,
        at(8),
    )
    entry = Entry.objects.get(id=posting.entry_id)
    assert (entry.type, entry.amount, entry.reason, entry.actor_type) == (
        EntryType.ADJUST,
        50,
        "Goodwill",
        ActorType.STAFF,
    )
    assert columns(points).available == 50


def test_U3_adjust_debits_soonest_expiring_first(points):
    # given two lots
    late = earn(points, 100, "late", days=30)
    soon = earn(points, 100, "soon", days=3)

    # when staff take 30 points off
    posting = adjust(
        points, Decimal(-30), key="ticket-9", reason="Duplicate award", actor=STAFF, now=at(1)
    )
    settle()

    # then the soonest-expiring lot pays
    assert allocations(posting.entry_id) == [(soon, Decimal(-30))]
    assert lot_row(late)["remaining"] == 100
    assert (posting.type, posting.amount, posting.available) == (
        EntryType.ADJUST,
        -30,
        170,
    )
    assert_proven(points)


def test_U8_adjust_debit_cannot_take_the_balance_below_zero(points):
    earn(points, 10, "a")
    before = ledger_snapshot()

    with pytest.raises(InsufficientBalance):
        adjust(points, -11, key="ticket-9", reason="x", actor=STAFF, now=at(1))

    assert ledger_snapshot() == before


@pytest.mark.parametrize("reason", ["", "   ", None])
def test_U3_adjust_requires_a_reason(points, reason):
    before = ledger_snapshot()

    with pytest.raises(InvalidInput, match="A reason is required") as error:
        adjust(points, 10, key="ticket-9", reason=reason, actor=STAFF, now=at(1))

    assert error.value.field == "reason"
    assert ledger_snapshot() == before


@pytest.mark.parametrize("amount", [0, "0", Decimal("-0"), "NaN", "abc", 1.5, True])
def test_U3_adjust_rejects_a_zero_or_non_numeric_amount(points, amount):
    before = ledger_snapshot()

    with pytest.raises(InvalidInput) as error:
        adjust(points, amount, key="ticket-9", reason="x", actor=STAFF, now=at(1))

    assert error.value.field == "amount"
    assert ledger_snapshot() == before
