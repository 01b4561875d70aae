"""``rewardsMe`` through Saleor: a member with twenty friends, reviews and ledger
entries costs the same queries as one with two. Friends' e-mails and orders come from
Saleor's tables in one batch per page (``graphql/dataloaders.py``)."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from saleor.account.models import User
from saleor.core.jwt import create_access_token

from saleor_rewards import ledger
from saleor_rewards.programs.referrals import services as referrals
from saleor_rewards.programs.referrals.models import Referral
from saleor_rewards.programs.reviews.models import Review

FULL = """query Me($channel: String!) { rewardsMe(channel: $channel) {
  points { available pending held expiringSoon { points expiresAt } }
  cash { available { amount currency } pending { amount currency } }
  referral { code url shareLinks { network url } friendsCount friendsLimit
    sponsor { code }
    friends(first: 50) { totalCount edges { node { email joinedAt state } } } }
  tier { name progress { nextTier remaining { amount } } }
  history(first: 50) { totalCount edges { node { type amount expiresAt
    reference { type id } } } }
  reviews(first: 50) { totalCount edges { node { status orderId } } }
} }"""


def _member_with(program, user, n):
    points = ledger.open_account(program, user.pk, "points")
    referrals.create_code(user.pk)
    for i in range(n):
        ledger.credit(
            points,
            10,
            key=f"{user.pk}-{i}",
            source="loyalty",
            expires_in_days=10,
            reference=ledger.Reference("ORDER", str(i)),
        )
        friend = User.objects.create(email=f"friend-{user.pk}-{i}@example.com")
        Referral.objects.create(sponsor_id=user.pk, friend_id=friend.pk, source="claim")
        Review.objects.create(
            program=program,
            member_id=user.pk,
            order_id=str(i),
            order_line_id=f"{user.pk}-{i}",
            text="Fine.",
        )


def _queries(rewards_api, user, channel) -> int:
    token = create_access_token(user)
    rewards_api.execute(FULL, {"channel": channel.slug}, token=token)  # Saleor's caches
    with CaptureQueriesContext(connection) as captured:
        body = rewards_api.execute(FULL, {"channel": channel.slug}, token=token)
    assert "errors" not in body, body
    assert len(body["data"]["rewardsMe"]["referral"]["friends"]["edges"]) in (2, 20)
    return len(captured.captured_queries)


def test_rewards_me_queries_do_not_grow_with_friends_history_or_reviews(
    active_rewards_plugin, rewards_api, program, channel_USD, customer_user, customer_user2
):
    _member_with(program, customer_user, 2)
    _member_with(program, customer_user2, 20)

    assert _queries(rewards_api, customer_user, channel_USD) == _queries(
        rewards_api, customer_user2, channel_USD
    )
