"""Two-phase holds (S1, W5 on the ledger): hold -> capture (full or partial) or
release, exactly once; a captured hold's amount can be returned like a debit."""

from decimal import Decimal

import pytest

from saleor_rewards.ledger import (
    EntryType,
    HoldStatus,
    LotSource,
    Reference,
    capture,
    credit,
    hold,
    release,
    return_debit,
)
from saleor_rewards.ledger.errors import InvalidInput
from saleor_rewards.ledger.models import Entry, Hold

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

CHECKOUT = Reference("CHECKOUT", "c-1")


@pytest.fixture
def lot(points):
    """100 points available in one lot."""
    return credit(points, 100, key="seed", source=LotSource.LOYALTY, now=at(0)).lot_id


@pytest.fixture
def held(points, lot):
    """30 of them held for a checkout."""
    posting = hold(points, 30, key="checkout-1", reference=CHECKOUT, expires_at=at(1), now=at(0))
    settle()
    return posting


def test_U4_hold_reduces_available_and_raises_held(points, lot, held):
    # then the reservation moved 30 from available to held, out of the lot
    assert columns(points) == Columns(Decimal(70), 0, Decimal(30))
    assert (held.type, held.available, held.held) == (EntryType.HOLD, 70, 30)
    row = Hold.objects.get(id=held.hold_id)
    assert (row.status, row.amount, row.captured, row.expires_at) == (
        HoldStatus.OPEN,
        30,
        0,
        at(1),
    )
    assert (row.reference_type, row.reference_id) == ("CHECKOUT", "c-1")
    assert allocations(held.entry_id) == [(lot, Decimal(-30))]
    assert lot_row(lot)["remaining"] == 70
    assert_proven(points)


def test_S1_capture_settles_the_whole_hold(points, held):
    # when the order is paid
    posting = capture(held.hold_id, now=at(0, hours=1))
    settle()

    # then the held amount is gone for good and the hold is closed
    assert (posting.type, posting.amount, posting.held) == (EntryType.CAPTURE, -30, 0)
    assert columns(points) == Columns(Decimal(70), 0, 0)
    row = Hold.objects.get(id=held.hold_id)
    assert (row.status, row.captured, row.closed_at) == (
        HoldStatus.CAPTURED,
        30,
        at(0, hours=1),
    )
    assert_proven(points)


def test_S1_partial_capture_releases_the_rest(points, lot, held):
    # when only 20 of the 30 held are used
    posting = capture(held.hold_id, 20, now=at(0, hours=1))
    settle()

    # then 20 are captured and 10 go back to the lot they came from
    assert (posting.type, posting.amount) == (EntryType.CAPTURE, -20)
    assert columns(points) == Columns(Decimal(80), 0, 0)
    assert Hold.objects.get(id=held.hold_id).captured == 20
    released = Entry.objects.get(hold_id=held.hold_id, type=EntryType.RELEASE)
    assert (released.held_delta, released.available_delta, released.original_id) == (
        -10,
        10,
        held.entry_id,
    )
    assert allocations(released.id) == [(lot, Decimal(10))]
    assert lot_row(lot)["remaining"] == 80
    assert_proven(points)


def test_S2_release_gives_the_hold_back_to_its_lots(points, lot, held):
    # when the checkout is abandoned
    posting = release(held.hold_id, now=at(1))
    settle()

    # then the 30 are available again, in their lot, and the hold is closed
    assert (posting.type, posting.available, posting.held, posting.expired) == (
        EntryType.RELEASE,
        100,
        0,
        0,
    )
    assert lot_row(lot)["remaining"] == 100
    assert Hold.objects.get(id=held.hold_id).status == HoldStatus.RELEASED
    assert_proven(points)


def test_S1_capture_of_more_than_the_hold_is_refused(points, held):
    before = ledger_snapshot()

    with pytest.raises(InvalidInput, match="Cannot capture 31") as error:
        capture(held.hold_id, 31, now=at(0, hours=1))

    assert error.value.field == "amount"
    assert ledger_snapshot() == before


def test_S4_return_of_a_captured_hold_gives_back_only_the_captured_part(points, lot, held):
    # given 20 of 30 captured (10 released)
    capture(held.hold_id, 20, now=at(0, hours=1))

    # when the order is refunded in full
    posting = return_debit(held.entry_id, key="order-1:refund", now=at(2))
    settle()

    # then the captured 20 come back, keeping the checkout reference
    assert (posting.type, posting.amount, posting.available) == (
        EntryType.RETURN,
        20,
        100,
    )
    entry = Entry.objects.get(id=posting.entry_id)
    assert (entry.reference_type, entry.original_id) == ("CHECKOUT", held.entry_id)
    assert lot_row(lot)["remaining"] == 100
    assert_proven(points)


def test_S4_return_of_an_open_hold_is_refused(points, held):
    before = ledger_snapshot()

    with pytest.raises(InvalidInput, match="release it instead"):
        return_debit(held.entry_id, key="order-1:refund", now=at(2))

    assert ledger_snapshot() == before
