"""The unit suite's quicker flush (``tests/fast_flush.py``) leaves every table of
every installed app as empty as Django's TRUNCATE of all of them would."""

import pytest
from django.apps import apps
from django.core.management import call_command
from django.db import connection

from saleor_rewards.ledger import LotSource, credit, debit, hold, revoke

pytestmark = pytest.mark.django_db(transaction=True)


def _non_empty_tables() -> list[str]:
    tables = sorted({model._meta.db_table for model in apps.get_models(include_auto_created=True)})
    found = []
    with connection.cursor() as cursor:
        for table in tables:
            cursor.execute(f"SELECT EXISTS (SELECT FROM {connection.ops.quote_name(table)})")
            if cursor.fetchone()[0]:
                found.append(table)
    return found


def test_the_flush_empties_every_table_the_ledger_wrote(points):
    # given committed rows in the append-only ledger tables and their neighbours
    credit(points, 100, key="f:0", source=LotSource.BONUS)
    debit(points, 30, key="f:1")
    hold(points, 20, key="f:2")
    revoke(points, 80, key="f:3")  # a debt too
    assert {"rewards_account", "rewards_entry", "rewards_allocation", "rewards_lot"} <= set(
        _non_empty_tables()
    )

    # when Django flushes the database, as after every transactional test
    call_command(
        "flush",
        interactive=False,
        inhibit_post_migrate=True,
        reset_sequences=False,
        verbosity=0,
    )

    # then nothing is left anywhere, and the ledger's triggers are on again
    assert _non_empty_tables() == []
    with connection.cursor() as cursor:
        cursor.execute("SHOW session_replication_role")
        assert cursor.fetchone() == ("origin",)
