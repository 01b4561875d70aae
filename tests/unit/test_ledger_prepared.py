"""Issue 14: the ledger's two calls per operation are prepared statements of the
session (``ledger/server.py``), unless the shop turns them off for a pooler that
cannot hold them (``SALEOR_REWARDS_LEDGER_PREPARED``)."""

import pytest
from django.db import connection, transaction
from django.test import override_settings
from django.test.utils import CaptureQueriesContext

from saleor_rewards.ledger import LotSource, credit

from .helpers import at, settle, sql

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
        for name in ("rewards_ledger_open", "rewards_ledger_post")
        if name in statement
    }


def test_the_ledger_calls_are_prepared_and_still_logged_as_django_queries(points):
    credit(points, 10, key="p:0", source=LotSource.BONUS, now=at(0))
    _forget_prepared_statements()
    assert _prepared_ledger_calls() == set()
    with CaptureQueriesContext(connection) as captured:
        credit(points, 10, key="p:1", source=LotSource.BONUS, now=at(0))
    settle()

    assert _prepared_ledger_calls() == {"rewards_ledger_open", "rewards_ledger_post"}
    # Django's query log (and its execute wrappers) still see them
    assert sum("rewards_ledger_" in q["sql"] for q in captured.captured_queries) == 2


@override_settings(SALEOR_REWARDS_LEDGER_PREPARED=False)
def test_the_shop_can_turn_prepared_statements_off(points):
    _forget_prepared_statements()
    credit(points, 10, key="p:2", source=LotSource.BONUS, now=at(0))
    settle()

    assert _prepared_ledger_calls() == set()
