"""``rewardsMe`` of a member with a long history, many friends and many reviews costs
the same number of queries as that of a new member: every list is read in one batch
(``graphql/dataloaders.py``), and fields that need the same row read it once."""

import json

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext

from saleor_rewards import ledger
from saleor_rewards.graphql import view
from saleor_rewards.graphql.context import Requestor, RequestorKind, RewardsContext
from saleor_rewards.programs.referrals import services as referrals
from saleor_rewards.programs.referrals.models import Referral
from saleor_rewards.programs.reviews.models import Review
from saleor_rewards.programs.tiers.services import create_default_tiers

from ...fakes import FakeCustomers, fake_shop

pytestmark = pytest.mark.django_db

FULL = """{ rewardsMe(channel: "web-eu") {
  userId channel
  points { available pending held expiringSoon { points expiresAt } }
  cash { available { amount currency } pending { amount currency } held { amount currency } }
  referral { code url shareLinks { network url } friendsCount friendsLimit
    sponsor { code joinedAt }
    friends(first: 50) { totalCount edges { node { id email joinedAt state } } } }
  tier { name discountPercent maxRedeemPercent earnMultiplier
    progress { spent { amount currency } nextTier remaining { amount currency } } }
  history(first: 50) { totalCount edges { node { id createdAt kind type amount
    balanceAfter pendingAfter heldAfter unrecovered expired expiresAt reason
    reference { type id } } } }
  reviews(first: 50) { totalCount edges { node { id channel userId status text
    photoUrls points orderLineId orderId productId createdAt decidedAt note } } }
} }"""
SPONSOR = 90


def member_with_history(program, member_id: int, n: int, customers: FakeCustomers):
    """``n`` of everything: point and cash entries, friends with orders, reviews."""
    points = ledger.open_account(program, member_id, "points")
    cash = ledger.open_account(program, member_id, "cash")
    referrals.create_code(member_id)
    Referral.objects.create(sponsor_id=SPONSOR, friend_id=member_id, source="claim")
    for i in range(n):
        order = f"{member_id}-{i}"
        ledger.credit(
            points,
            10,
            key=f"p{order}",
            source="loyalty",
            expires_in_days=10,
            reference=ledger.Reference("ORDER", order),
        )
        ledger.credit(cash, 1, key=f"c{order}", source="affiliate", pending=True)
        friend = member_id * 1000 + i
        Referral.objects.create(sponsor_id=member_id, friend_id=friend, source="claim")
        customers.emails[friend] = f"friend{friend}@example.com"
        customers.orders[friend] = [order]
        Review.objects.create(
            program=program,
            member_id=member_id,
            order_id=order,
            order_line_id=f"line-{order}",
            text="Fine.",
        )


def queries_of_rewards_me(member_id: int, customers: FakeCustomers) -> int:
    context = RewardsContext(
        shop=fake_shop(customers=customers),
        requestor=Requestor(kind=RequestorKind.CUSTOMER, user_id=member_id),
        plugin_settings={"storefront_referral_url": "https://shop.example/?ref={code}"},
    )
    body = json.dumps({"query": FULL})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    with CaptureQueriesContext(connection) as queries:
        response = json.loads(view.handle(request, context).content)
    assert "errors" not in response, response
    assert response["data"]["rewardsMe"]["referral"]["sponsor"]["code"]
    return len(queries.captured_queries)


def test_rewards_me_queries_do_not_grow_with_history_friends_or_reviews(program):
    create_default_tiers(program)
    referrals.create_code(SPONSOR)
    customers = FakeCustomers()
    member_with_history(program, 7, 2, customers)
    member_with_history(program, 8, 20, customers)

    short, long = queries_of_rewards_me(7, customers), queries_of_rewards_me(8, customers)

    # then the same queries (19 today: 35 before the loaders), whatever the length
    assert short == long
