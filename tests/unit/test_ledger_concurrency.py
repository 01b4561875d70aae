"""U7 (and U6 under contention): operations on one balance from many connections at
once never overspend, never deadlock, and a key posted concurrently is posted once.

These tests commit for real (``transaction=True``): every thread has its own
connection, and the deferred balance triggers fire at each real COMMIT."""

import random
import threading
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from saleor_rewards.ledger import (
    EntryType,
    Kind,
    LotSource,
    LotStatus,
    capture,
    credit,
    debit,
    expire_due_lots,
    hold,
    open_account,
    release,
)
from saleor_rewards.ledger.errors import HoldClosed, InsufficientBalance
from saleor_rewards.ledger.models import Entry, Hold, Lot

from .helpers import Columns, assert_proven, at, columns

pytestmark = pytest.mark.django_db(transaction=True)


def run_at_once(count, work):
    """Run ``work(n)`` in ``count`` threads released together; return (results, errors).

    Each thread uses (and closes) its own database connection.
    """
    barrier = threading.Barrier(count)
    results, errors = [None] * count, []

    def thread(n):
        try:
            barrier.wait(timeout=30)
            results[n] = work(n)
        except BaseException as error:  # noqa: BLE001 - reported by the test
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=thread, args=(n,)) for n in range(count)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(timeout=120)
    assert not any(t.is_alive() for t in threads), "a thread is stuck (lock wait?)"
    return results, errors


def audit_is_clean():
    out = StringIO()
    call_command("rewards_audit", stdout=out, stderr=StringIO())
    return "No drift" in out.getvalue()


def test_U7_concurrent_debits_and_captures_never_overspend_nor_deadlock(program):
    # given 1000 points in four lots of different expiry
    points = open_account(program, 1, Kind.POINTS)
    for key, days in (("a", 10), ("b", 20), ("c", None), ("d", 5)):
        credit(points, 250, key=key, source=LotSource.LOYALTY, expires_in_days=days, now=at(0))

    # when 8 connections each try 20 spends of 7 at once (1120 > 1000): most debit,
    # some hold 11 and capture 7 of it (the other 4 are released back)
    def spend(n):
        spent, refused = Decimal(0), 0
        for i in range(20):
            try:
                if n % 3 == 0 and i % 2 == 0:
                    held = hold(points.id, 11, key=f"h-{n}-{i}", now=at(1))
                    capture(held.hold_id, 7, now=at(1))
                else:
                    debit(points.id, 7, key=f"d-{n}-{i}", now=at(1))
                spent += 7
            except InsufficientBalance:
                refused += 1
        return spent, refused

    results, errors = run_at_once(8, spend)

    # then no error other than "insufficient" (no deadlock_detected, no drift at commit)
    assert errors == []
    spent = sum(r[0] for r in results)
    refused = sum(r[1] for r in results)
    # never more than was there; demand exceeded supply, so some were refused
    assert spent <= 1000
    assert refused > 0
    assert spent + 7 * refused == 8 * 20 * 7
    # the balance is exactly what was there minus what succeeded
    assert columns(points) == Columns(Decimal(1000) - spent, 0, 0)
    assert not Hold.objects.filter(status="open").exists()
    spends = Entry.objects.filter(account=points, type__in=[EntryType.REDEEM, EntryType.CAPTURE])
    assert spends.count() * 7 == spent
    assert_proven(points)
    assert audit_is_clean()


@pytest.mark.parametrize("operation", ["credit", "debit", "hold"])
def test_U6_U7_a_key_posted_from_many_connections_at_once_is_posted_once(program, operation):
    # given 100 points
    points = open_account(program, 1, Kind.POINTS)
    credit(points, 100, key="seed", source=LotSource.BONUS, now=at(0))
    run = {
        "credit": lambda: credit(points.id, 60, key="order-1", source=LotSource.LOYALTY, now=at(1)),
        # 60 twice would not fit: a second posting would be refused, not replayed
        "debit": lambda: debit(points.id, 60, key="order-1", now=at(1)),
        "hold": lambda: hold(points.id, 60, key="order-1", now=at(1)),
    }[operation]

    # when 8 connections post the same event at the same moment
    results, errors = run_at_once(8, lambda n: run())

    # then one posting was made and the other seven got it back as a replay
    assert errors == []
    assert len({posting.entry_id for posting in results}) == 1
    assert sorted(posting.replayed for posting in results) == [False] + [True] * 7
    assert Entry.objects.filter(account=points, idempotency_key="order-1").count() == 1
    expected = {
        "credit": Columns(Decimal(160), 0, 0),
        "debit": Columns(Decimal(40), 0, 0),
        "hold": Columns(Decimal(40), 0, Decimal(60)),
    }[operation]
    assert columns(points) == expected
    assert audit_is_clean()


def test_U6_U7_capture_and_release_racing_on_one_hold_close_it_exactly_once(program):
    # given an open hold of 30
    points = open_account(program, 1, Kind.POINTS)
    credit(points, 100, key="seed", source=LotSource.BONUS, now=at(0))
    hold_id = hold(points, 30, key="checkout-1", now=at(0)).hold_id

    # when "order paid" and "checkout abandoned" arrive on 8 connections at once
    def close(n):
        try:
            if n % 2:
                return ("capture", capture(hold_id, now=at(1)))
            return ("release", release(hold_id, now=at(1)))
        except HoldClosed:
            return ("refused", None)

    results, errors = run_at_once(8, close)

    # then exactly one of them closed it; the same kind replayed, the other refused
    assert errors == []
    firsts = [r for r in results if r[1] is not None and not r[1].replayed]
    assert len(firsts) == 1
    winner = firsts[0][0]
    loser = "release" if winner == "capture" else "capture"
    assert all(r[1].replayed for r in results if r[0] == winner and r is not firsts[0])
    assert all(r[0] != loser for r in results)
    row = Hold.objects.get(id=hold_id)
    assert row.status == {"capture": "captured", "release": "released"}[winner]
    assert columns(points) == Columns(Decimal(70 if winner == "capture" else 100), 0, 0)
    assert audit_is_clean()


def test_U7_expiry_job_alongside_member_debits_never_deadlocks(program):
    # given six members, each with 100 points expiring on day 1 and 100 that never do
    accounts = [open_account(program, member, Kind.POINTS).id for member in range(1, 7)]
    for account in accounts:
        credit(account, 100, key="expiring", source=LotSource.LOYALTY, expires_in_days=1, now=at(0))
        credit(account, 100, key="kept", source=LotSource.BONUS, now=at(0))

    # when on day 2 four connections debit the members in random orders while two
    # connections run the expiry job (two accounts per batch) over and over
    def work(n):
        if n < 2:
            return sum(expire_due_lots(now=at(2), batch_size=2) for _ in range(6))
        shuffled = random.Random(n).sample(accounts, len(accounts))
        spent = {}
        for i, account in enumerate(shuffled * 2):
            debit(account, 5, key=f"d-{n}-{i}", now=at(2))
            spent[account] = spent.get(account, 0) + 5
        return spent

    results, errors = run_at_once(6, work)

    # then nothing failed, every due lot expired exactly once, and balances add up
    assert errors == []
    assert results[0] + results[1] == 6
    assert Lot.objects.filter(status=LotStatus.EXPIRED).count() == 6
    for account in accounts:
        assert Entry.objects.filter(account_id=account, type=EntryType.EXPIRE).count() == 1
        spent = sum(r.get(account, 0) for r in results[2:])
        assert columns(account) == Columns(Decimal(100 - spent), 0, 0)
        assert_proven(account)
    assert audit_is_clean()
