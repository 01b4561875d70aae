"""B3 under contention: awards at once never exceed the daily cap together.

The cap is counted under the account's row lock in the crediting transaction; these
tests commit for real, one connection per thread."""

import pytest

from saleor_rewards import config
from saleor_rewards.ledger import NO_REFERENCE, Kind, LotSource, balance, open_account
from saleor_rewards.programs.loyalty.daily_cap import credit_activity

from .helpers import T0
from .test_ledger_concurrency import audit_is_clean, run_at_once

pytestmark = pytest.mark.django_db(transaction=True)


def test_B3_concurrent_awards_share_the_cap_exactly(program):
    settings = config.parse({"daily_points_cap": "12"})

    def award(n):
        return credit_activity(
            program,
            1,
            5,
            key=f"review:{n}",
            source=LotSource.REVIEW,
            settings=settings,
            expires_in_days=60,
            reference=NO_REFERENCE,
            reason="Review approved",
            now=T0,
        )

    results, errors = run_at_once(6, award)

    assert errors == []
    assert sorted(results) == [0, 0, 0, 2, 5, 5]
    points = open_account(program, 1, Kind.POINTS)
    assert balance(points, now=T0).available == 12
    assert audit_is_clean()
