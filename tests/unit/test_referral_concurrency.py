"""R4 under contention: concurrent claims on one sponsor never pass the friends limit.

Commits for real (``transaction=True``): each thread has its own connection."""

import pytest

from saleor_rewards.ledger.errors import LimitExceeded
from saleor_rewards.programs.referrals import services as referrals
from saleor_rewards.programs.referrals.models import Referral

from ..fakes import FakeCustomers
from .referral_helpers import settings
from .test_ledger_concurrency import run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

SPONSOR = 601


def test_R4_concurrent_claims_never_pass_the_friends_limit():
    # given a sponsor one friend short of the limit of 3
    code = referrals.create_code(SPONSOR)
    Referral.objects.bulk_create(
        Referral(sponsor_id=SPONSOR, friend_id=700 + n, source="claim") for n in (1, 2)
    )
    values = settings(referral_max_friends="3")

    # when 6 new customers claim the code at the same moment
    def claim(n):
        return referrals.attribute(
            referrals.Person(800 + n), FakeCustomers(), values, source="claim", code=code
        )

    results, errors = run_at_once(6, claim)

    # then exactly one got in; the others were refused for the limit
    assert sum(result is not None for result in results) == 1
    assert len(errors) == 5 and all(isinstance(e, LimitExceeded) for e in errors)
    assert Referral.objects.filter(sponsor_id=SPONSOR).count() == 3
