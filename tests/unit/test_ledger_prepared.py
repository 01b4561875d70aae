"""Issue 14: the ledger's two calls per operation are prepared statements of the
session (``ledger/server.py``), unless the shop turns them off for a pooler that
cannot hold them (``SALEOR_REWARDS_LEDGER_PREPARED``)."""

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from saleor_rewards.ledger import (
    LotSource,
    activate,
    capture,
    credit,
    debit,
    hold,
    release,
    return_debit,
    void,
)

from .helpers import assert_proven, at, settle, sql

pytestmark = pytest.mark.django_db


def _forget_prepared_statements() -> None:
    """psycopg deallocates every statement it prepared after a rollback (it cannot tell
    what the rollback undid): a savepoint that rolls back gives a clean slate."""

    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        raise Undo


def _prepared_ledger_calls() -> set[str]:
    rows = sql("SELECT statement FROM pg_prepared_statements")
    return {
        name
        for (statement,) in rows
        for name in (
            "rewards_ledger_open",
            "rewards_ledger_post",
            "rewards_ledger_move",
            "rewards_ledger_close",
        )
        if name in statement
    }


def test_the_ledger_calls_are_prepared_and_still_logged_as_django_queries(points):
    credit(points, 10, key="p:0", source=LotSource.BONUS, now=at(0))
    _forget_prepared_statements()
    assert _prepared_ledger_calls() == set()
    with CaptureQueriesContext(connection) as captured:
        pending = credit(points, 10, key="p:1", source=LotSource.BONUS, pending=True, now=at(0))
    assert _prepared_ledger_calls() == {"rewards_ledger_move"}
    with CaptureQueriesContext(connection) as captured_too:
        void(pending.lot_id, key="p:2", now=at(1))
    settle()

    assert _prepared_ledger_calls() == {
        "rewards_ledger_move",
        "rewards_ledger_open",
        "rewards_ledger_post",
    }
    # Django's query log (and its execute wrappers) still see them
    assert sum("rewards_ledger_" in q["sql"] for q in captured.captured_queries) == 1
    assert sum("rewards_ledger_" in q["sql"] for q in captured_too.captured_queries) == 2


@override_settings(SALEOR_REWARDS_LEDGER_PREPARED=False)
def test_the_shop_can_turn_prepared_statements_off(points):
    _forget_prepared_statements()
    credit(points, 10, key="p:2", source=LotSource.BONUS, now=at(0))
    settle()

    assert _prepared_ledger_calls() == set()


def _statements(call) -> list[str]:
    """What ``call`` sends, without the savepoints of the test's transaction."""
    with CaptureQueriesContext(connection) as captured:
        result = call()
    return result, [q["sql"] for q in captured.captured_queries if "SAVEPOINT" not in q["sql"]]


@pytest.mark.parametrize("prepared", [True, False])
def test_every_operation_is_one_or_two_calls_of_the_server(points, prepared):
    """Issue 14: a credit, debit or hold (``rewards_ledger_move``), an activation or a
    whole capture (``rewards_ledger_close``) is one call; voiding a lot, capturing in
    part, releasing a hold and returning a debit read the row they act on, and what
    it can give back, in the call that takes the lock, and set its new status in the
    call that posts: no statement of their own."""
    with override_settings(SALEOR_REWARDS_LEDGER_PREPARED=prepared):
        credit(points, 100, key="s:0", source=LotSource.BONUS, now=at(0))
        pending = credit(points, 40, key="s:1", source=LotSource.BONUS, pending=True, now=at(0))
        voided = credit(points, 5, key="s:2", source=LotSource.BONUS, pending=True, now=at(0))
        spent = debit(points, 30, key="s:3", now=at(0))
        whole = hold(points, 20, key="s:4", now=at(0))
        part = hold(points, 20, key="s:5", now=at(0))
        let_go = hold(points, 10, key="s:6", now=at(0))
        two_calls = [
            "SELECT * FROM rewards_ledger_open",
            "SELECT o_entry, o_lot, o_hold FROM rewards_ledger_post",
        ]
        calls = {
            "activate": (
                lambda: activate(pending.lot_id, now=at(1)),
                ["SELECT * FROM rewards_ledger_close"],
            ),
            "void": (lambda: void(voided.lot_id, key="s:7", now=at(1)), two_calls),
            "return_debit": (
                lambda: return_debit(spent.entry_id, 10, key="s:8", now=at(1)),
                two_calls,
            ),
            "capture": (
                lambda: capture(whole.hold_id, now=at(1)),
                ["SELECT * FROM rewards_ledger_close"],
            ),
            "release": (lambda: release(let_go.hold_id, now=at(1)), two_calls),
            "debit": (
                lambda: debit(points, 1, key="s:9", now=at(1)),
                ["SELECT * FROM rewards_ledger_move"],
            ),
        }
        for name, (call, expected) in calls.items():
            _, statements = _statements(call)
            assert [s.split("(")[0] for s in statements] == expected, name
        # a partial capture is the long way (the one call declines it, writing nothing),
        # and posts twice: the capture, then the release of the rest
        _, statements = _statements(lambda: capture(part.hold_id, 15, now=at(1)))
        assert ["rewards_ledger_open" in s for s in statements] == [False, True, False, False]
        assert "rewards_ledger_close" in statements[0]
        assert sum("rewards_ledger_post" in s for s in statements) == 2
    settle()

    assert sql(
        "SELECT status, captured FROM rewards_hold WHERE id IN (%s, %s, %s) ORDER BY id",
        [whole.hold_id, part.hold_id, let_go.hold_id],
    ) == [("captured", 20), ("captured", 15), ("released", 0)]
    assert sql(
        "SELECT status, remaining FROM rewards_lot WHERE id IN (%s, %s) ORDER BY id",
        [pending.lot_id, voided.lot_id],
    ) == [("available", 40), ("void", 0)]
    assert_proven(points)
