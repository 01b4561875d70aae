"""U5 / O2: ``rewards_audit`` recomputes every balance from scratch and exits non-zero,
naming the member and channel, on any drift. Drift is injected with the triggers
bypassed (``session_replication_role = replica``), as a restore or a superuser could."""

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from saleor_rewards.ledger import (
    Kind,
    LotSource,
    audit,
    capture,
    credit,
    debit,
    hold,
    open_account,
    revoke,
)
from saleor_rewards.management.commands.rewards_audit import Command

from .helpers import at, settle, sql

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(program, other_program, member):
    """Two members across two channels with every kind of row. The points account
    ends at 58 available / 20 pending / 15 held: the first lot keeps 58, the 9-day
    lot is spent, two holds are open (10, 5) and one is captured (7)."""
    points = open_account(program, member, Kind.POINTS)
    cash = open_account(other_program, member + 100_000, Kind.CASH)
    first = credit(points, 100, key="a", source=LotSource.LOYALTY, now=at(0)).lot_id
    second = credit(
        points, 50, key="b", source=LotSource.BONUS, expires_in_days=9, now=at(0)
    ).lot_id
    credit(points, 20, key="c", source=LotSource.LOYALTY, pending=True, now=at(0))
    debit(points, 70, key="d", now=at(1))  # 50 from the 9-day lot, 20 from the first
    open_hold = hold(points, 10, key="h1", now=at(1)).hold_id
    other_hold = hold(points, 5, key="h2", now=at(1)).hold_id
    captured = hold(points, 7, key="h3", now=at(1)).hold_id
    capture(captured, now=at(2))
    credit(cash, "99.995", key="e", source=LotSource.AFFILIATE, now=at(0))
    settle()
    return dict(
        points=points,
        cash=cash,
        member=member,
        first=first,
        second=second,
        open_hold=open_hold,
        other_hold=other_hold,
    )


def bypassing_triggers(*statements):
    """Write drift as a restore would: with every trigger switched off."""
    settle()
    sql("SET session_replication_role = replica")
    try:
        for statement, params in statements:
            sql(statement, params)
    finally:
        sql("SET session_replication_role = DEFAULT")
    settle()  # nothing was queued: the drift is now in the ledger


def run_audit():
    out, err = StringIO(), StringIO()
    try:
        call_command("rewards_audit", stdout=out, stderr=err)
    except CommandError as failure:
        return failure, out.getvalue(), err.getvalue()
    return None, out.getvalue(), err.getvalue()


def problems():
    return [(drift.account_id, drift.problem) for drift in audit()[1]]


def test_U5_audit_of_a_clean_ledger_passes(ledger):
    failure, out, err = run_audit()

    assert failure is None
    assert "Audited 2 accounts, 4 lots, " in out
    assert "No drift: every balance is proven." in out
    assert err == ""


def test_U5_audit_of_an_empty_ledger_passes(db):
    failure, out, _ = run_audit()

    assert failure is None
    assert "Audited 0 accounts, 0 lots, 0 entries, 0 holds." in out


def test_U5_audit_fails_naming_member_and_channel_when_an_account_drifts(ledger):
    # given a cached balance moved behind the ledger's back
    bypassing_triggers(
        (
            "UPDATE rewards_account SET available = available + 5 WHERE id = %s",
            [ledger["points"].id],
        ),
    )

    # when the audit runs
    failure, out, err = run_audit()

    # then it fails, naming the member and channel, and why
    assert isinstance(failure, CommandError)
    assert "drift(s) found in 1 account(s)" in str(failure)
    assert f"DRIFT member {ledger['member']} / channel web-eu / points" in err
    assert "balance 63.000/20.000/15.000 (available/pending/held)" in err
    assert "its entries sum to 58.000/20.000/15.000" in err
    assert "its lots hold 58.000/20.000" in err
    assert "No drift" not in out


def test_U5_audit_exits_non_zero_from_the_command_line(ledger, capsys):
    bypassing_triggers(
        ("UPDATE rewards_account SET pending = pending + 1 WHERE id = %s", [ledger["points"].id]),
    )

    with pytest.raises(SystemExit) as exit_:
        Command().run_from_argv(["manage.py", "rewards_audit"])

    assert exit_.value.code not in (0, None)
    assert f"member {ledger['member']} / channel web-eu" in capsys.readouterr().err


def test_U5_audit_reports_an_account_that_differs_from_its_entries(ledger):
    # given the account and its lots agree with each other but not with the entries
    bypassing_triggers(
        (
            "UPDATE rewards_account SET available = available - 5 WHERE id = %s",
            [ledger["points"].id],
        ),
        ("UPDATE rewards_lot SET remaining = remaining - 5 WHERE id = %s", [ledger["first"]]),
    )

    found = problems()

    assert (
        ledger["points"].id,
        "balance 53.000/20.000/15.000 (available/pending/held) but its entries sum to "
        "58.000/20.000/15.000",
    ) in found
    assert not any("its lots hold" in problem for _, problem in found)


def test_U5_audit_reports_lots_that_differ_from_the_account(ledger):
    # given a lot emptied by 3 behind the ledger's back
    bypassing_triggers(
        ("UPDATE rewards_lot SET remaining = remaining - 3 WHERE id = %s", [ledger["first"]]),
    )

    found = problems()

    assert (
        ledger["points"].id,
        "balance 58.000/20.000 (available/pending) but its lots hold 55.000/20.000",
    ) in found


def test_U5_audit_reports_a_lot_whose_remainder_differs_from_its_allocations(ledger):
    # given 5 moved from one lot to another: every balance still adds up
    bypassing_triggers(
        ("UPDATE rewards_lot SET remaining = remaining - 5 WHERE id = %s", [ledger["first"]]),
        ("UPDATE rewards_lot SET remaining = remaining + 5 WHERE id = %s", [ledger["second"]]),
    )

    found = problems()

    # then only the lot check sees it, for both lots
    account = ledger["points"].id
    assert sorted(found) == sorted(
        [
            (
                account,
                f"lot {ledger['first']} has 53.000 left but amount plus allocations is 58.000",
            ),
            (
                account,
                f"lot {ledger['second']} has 5.000 left but amount plus allocations is 0.000",
            ),
        ]
    )


def test_U5_audit_reports_held_that_differs_from_open_holds(ledger):
    bypassing_triggers(
        (
            "UPDATE rewards_hold SET amount = amount + 2 WHERE id = %s",
            [ledger["open_hold"]],
        ),
    )

    found = problems()

    assert (ledger["points"].id, "held 15.000 but its open holds total 17.000") in found


def test_U5_audit_reports_a_hold_whose_entries_do_not_settle_it(ledger):
    # given two open holds changed by +2 and -2: the account's held still matches
    bypassing_triggers(
        (
            "UPDATE rewards_hold SET amount = amount + 2 WHERE id = %s",
            [ledger["open_hold"]],
        ),
        (
            "UPDATE rewards_hold SET amount = amount - 2 WHERE id = %s",
            [ledger["other_hold"]],
        ),
    )

    found = problems()

    account = ledger["points"].id
    assert sorted(found) == sorted(
        [
            (
                account,
                f"hold {ledger['open_hold']} (open, 12.000) has held movements summing to 10.000",
            ),
            (
                account,
                f"hold {ledger['other_hold']} (open, 3.000) has held movements summing to 5.000",
            ),
        ]
    )


def test_U5_audit_reports_an_entry_that_breaks_the_balance_chain(ledger):
    # given an early entry whose balance-after was rewritten
    (first_entry,) = sql(
        "SELECT MIN(id) FROM rewards_entry WHERE account_id = %s", [ledger["points"].id]
    )[0]
    bypassing_triggers(
        ("UPDATE rewards_entry SET available_after = 99 WHERE id = %s", [first_entry]),
    )

    found = problems()

    assert found == [
        (
            ledger["points"].id,
            f"entry {first_entry} says 99.000/0.000/0.000 after it, the running sum is "
            "100.000/0.000/0.000",
        )
    ]


def test_U5_audit_reports_unrecovered_that_differs_from_the_entries(ledger):
    bypassing_triggers(
        (
            "UPDATE rewards_account SET unrecovered = 4 WHERE id = %s",
            [ledger["points"].id],
        ),
    )

    found = problems()

    assert found == [(ledger["points"].id, "unrecovered 4.000 but its entries record 0.000")]


@pytest.fixture
def owing(program, new_member):
    """A member who owes 30 points after a take-back, and paid 10 of them back."""
    account = open_account(program, new_member(), Kind.POINTS)
    revoke(account, 40, key="refund", now=at(0))
    credit(account, 10, key="bonus", source=LotSource.BONUS, now=at(1))
    settle()
    return account


def test_L3_U5_audit_of_a_member_who_owes_passes(owing):
    assert problems() == []
    assert sql("SELECT debt FROM rewards_account WHERE id = %s", [owing.id]) == [(30,)]


def test_L3_U5_audit_reports_a_debt_that_differs_from_the_entries(owing):
    # given the debt written off by hand, with the triggers off
    bypassing_triggers(("UPDATE rewards_account SET debt = 0 WHERE id = %s", [owing.id]))

    found = problems()

    assert found == [(owing.id, "debt 0.000 but its entries sum to 30.000")]


def test_L3_U5_audit_reports_an_entry_that_breaks_the_debt_chain(owing):
    (revoked,) = sql(
        "SELECT id FROM rewards_entry WHERE account_id = %s AND type = 'revoke'", [owing.id]
    )[0]
    bypassing_triggers(("UPDATE rewards_entry SET debt_after = 0 WHERE id = %s", [revoked]))

    found = problems()

    assert found == [
        (owing.id, f"entry {revoked} says debt 0.000 after it, the running sum is 40.000")
    ]


def test_L3_U5_audit_reports_a_debt_raised_or_paid_by_the_wrong_entry(owing):
    # given the credit's entry rewritten to raise the debt by itself, and the
    # settlement's to pay more debt than the points it took
    credited, settled = (
        row[0]
        for row in sql(
            "SELECT id FROM rewards_entry WHERE account_id = %s AND type IN "
            "('earn', 'debt_settled') ORDER BY id",
            [owing.id],
        )
    )
    bypassing_triggers(
        ("UPDATE rewards_entry SET debt_delta = 5 WHERE id = %s", [credited]),
        ("UPDATE rewards_entry SET debt_delta = -15 WHERE id = %s", [settled]),
    )

    found = [problem for _, problem in problems()]

    assert (
        f"entry {credited} (earn) changes the debt by 5.000 with 10.000/0.000/0.000 "
        "(available/pending/held) and 0.000 unrecovered"
    ) in found
    assert (
        f"entry {settled} (debt_settled) changes the debt by -15.000 with "
        "-10.000/0.000/0.000 (available/pending/held) and 0.000 unrecovered"
    ) in found


def test_U5_audit_reports_a_negative_balance(ledger):
    # given the CHECK constraint dropped (inside this test's transaction) and a
    # balance driven below zero with the triggers off
    sql("ALTER TABLE rewards_account DROP CONSTRAINT rewards_account_not_negative")
    bypassing_triggers(
        (
            "UPDATE rewards_account SET available = -1 WHERE id = %s",
            [ledger["cash"].id],
        ),
    )

    found = problems()

    assert (ledger["cash"].id, "negative balance -1.000/0.000/0.000") in found


def test_U5_audit_names_each_drifting_account_of_each_channel(ledger):
    bypassing_triggers(
        (
            "UPDATE rewards_account SET available = available + 1 WHERE id IN (%s, %s)",
            [ledger["points"].id, ledger["cash"].id],
        ),
    )

    failure, _, err = run_audit()

    assert "in 2 account(s)" in str(failure)
    assert f"member {ledger['member']} / channel web-eu / points" in err
    assert f"member {ledger['member'] + 100_000} / channel app-us / cash" in err


def test_P2_audit_names_an_erased_member_as_erased(ledger):
    bypassing_triggers(
        (
            "UPDATE rewards_account SET member_id = NULL, available = available + 1 WHERE id = %s",
            [ledger["cash"].id],
        ),
    )

    _, _, err = run_audit()

    assert "DRIFT member (erased) / channel app-us / cash" in err
