"""O3 / issue 14: the liability report's daily series of the points that expire
within 30 days of each day.

The report sums lots and allocations into buckets (two grouped queries, so a
million lots take a second, not a query per lot and day); these tests hold it to
the definition, recomputed here lot by lot and day by day from the rows: at the end
of a day, a lot counts when it is not void, became available before that end and
expires after it, within 30 days; what it counts is its amount plus what was
allocated to it (spent, expired, returned) by then.
"""

import itertools
from datetime import timedelta
from decimal import Decimal

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from saleor_rewards.ledger import (
    Kind,
    LotSource,
    LotStatus,
    RewardsError,
    activate_due_lots,
    credit,
    debit,
    expire_due_lots,
    open_account,
    return_debit,
    void,
)
from saleor_rewards.ledger.models import Allocation, Lot, Program
from saleor_rewards.programs.liability.report import EXPIRING_WINDOW, _day_ends, series

from .helpers import at, settle

pytestmark = pytest.mark.django_db

DAYS = 30
NOW = at(45, hours=7.5)  # the report's "now": mid-day, so the last day ends at now
_programs = itertools.count(1)


def expiring_by_definition(program, now, days=DAYS) -> list[int]:
    lots = list(
        Lot.objects.filter(account__program=program, account__kind=Kind.POINTS).exclude(
            status=LotStatus.VOID
        )
    )
    allocations = list(
        Allocation.objects.filter(lot__in=lots).values_list("lot_id", "amount", "entry__created_at")
    )
    result = []
    for _day, end in _day_ends(days, now):
        total = Decimal(0)
        for lot in lots:
            if lot.expires_at is None or lot.available_at is None:
                continue
            if end < lot.expires_at <= end + EXPIRING_WINDOW and lot.available_at < end:
                total += lot.amount + sum(
                    amount
                    for lot_id, amount, created in allocations
                    if lot_id == lot.id and created < end
                )
        result.append(int(total))
    return result


def expiring_in_report(program, now, days=DAYS) -> list[int]:
    return [day.points_expiring for day in series(program, days, now)]


# One step: (what, hours after the previous step, amount, days). Times run forward
# from 5 days before the series' first day (at(15)) towards its last.
STEP = st.tuples(
    st.sampled_from(["earn", "earn", "pending", "spend", "return", "expire", "activate", "void"]),
    st.integers(min_value=0, max_value=30),
    st.integers(min_value=1, max_value=80),
    st.integers(min_value=3, max_value=50),
)


def play(program, steps) -> None:
    """The steps on two members' accounts of ``program``; a refused step (more spent
    than there is, nothing to return) is skipped, as the ledger refuses it."""
    accounts = [open_account(program, member, Kind.POINTS) for member in (1, 2)]
    now = at(10)
    debits, pending = [], []
    for number, (what, hours, amount, days) in enumerate(steps):
        now += timedelta(hours=hours)
        if now >= NOW:
            break
        account = accounts[number % 2]
        key = f"series:{program.id}:{number}"
        try:
            if what == "earn":
                credit(
                    account, amount, key=key, source=LotSource.BONUS, expires_in_days=days, now=now
                )
            elif what == "pending":
                posting = credit(
                    account,
                    amount,
                    key=key,
                    source=LotSource.LOYALTY,
                    pending=True,
                    available_at=now + timedelta(days=days % 7, hours=hours),
                    expires_in_days=days,
                    now=now,
                )
                pending.append(posting.lot_id)
            elif what == "spend":
                debits.append(debit(account, amount, key=key, now=now).entry_id)
            elif what == "return" and debits:
                return_debit(debits.pop(0), amount // 4 or None, key=key, now=now)
            elif what == "expire":
                expire_due_lots(now)
            elif what == "activate":
                activate_due_lots(now)
            elif what == "void" and pending:
                void(pending.pop(0), key=key, now=now)
        except RewardsError:
            pass
    settle()


@given(steps=st.lists(STEP, min_size=10, max_size=60))
@settings(
    max_examples=60,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
    database=None,
)
def test_O3_the_expiring_series_is_its_definition_for_any_history(db, steps):
    program = Program.objects.create(channel_slug=f"series-{next(_programs)}", currency="EUR")
    play(program, steps)
    assert expiring_in_report(program, NOW) == expiring_by_definition(program, NOW)


def test_O3_the_expiring_series_counts_a_lot_at_each_bound(db):
    """Lots placed on the bounds the buckets are cut at: a lot expiring exactly at a
    day's end is not counted that day; one that became available exactly at a day's
    end is not counted that day, but the next; a spend or a return made exactly at a
    day's end counts from the next day."""
    program = Program.objects.create(channel_slug="series-bounds", currency="EUR")
    account = open_account(program, 7, Kind.POINTS)
    ends = [end for _day, end in _day_ends(DAYS, NOW)]
    first, tenth = ends[0], ends[9]
    credit(account, 10, key="b:1", source=LotSource.BONUS, expires_in_days=30, now=first)
    credit(
        account,
        20,
        key="b:2",
        source=LotSource.BONUS,
        expires_in_days=30,
        now=tenth - timedelta(days=30),
    )
    spent = debit(account, 5, key="b:3", now=tenth).entry_id
    return_debit(spent, 2, key="b:4", now=ends[20])
    settle()

    report = expiring_in_report(program, NOW)
    assert report == expiring_by_definition(program, NOW)
    # the 20 expire at the tenth day's end: counted on days 1-9 (from before the
    # window), not on the tenth; the 10 became available at the first day's end
    assert report[:2] == [20, 20 + 10] and report[8] == 20 + 10
    assert report[9:11] == [10, 10 - 5]  # spent at the tenth day's end
    assert report[20:22] == [5, 5 + 2]  # 2 of the 5 came back at the 21st day's end
