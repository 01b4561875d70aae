"""L3, U8: points held on a checkout or spent are no shield against a take-back. What a
revocation cannot take becomes the member's debt; the next points that become
spendable (a credit, an activation, a released hold, a returned debit) pay it first,
in a DEBT_SETTLED entry the history shows."""

from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from saleor_rewards.ledger import (
    EntryType,
    LotSource,
    activate,
    activate_at,
    activate_due_lots,
    adjust,
    balance,
    capture,
    credit,
    debit,
    expire_due_lots,
    hold,
    open_account,
    release,
    return_debit,
    revoke,
)
from saleor_rewards.ledger.constants import ActorType, Kind
from saleor_rewards.ledger.errors import InsufficientBalance
from saleor_rewards.ledger.models import Entry
from saleor_rewards.ledger.posting import Actor

from .helpers import (
    Columns,
    allocations,
    assert_proven,
    at,
    columns,
    ledger_snapshot,
    settle,
    sql,
)
from .test_ledger_balances import _rejected_at_settle

pytestmark = pytest.mark.django_db


def earn(account, amount, key, *, days=None, pending=False, now=None):
    return credit(
        account,
        amount,
        key=key,
        source=LotSource.LOYALTY,
        expires_in_days=days,
        pending=pending,
        now=now or at(0),
    )


def history(account) -> list[tuple]:
    """(type, available change, debt change, debt after) of every entry, oldest first."""
    return [
        (e.type, e.available_delta, e.debt_delta, e.debt_after)
        for e in Entry.objects.filter(account=account).order_by("id")
    ]


@pytest.fixture
def indebted(points):
    """100 points earned; 80 applied to a checkout (held); then the order is refunded:
    the 20 available are revoked, the 80 held are owed. Returns the hold's id."""
    earn(points, 100, "order-1")
    held = hold(points, 80, key="checkout-2", now=at(1)).hold_id
    revoke(points, 100, key="order-1:refund", now=at(2))
    settle()
    return held


def test_L3_U8_what_a_revocation_cannot_take_is_owed_and_the_hold_is_untouched(points, indebted):
    # then (see the fixture) the balance is zero, the hold stays, 80 are owed
    assert columns(points) == Columns(0, 0, Decimal(80), Decimal(80), debt=Decimal(80))
    revoked = Entry.objects.get(account=points, type=EntryType.REVOKE)
    assert (revoked.available_delta, revoked.unrecovered) == (-20, 80)
    assert (revoked.debt_delta, revoked.debt_after) == (80, 80)
    assert balance(points, now=at(2)).debt == 80
    assert_proven(points)


def test_L3_U8_nothing_can_be_spent_while_something_is_owed(points, indebted):
    before = ledger_snapshot()

    with pytest.raises(InsufficientBalance):
        debit(points, 1, key="voucher", now=at(3))

    assert ledger_snapshot() == before


def test_L3_a_released_hold_pays_the_debt_before_coming_back(points, indebted):
    # when the customer takes the points off the checkout
    posting = release(indebted, now=at(3))
    settle()

    # then the release gives 80 back to the lot and the next entry pays the debt with
    # them: nothing is available, nothing is owed
    assert (posting.type, posting.available, posting.debt, posting.settled) == (
        EntryType.RELEASE,
        80,
        80,
        80,
    )
    assert history(points)[-2:] == [
        (EntryType.RELEASE, 80, 0, 80),
        (EntryType.DEBT_SETTLED, -80, -80, 0),
    ]
    assert columns(points) == Columns(0, 0, 0, Decimal(80), debt=0)
    settled = Entry.objects.get(account=points, type=EntryType.DEBT_SETTLED)
    assert settled.original_id == posting.entry_id
    assert settled.amount == -80
    assert_proven(points)


def test_L3_a_captured_hold_leaves_the_debt_for_later_credits(points, indebted):
    # when the checkout is completed with the held points
    capture(indebted, now=at(3))
    settle()

    # then the points are spent and the debt stays
    assert columns(points) == Columns(0, 0, 0, Decimal(80), debt=Decimal(80))

    # when the member earns 100 more, available at once
    posting = earn(points, 100, "order-3", now=at(4))
    settle()

    # then 80 of them pay the debt first; 20 stay spendable
    assert (posting.available, posting.debt, posting.settled) == (100, 80, 80)
    assert columns(points) == Columns(Decimal(20), 0, 0, Decimal(80), debt=0)
    settled = Entry.objects.get(account=points, type=EntryType.DEBT_SETTLED)
    assert allocations(settled.id) == [(posting.lot_id, Decimal(-80))]
    assert (settled.reference_type, settled.original_id) == ("", posting.entry_id)
    assert_proven(points)


def test_L3_a_partial_capture_pays_the_debt_with_the_released_rest(points, indebted):
    # when only 30 of the 80 held are captured, the other 50 are released
    capture(indebted, 30, now=at(3))
    settle()

    # then the 50 released pay 50 of the 80 owed; 30 are still owed
    assert columns(points) == Columns(0, 0, 0, Decimal(80), debt=Decimal(30))
    assert history(points)[-1] == (EntryType.DEBT_SETTLED, -50, -50, 30)
    assert_proven(points)


def test_L3_a_credit_smaller_than_the_debt_pays_part_of_it(points, indebted):
    capture(indebted, now=at(3))

    posting = earn(points, 30, "bonus", now=at(4))
    settle()

    assert posting.settled == 30
    assert columns(points) == Columns(0, 0, 0, Decimal(80), debt=Decimal(50))
    assert_proven(points)


def test_L3_a_pending_credit_pays_the_debt_only_once_it_activates(points, indebted):
    capture(indebted, now=at(3))

    # when an order's points are credited pending
    lot = earn(points, 100, "order-3", pending=True, now=at(4)).lot_id
    settle()

    # then nothing is paid yet: the pending points may still be taken back
    assert columns(points) == Columns(0, Decimal(100), 0, Decimal(80), debt=Decimal(80))

    # when the order is delivered
    posting = activate(lot, now=at(5))
    settle()

    # then the activation pays the debt first
    assert (posting.type, posting.settled) == (EntryType.ACTIVATE, 80)
    assert columns(points) == Columns(Decimal(20), 0, 0, Decimal(80), debt=0)
    assert history(points)[-1] == (EntryType.DEBT_SETTLED, -80, -80, 0)
    assert_proven(points)


def test_L3_the_activation_job_pays_the_debt_of_the_accounts_that_owe(program, new_member):
    # given two members with a pending lot due on day 3; the first owes 30
    owing = open_account(program, new_member(), Kind.POINTS)
    clear = open_account(program, new_member(), Kind.POINTS)
    revoke(owing, 30, key="refund", now=at(0))
    for account in (owing, clear):
        lot = earn(account, 50, "order", pending=True).lot_id
        activate_at(lot, at(3))

    # when the job runs
    assert activate_due_lots(now=at(3)) == 2
    settle()

    # then the first member's activation pays the debt, the other's is untouched
    assert columns(owing) == Columns(Decimal(20), 0, 0, Decimal(30), debt=0)
    assert columns(clear) == Columns(Decimal(50), 0, 0)
    assert history(owing)[-2:] == [
        (EntryType.ACTIVATE, 50, 0, 30),
        (EntryType.DEBT_SETTLED, -30, -30, 0),
    ]
    assert_proven(owing, clear)


def test_L3_points_given_back_from_a_voucher_pay_the_debt_first(points):
    # given 100 points, 80 turned into a voucher, then the order refunded: 80 owed
    earn(points, 100, "order-1")
    voucher = debit(points, 80, key="voucher", now=at(1)).entry_id
    revoke(points, 100, key="order-1:refund", now=at(2))

    # when the voucher's points are given back (e.g. the voucher's order is refunded)
    posting = return_debit(voucher, key="voucher:return", now=at(3))
    settle()

    # then they pay the debt instead of coming back
    assert (posting.type, posting.amount, posting.settled) == (EntryType.RETURN, 80, 80)
    assert columns(points) == Columns(0, 0, 0, Decimal(80), debt=0)
    assert_proven(points)


def test_L3_a_staff_credit_pays_the_debt_first(points, indebted):
    capture(indebted, now=at(3))
    staff = Actor(ActorType.STAFF, "7")

    posting = adjust(points, 100, key="goodwill", reason="Goodwill", actor=staff, now=at(4))
    settle()

    assert (posting.type, posting.settled) == (EntryType.ADJUST, 80)
    assert columns(points) == Columns(Decimal(20), 0, 0, Decimal(80), debt=0)
    assert Entry.objects.get(type=EntryType.DEBT_SETTLED, account=points).actor_type == (
        ActorType.SYSTEM
    )


def test_L3_cash_is_owed_and_paid_the_same_way(cash):
    credit(cash, "12.50", key="commission", source=LotSource.AFFILIATE, now=at(0))
    debit(cash, "10.25", key="withdrawal", entry_type=EntryType.WITHDRAW, now=at(1))

    revoke(cash, "12.50", key="commission:reversed", now=at(2))
    assert columns(cash).debt == Decimal("10.25")

    posting = credit(cash, "4", key="commission-2", source=LotSource.AFFILIATE, now=at(3))
    settle()

    assert posting.settled == 4
    assert columns(cash) == Columns(0, 0, 0, Decimal("10.25"), debt=Decimal("6.25"))
    assert_proven(cash)


def test_U6_a_replayed_credit_returns_the_first_settlement_and_writes_nothing(points, indebted):
    capture(indebted, now=at(3))
    first = earn(points, 100, "order-3", now=at(4))
    before = ledger_snapshot()

    again = earn(points, 100, "order-3", now=at(5))

    assert again.replayed and again.settled == first.settled == 80
    assert again.debt == first.debt == 80
    assert ledger_snapshot() == before


def test_U6_a_replayed_release_returns_the_first_settlement(points, indebted):
    first = release(indebted, now=at(3))
    before = ledger_snapshot()

    again = release(indebted, now=at(4))

    assert (again.replayed, again.settled, again.entry_id) == (True, 80, first.entry_id)
    assert ledger_snapshot() == before


def test_L4_an_expiry_after_a_debt_keeps_the_debt(points):
    # given a lot that expired yesterday (unswept) and a revocation that cannot take it
    earn(points, 100, "a", days=1)
    revoke(points, 30, key="r", now=at(2))

    # when the expiry job sweeps the lot
    expire_due_lots(now=at(2))
    settle()

    # then the expiry entry carries the debt along
    assert history(points)[-1] == (EntryType.EXPIRE, -100, 0, 30)
    assert columns(points).debt == 30
    assert_proven(points)


def test_U5_trigger_rejects_a_debt_its_entries_do_not_show(points, indebted):
    message = _rejected_at_settle(
        ("UPDATE rewards_account SET debt = 0 WHERE id = %s", [points.id]),
    )

    assert f"rewards account {points.id}" in message and "debt" in message
    assert columns(points).debt == 80


def test_U5_trigger_rejects_an_entry_that_breaks_the_debt_chain(points, indebted):
    # an entry that lowers the debt without saying so in its debt-after
    message = _rejected_at_settle(
        (
            "INSERT INTO rewards_entry (account_id, created_at, type, amount, "
            "available_delta, pending_delta, held_delta, debt_delta, available_after, "
            "pending_after, held_after, debt_after, unrecovered, expired, reference_type, "
            "reference_id, actor_type, actor_id, reason) VALUES (%s, now(), 'adjust', 0, "
            "0, 0, 0, -80, 0, 0, 80, 80, 0, 0, '', '', 'system', '', '')",
            [points.id],
        ),
    )

    assert "breaks the balance chain" in message


def test_U5_a_points_debt_is_whole(points):
    with pytest.raises(IntegrityError, match="rewards_account_points_are_whole"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("UPDATE rewards_account SET debt = 0.5 WHERE id = %s", [points.id])


def test_U5_settlements_are_linked_to_what_paid_them(points, indebted):
    release(indebted, now=at(3))
    settle()

    ((settled_by, original_type),) = sql(
        "SELECT s.idempotency_key, o.type FROM rewards_entry s "
        "JOIN rewards_entry o ON o.id = s.original_id WHERE s.type = 'debt_settled'"
    )
    assert original_type == EntryType.RELEASE
    assert settled_by.endswith(":settle")
