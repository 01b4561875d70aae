"""L2 / O1: the set-based job that makes due pending lots spendable, and the O2
commands ``rewards_activate`` and ``rewards_expire`` that run the scheduled jobs."""

from datetime import timedelta
from decimal import Decimal
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection
from django.test.utils import CaptureQueriesContext
from freezegun import freeze_time

from saleor_rewards.ledger import (
    EntryType,
    Kind,
    LotSource,
    LotStatus,
    activate,
    activate_due_lots,
    audit,
    credit,
    debit,
    open_account,
    void,
)
from saleor_rewards.ledger.models import Entry, Lot

from .helpers import (
    Columns,
    assert_proven,
    at,
    columns,
    ledger_snapshot,
    lot_row,
    settle,
)

pytestmark = pytest.mark.django_db


def pending_lot(account, amount, key, *, available_at, days=10):
    """A pending lot scheduled to become available at ``available_at``."""
    return credit(
        account,
        amount,
        key=key,
        source=LotSource.LOYALTY,
        pending=True,
        available_at=available_at,
        expires_in_days=days,
        now=at(0),
    ).lot_id


def _members_with_due_lots(program, new_member, members=3):
    """Per member: lots due on day 1 and 2, one due on day 9, one without a date."""
    accounts, due = [], []
    for _ in range(members):
        account = open_account(program, new_member(), Kind.POINTS)
        due += [
            pending_lot(account, 10, "d1", available_at=at(1), days=5),
            pending_lot(account, 20, "d2", available_at=at(2), days=None),
        ]
        pending_lot(account, 30, "later", available_at=at(9))
        credit(account, 40, key="no-date", source=LotSource.BONUS, pending=True, now=at(0))
        accounts.append(account)
    return accounts, due


def test_L2_activate_due_lots_makes_due_pending_lots_spendable(program, new_member):
    # given three members with two due lots each and lots that are not due
    accounts, due = _members_with_due_lots(program, new_member)

    # when the job runs on day 3
    activated = activate_due_lots(now=at(3))
    settle()

    # then the six due lots are available, their expiry counted from now
    assert activated == 6
    assert sorted(
        Lot.objects.filter(status=LotStatus.AVAILABLE).values_list("id", flat=True)
    ) == sorted(due)
    for lot in Lot.objects.filter(id__in=due):
        assert lot.available_at == at(3)
        expected = at(3) + timedelta(days=5) if lot.amount == 10 else None
        assert lot.expires_at == expected
    for account in accounts:
        # moved from pending to available; 30 + 40 still pending
        assert columns(account) == Columns(Decimal(30), Decimal(70), 0)
        assert_proven(account)
    assert audit()[1] == []


def test_L2_activate_due_lots_writes_one_activate_entry_per_lot(program, new_member):
    # given a member with two due lots
    (account,), due = _members_with_due_lots(program, new_member, members=1)

    # when the job runs
    activate_due_lots(now=at(3))
    settle()

    # then each lot has its own activate entry, chained in lot order, keyed like
    # a single activation
    entries = list(Entry.objects.filter(account=account, type=EntryType.ACTIVATE).order_by("id"))
    assert [
        (
            e.lot_id,
            e.idempotency_key,
            e.available_delta,
            e.pending_delta,
            e.available_after,
            e.pending_after,
            e.created_at,
            e.reference_type,
        )
        for e in entries
    ] == [
        (due[0], f"lot:{due[0]}:activate", 10, -10, 10, 90, at(3), ""),
        (due[1], f"lot:{due[1]}:activate", 20, -20, 30, 70, at(3), ""),
    ]


def test_L2_activate_due_lots_leaves_lots_that_are_not_due_yet(points):
    lot = pending_lot(points, 100, "a", available_at=at(3))

    assert activate_due_lots(now=at(3) - timedelta(seconds=1)) == 0
    assert lot_row(lot)["status"] == LotStatus.PENDING
    assert activate_due_lots(now=at(3)) == 1
    assert lot_row(lot)["status"] == LotStatus.AVAILABLE


def test_L2_activate_due_lots_never_touches_lots_without_available_at(points):
    # given a pending lot nobody scheduled (awaiting delivery)
    lot = credit(points, 100, key="a", source=LotSource.LOYALTY, pending=True, now=at(0)).lot_id
    before = ledger_snapshot()

    # when the job runs much later
    assert activate_due_lots(now=at(1000)) == 0

    # then it stays pending and nothing was written
    assert lot_row(lot)["status"] == LotStatus.PENDING
    assert ledger_snapshot() == before


def test_L3_activate_due_lots_closes_a_lot_voided_in_full_without_an_entry(points):
    # given a due lot that was taken back in full while pending
    lot = pending_lot(points, 100, "a", available_at=at(3))
    void(lot, key="cancel", now=at(1))
    entries = Entry.objects.count()

    # when the job runs
    activated = activate_due_lots(now=at(3))
    settle()

    # then nothing is activated: there is nothing left, and no entry is written
    assert activated == 0
    assert Entry.objects.count() == entries
    assert lot_row(lot)["status"] == LotStatus.VOID
    assert_proven(points)


def test_L3_activate_due_lots_activates_what_is_left_of_a_partly_voided_lot(points):
    # given a due lot of 100 of which 30 were taken back while pending
    lot = pending_lot(points, 100, "a", available_at=at(3))
    void(lot, 30, key="refund", now=at(1))

    # when the job runs
    assert activate_due_lots(now=at(3)) == 1
    settle()

    # then the remaining 70 become spendable
    assert (lot_row(lot)["status"], lot_row(lot)["remaining"]) == (
        LotStatus.AVAILABLE,
        70,
    )
    assert columns(points) == Columns(Decimal(70), 0, 0)
    assert_proven(points)


def test_U6_activate_due_lots_a_second_time_changes_nothing(program, new_member):
    # given the job has run once
    _members_with_due_lots(program, new_member)
    assert activate_due_lots(now=at(3)) == 6
    before = ledger_snapshot()

    # when it runs again, even later
    again = activate_due_lots(now=at(4))
    settle()

    # then it activates nothing and writes nothing
    assert again == 0
    assert ledger_snapshot() == before


def test_U6_activating_a_lot_by_hand_after_the_job_replays_the_jobs_entry(points):
    # given the job activated a due lot
    lot = pending_lot(points, 100, "a", available_at=at(3))
    activate_due_lots(now=at(3))
    before = ledger_snapshot()

    # when the same lot is activated one by one later
    posting = activate(lot, now=at(5))
    settle()

    # then that is the job's entry again and nothing changed
    entry = Entry.objects.get(lot_id=lot, type=EntryType.ACTIVATE)
    assert (posting.entry_id, posting.replayed) == (entry.id, True)
    assert ledger_snapshot() == before


def test_U6_a_lot_activated_by_hand_is_not_activated_again_by_the_job(points):
    lot = pending_lot(points, 100, "a", available_at=at(3))
    activate(lot, now=at(2))
    before = ledger_snapshot()

    assert activate_due_lots(now=at(3)) == 0
    assert ledger_snapshot() == before


def test_O1_activate_due_lots_is_one_statement_per_batch(program, new_member):
    # given ten members with two due lots each
    _members_with_due_lots(program, new_member, members=10)

    # when the job runs in one batch
    with CaptureQueriesContext(connection) as queries:
        activated = activate_due_lots(now=at(3))

    # then twenty lots are activated by one writing statement, among a handful
    assert activated == 20
    statements = [q["sql"] for q in queries if "SAVEPOINT" not in q["sql"]]
    writes = [s for s in statements if "INSERT INTO rewards_entry" in s]
    assert len(writes) == 1
    assert len(statements) <= 4


def test_O1_activate_due_lots_works_in_batches_of_accounts(program, new_member):
    # given five members with two due lots each
    accounts, _ = _members_with_due_lots(program, new_member, members=5)
    reports = []

    # when the job runs two accounts at a time
    with CaptureQueriesContext(connection) as queries:
        activated = activate_due_lots(
            now=at(3), batch_size=2, progress=lambda a, n: reports.append((a, n))
        )
    settle()

    # then it reports each batch, writes once per batch and activates them all
    assert reports == [(2, 4), (4, 8), (5, 10)]
    assert activated == 10
    assert sum("INSERT INTO rewards_entry" in q["sql"] for q in queries) == 3
    assert_proven(*accounts)


def test_O1_activate_due_lots_handles_many_lots_per_account(program, new_member):
    # given 12 members with 25 due lots each, some partly spent before
    accounts = []
    for _ in range(12):
        account = open_account(program, new_member(), Kind.POINTS)
        credit(account, 5, key="seed", source=LotSource.BONUS, now=at(0))
        for i in range(25):
            pending_lot(account, i + 1, f"lot-{i}", available_at=at(1, hours=i))
        debit(account, 3, key="spent", now=at(0, hours=1))
        accounts.append(account)

    # when the job runs five accounts at a time
    activated = activate_due_lots(now=at(3), batch_size=5)
    settle()

    # then every lot is available and every balance is proven
    assert activated == 300
    assert not Lot.objects.filter(status=LotStatus.PENDING).exists()
    for account in accounts:
        assert columns(account) == Columns(Decimal(2 + 325), 0, 0)
        assert_proven(account)
    assert audit()[1] == []


def run(command, *args) -> str:
    out = StringIO()
    call_command(command, *args, stdout=out)
    return out.getvalue()


def test_O2_rewards_activate_command_activates_what_is_due_now(program, new_member):
    # given six due lots of three members
    accounts, due = _members_with_due_lots(program, new_member)

    # when the scheduled command runs on day 3, two accounts per batch
    with freeze_time(at(3)):
        out = run("rewards_activate", "--batch-size", "2")
    settle()

    # then it activated them all and reported each batch
    assert "batch 1: 2 accounts, 4 lots activated so far" in out
    assert "batch 2: 3 accounts, 6 lots activated so far" in out
    assert "Activated 6 lot(s) of 3 account(s) in 2 batch(es)" in out
    assert set(Lot.objects.filter(status=LotStatus.AVAILABLE).values_list("id", flat=True)) == set(
        due
    )
    assert_proven(*accounts)


def test_O2_rewards_activate_now_option_sets_the_clock(program, new_member):
    _members_with_due_lots(program, new_member)

    out = run("rewards_activate", "--now", at(1).isoformat())

    assert "Activated 3 lot(s) of 3 account(s)" in out
    assert Lot.objects.filter(status=LotStatus.AVAILABLE).count() == 3


def test_O2_rewards_activate_dry_run_reports_and_changes_nothing(program, new_member):
    # given six due lots (10 + 20 points each for three members)
    _members_with_due_lots(program, new_member)
    before = ledger_snapshot()

    # when the command runs as a dry run
    out = run("rewards_activate", "--dry-run", "--now", at(3).isoformat())

    # then it says what would change, and nothing did
    assert "Dry run: would activate 6 lot(s) of 3 account(s), 90 in total" in out
    assert ledger_snapshot() == before


def test_O2_rewards_activate_refuses_a_now_that_is_not_a_date(db):
    from django.core.management.base import CommandError

    with pytest.raises(CommandError, match="--now"):
        run("rewards_activate", "--now", "tomorrow")


def test_O2_rewards_expire_dry_run_reports_and_changes_nothing(points):
    credit(points, 100, key="a", source=LotSource.BONUS, expires_in_days=1, now=at(0))
    before = ledger_snapshot()

    out = run("rewards_expire", "--dry-run", "--now", at(2).isoformat())

    assert "Dry run: would expire 1 lot(s) of 1 account(s), 100 in total" in out
    assert ledger_snapshot() == before


def test_O2_rewards_expire_now_option_sets_the_clock(points):
    credit(points, 100, key="a", source=LotSource.BONUS, expires_in_days=1, now=at(0))

    assert "Expired 0 lot(s)" in run("rewards_expire", "--now", at(0).isoformat())
    out = run("rewards_expire", "--now", at(2).isoformat())
    settle()

    assert "Expired 1 lot(s) of 1 account(s) in 1 batch(es)" in out
    assert columns(points) == Columns(0, 0, 0)


def test_O1_a_large_pass_refreshes_the_planners_statistics(program, new_member, monkeypatch):
    """Issue 14: a pass that changed many lots ANALYZEs the ledger's tables, so the
    reports that read the last days' entries do not plan for the old picture; a small
    pass leaves it to autovacuum."""
    from saleor_rewards.ledger import batches

    monkeypatch.setattr(batches, "ANALYZE_AFTER_LOTS", 3)
    account = open_account(program, new_member(), Kind.POINTS)
    for number in range(3):
        pending_lot(account, 10, f"stats:{number}", available_at=at(1))
    settle()

    def analyzed(now) -> bool:
        with CaptureQueriesContext(connection) as captured:
            activate_due_lots(now)
        return any(q["sql"].startswith("ANALYZE ") for q in captured.captured_queries)

    assert analyzed(at(2))  # 3 lots activated
    pending_lot(account, 10, "stats:small", available_at=at(3))
    settle()
    assert not analyzed(at(4))  # 1 lot
