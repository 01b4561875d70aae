"""SPEC U5 in Saleor's database: after ledger writes made through Saleor, the
``rewards_audit`` command proves every balance, and it does catch drift.

(The autouse fixture ``ledger_is_sound`` also runs the audit after every test.)"""

import io

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from saleor.core.jwt import create_access_token

from .helpers import (
    ADJUST_MUTATION,
    ledger_row_counts,
    settle_deferred_checks,
    user_global_id,
)


def test_audit_passes_after_ledger_writes_through_saleor(
    active_rewards_plugin,
    rewards_api,
    staff_can_adjust,
    customer_user,
    customer_user2,
    channel_USD,
    customer_balance,
):
    # given seeded balances and staff adjustments made through the endpoint
    token = create_access_token(staff_can_adjust)
    for user, kind, amount in [
        (customer_user, "POINTS", "-100"),
        (customer_user, "CASH", "1.75"),
        (customer_user2, "POINTS", "40"),
    ]:
        body = rewards_api.execute(
            ADJUST_MUTATION,
            {
                "userId": user_global_id(user),
                "channel": channel_USD.slug,
                "kind": kind,
                "amount": amount,
                "reason": "Audit run",
            },
            token=token,
        )
        assert body["data"]["rewardsBalanceAdjust"]["errors"] == []
    settle_deferred_checks()  # what COMMIT would check
    counts = ledger_row_counts()
    assert counts["rewards_account"] == 3
    assert counts["rewards_entry"] == 10

    # when the audit runs over Saleor's database
    out = io.StringIO()
    call_command("rewards_audit", stdout=out)

    # then it counted those rows and found no drift
    report = out.getvalue()
    assert "3 accounts" in report and "10 entries" in report
    assert "No drift" in report


def test_audit_reports_drift_naming_the_member(customer_user, customer_balance):
    # given a balance changed behind the ledger's back (as a restore or a superuser
    # with triggers off could), inside a savepoint that is rolled back afterwards
    points = customer_balance["points"]
    err = io.StringIO()
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "UPDATE rewards_account SET available = available + 1 WHERE id = %s",
                [points.pk],
            )

        # when the audit runs
        with pytest.raises(CommandError, match="drift"):
            call_command("rewards_audit", stdout=io.StringIO(), stderr=err)
        transaction.set_rollback(True)

    # then it names the member, the channel and the kind
    assert f"DRIFT member {customer_user.pk} / channel main / points" in err.getvalue()


def test_database_refuses_drift_at_commit(customer_balance):
    # given the same tampering
    points = customer_balance["points"]

    # when the transaction would commit, the deferred triggers refuse it
    with pytest.raises(DatabaseError):
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute(
                    "UPDATE rewards_account SET available = available + 1 WHERE id = %s",
                    [points.pk],
                )
            settle_deferred_checks()

    # then nothing changed
    points.refresh_from_db()
    assert points.available == 650
