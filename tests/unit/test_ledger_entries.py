"""U3: every change is one append-only entry with type, amount, balance-after, actor
and reference; entries and allocations can be neither edited nor deleted."""

import re
from decimal import Decimal
from types import SimpleNamespace

import pytest
from django.db import IntegrityError, connection, transaction

from saleor_rewards.ledger import (
    Actor,
    ActorType,
    EntryType,
    Kind,
    LotSource,
    Reference,
    activate,
    adjust,
    capture,
    credit,
    debit,
    expire_due_lots,
    history,
    hold,
    open_account,
    release,
    return_debit,
    revoke,
    void,
)
from saleor_rewards.ledger.models import Allocation, Entry

from .helpers import at, settle, sql

pytestmark = pytest.mark.django_db

STAFF = Actor(ActorType.STAFF, "staff-7")
ORDER = Reference("ORDER", "42")


@pytest.fixture
def funded(program, member):
    """A member with 100 points (expiring in 30 days) and 100.000 EUR of cash."""
    points = open_account(program, member, Kind.POINTS)
    cash = open_account(program, member, Kind.CASH)
    credit(points, 100, key="seed", source=LotSource.LOYALTY, expires_in_days=30, now=at(0))
    credit(cash, 100, key="seed", source=LotSource.AFFILIATE, now=at(0))
    settle()
    return SimpleNamespace(points=points, cash=cash)


def _pending(ctx):
    return credit(
        ctx.points,
        40,
        key="order-42:earn",
        source=LotSource.LOYALTY,
        pending=True,
        expires_in_days=60,
        reference=ORDER,
        now=at(1),
    )


def _held(ctx):
    return hold(ctx.points, 30, key="checkout-1", reference=ORDER, now=at(1))


def _expired(ctx):
    """Run the expiry job past the seed lot's expiry; it returns no posting."""
    assert expire_due_lots(now=at(31)) == 1


def _redeemed(ctx):
    return debit(ctx.points, 30, key="order-42:redeem", reference=ORDER, now=at(1))


# name: (operation on the funded member -> (account, posting or None), expected entry)
# ``key`` is a regular expression: system operations key their own entries.
CASES = {
    "earn": (
        lambda c: (
            c.points,
            credit(
                c.points,
                40,
                key="k",
                source=LotSource.LOYALTY,
                reference=ORDER,
                actor=STAFF,
                now=at(1),
            ),
        ),
        dict(
            type=EntryType.EARN, amount=40, after=(140, 0, 0), actor=STAFF, reference=ORDER, key="k"
        ),
    ),
    "earn-pending": (
        lambda c: (c.points, _pending(c)),
        dict(
            type=EntryType.EARN,
            amount=40,
            after=(100, 40, 0),
            actor=Actor(),
            reference=ORDER,
            key="order-42:earn",
        ),
    ),
    "activate": (
        lambda c: (c.points, activate(_pending(c).lot_id, now=at(2))),
        dict(
            type=EntryType.ACTIVATE,
            amount=0,
            after=(140, 0, 0),
            actor=Actor(),
            reference=ORDER,
            key=r"lot:\d+:activate",
        ),
    ),
    "redeem": (
        lambda c: (
            c.points,
            debit(
                c.points,
                30,
                key="k",
                reference=ORDER,
                actor=Actor(ActorType.CUSTOMER, "1"),
                now=at(1),
            ),
        ),
        dict(
            type=EntryType.REDEEM,
            amount=-30,
            after=(70, 0, 0),
            actor=Actor(ActorType.CUSTOMER, "1"),
            reference=ORDER,
            key="k",
        ),
    ),
    "withdraw": (
        lambda c: (
            c.cash,
            debit(
                c.cash,
                Decimal("12.5"),
                key="k",
                entry_type=EntryType.WITHDRAW,
                actor=STAFF,
                reference=Reference("WITHDRAWAL", "3"),
                now=at(1),
            ),
        ),
        dict(
            type=EntryType.WITHDRAW,
            amount=Decimal("-12.5"),
            after=(Decimal("87.5"), 0, 0),
            actor=STAFF,
            reference=Reference("WITHDRAWAL", "3"),
            key="k",
        ),
    ),
    "compensate": (
        lambda c: (
            c.cash,
            credit(
                c.cash,
                Decimal("10.25"),
                key="k",
                source=LotSource.CLAIM,
                entry_type=EntryType.COMPENSATE,
                actor=STAFF,
                reference=Reference("CLAIM", "5"),
                now=at(1),
            ),
        ),
        dict(
            type=EntryType.COMPENSATE,
            amount=Decimal("10.25"),
            after=(Decimal("110.25"), 0, 0),
            actor=STAFF,
            reference=Reference("CLAIM", "5"),
            key="k",
        ),
    ),
    "hold": (
        lambda c: (c.points, _held(c)),
        dict(
            type=EntryType.HOLD,
            amount=0,
            after=(70, 0, 30),
            actor=Actor(),
            reference=ORDER,
            key="checkout-1",
        ),
    ),
    "capture": (
        lambda c: (c.points, capture(_held(c).hold_id, actor=STAFF, now=at(2))),
        dict(
            type=EntryType.CAPTURE,
            amount=-30,
            after=(70, 0, 0),
            actor=STAFF,
            reference=ORDER,
            key=r"hold:\d+:capture",
        ),
    ),
    "release": (
        lambda c: (c.points, release(_held(c).hold_id, actor=STAFF, now=at(2))),
        dict(
            type=EntryType.RELEASE,
            amount=0,
            after=(100, 0, 0),
            actor=STAFF,
            reference=ORDER,
            key=r"hold:\d+:release",
        ),
    ),
    "return": (
        lambda c: (c.points, return_debit(_redeemed(c).entry_id, key="k", actor=STAFF, now=at(2))),
        dict(
            type=EntryType.RETURN,
            amount=30,
            after=(100, 0, 0),
            actor=STAFF,
            reference=ORDER,
            key="k",
        ),
    ),
    "revoke": (
        lambda c: (c.points, revoke(c.points, 30, key="k", reference=ORDER, now=at(1))),
        dict(
            type=EntryType.REVOKE,
            amount=-30,
            after=(70, 0, 0),
            actor=Actor(),
            reference=ORDER,
            key="k",
        ),
    ),
    "void": (
        lambda c: (c.points, void(_pending(c).lot_id, key="k", actor=STAFF, now=at(2))),
        dict(
            type=EntryType.VOID,
            amount=-40,
            after=(100, 0, 0),
            actor=STAFF,
            reference=ORDER,
            key="k",
        ),
    ),
    "adjust-credit": (
        lambda c: (
            c.points,
            adjust(c.points, 5, key="adj-1", reason="goodwill", actor=STAFF, now=at(1)),
        ),
        dict(
            type=EntryType.ADJUST,
            amount=5,
            after=(105, 0, 0),
            actor=STAFF,
            reference=Reference("ADJUSTMENT", "adj-1"),
            key="adj-1",
        ),
    ),
    "adjust-debit": (
        lambda c: (
            c.points,
            adjust(c.points, -5, key="adj-2", reason="typo", actor=STAFF, now=at(1)),
        ),
        dict(
            type=EntryType.ADJUST,
            amount=-5,
            after=(95, 0, 0),
            actor=STAFF,
            reference=Reference("ADJUSTMENT", "adj-2"),
            key="adj-2",
        ),
    ),
    "expire": (
        lambda c: (c.points, _expired(c)),
        dict(
            type=EntryType.EXPIRE,
            amount=-100,
            after=(0, 0, 0),
            actor=Actor(),
            reference=Reference(),
            key=None,
        ),
    ),
}


@pytest.mark.parametrize("case", CASES, ids=list(CASES))
def test_U3_every_operation_writes_type_amount_balance_after_actor_reference(funded, case):
    # given a member with points and cash
    operation, expected = CASES[case]
    before = Entry.objects.count()

    # when the operation runs
    account, posting = operation(funded)
    settle()

    # then its entry, the newest of the account, records what happened
    entry = Entry.objects.filter(account=account).latest("id")
    assert Entry.objects.count() > before
    assert entry.type == expected["type"]
    assert entry.amount == expected["amount"]
    assert (entry.available_after, entry.pending_after, entry.held_after) == expected["after"]
    assert Actor(entry.actor_type, entry.actor_id) == expected["actor"]
    assert Reference(entry.reference_type, entry.reference_id) == expected["reference"]
    if expected["key"] is None:
        assert entry.idempotency_key is None
    else:
        assert re.fullmatch(expected["key"], entry.idempotency_key)
    # and the operation's result is that entry
    if posting is not None:
        assert posting.entry_id == entry.id
        assert (posting.type, posting.amount) == (entry.type, entry.amount)
        assert (posting.available, posting.pending, posting.held) == expected["after"]
        assert posting.replayed is False


def test_U3_adjustment_entry_keeps_its_reason(funded):
    posting = adjust(
        funded.points, 5, key="adj-1", reason="Apology for late parcel", actor=STAFF, now=at(1)
    )

    assert Entry.objects.get(id=posting.entry_id).reason == "Apology for late parcel"


def test_U3_debit_entry_records_which_lots_paid(funded):
    # given a second lot that expires sooner than the seed lot
    soon = credit(
        funded.points, 10, key="k", source=LotSource.BONUS, expires_in_days=3, now=at(0)
    ).lot_id
    seed = funded.points.lots.exclude(id=soon).get().id

    # when 25 points are spent
    posting = debit(funded.points, 25, key="d", now=at(1))

    # then the allocations say 10 came from the sooner lot and 15 from the seed lot
    assert sorted(
        Allocation.objects.filter(entry_id=posting.entry_id).values_list("lot_id", "amount")
    ) == sorted([(soon, Decimal(-10)), (seed, Decimal(-15))])


@pytest.mark.parametrize(
    "column, value",
    [
        ("amount", "amount + 1"),
        ("available_delta", "available_delta + 1"),
        ("available_after", "available_after + 1"),
        ("pending_after", "pending_after + 1"),
        ("unrecovered", "unrecovered + 1"),
        ("debt_delta", "debt_delta + 1"),
        ("debt_after", "debt_after + 1"),
        ("type", "'redeem'"),
        ("idempotency_key", "'other-key'"),
        ("created_at", "created_at - interval '1 day'"),
    ],
)
def test_U3_entry_money_and_identity_columns_cannot_be_updated(funded, column, value):
    # given a written entry
    entry = Entry.objects.filter(account=funded.points).get()

    # when raw SQL rewrites one of its recorded facts
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(f"UPDATE rewards_entry SET {column} = {value} WHERE id = %s", [entry.id])

    # then the database refuses and the entry is unchanged
    fresh = Entry.objects.get(id=entry.id)
    assert (fresh.amount, fresh.type, fresh.idempotency_key) == (100, "earn", "seed")
    assert fresh.created_at == entry.created_at


def test_U3_entry_cannot_be_deleted(funded):
    entry_id = Entry.objects.filter(account=funded.points).get().id

    with pytest.raises(IntegrityError, match="append-only: DELETE on rewards_entry"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM rewards_entry WHERE id = %s", [entry_id])

    assert Entry.objects.filter(id=entry_id).exists()


def test_U3_entry_delete_through_the_orm_is_refused_too(funded):
    with pytest.raises(IntegrityError, match="append-only"):
        with transaction.atomic():
            Entry.objects.filter(account=funded.points).delete()

    assert Entry.objects.filter(account=funded.points).count() == 1


def test_U3_allocation_cannot_be_updated(funded):
    allocation = Allocation.objects.get(
        entry_id=debit(funded.points, 30, key="d", now=at(1)).entry_id
    )

    with pytest.raises(IntegrityError, match="append-only: UPDATE on rewards_allocation"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute(
                "UPDATE rewards_allocation SET amount = -1 WHERE id = %s",
                [allocation.id],
            )

    assert Allocation.objects.get(id=allocation.id).amount == -30


def test_U3_allocation_cannot_be_deleted(funded):
    entry_id = debit(funded.points, 30, key="d", now=at(1)).entry_id

    with pytest.raises(IntegrityError, match="append-only: DELETE on rewards_allocation"):
        with transaction.atomic(), connection.cursor() as cursor:
            cursor.execute("DELETE FROM rewards_allocation WHERE entry_id = %s", [entry_id])

    assert Allocation.objects.filter(entry_id=entry_id).count() == 1


def test_U3_personal_text_of_an_entry_can_be_redacted_for_erasure(funded):
    # given an adjustment whose reason and actor name a person (P2 erases them)
    posting = adjust(
        funded.points, 5, key="adj-1", reason="Call with Jane Doe", actor=STAFF, now=at(1)
    )

    # when the personal text is blanked
    sql(
        "UPDATE rewards_entry SET reason = '', actor_id = '' WHERE id = %s",
        [posting.entry_id],
    )
    settle()

    # then the amounts stay and the text is gone
    entry = Entry.objects.get(id=posting.entry_id)
    assert (entry.reason, entry.actor_id, entry.amount) == ("", "", 5)


def test_U3_correction_is_a_new_entry_not_an_edit(funded):
    # given a redemption recorded by mistake
    spent = debit(funded.points, 30, key="d", now=at(1))

    # when it is corrected
    return_debit(spent.entry_id, key="fix", now=at(2))

    # then the history has both, newest first, and the first is untouched
    types = list(history([funded.points]).values_list("type", "amount"))
    assert types == [("return", 30), ("redeem", -30), ("earn", 100)]
