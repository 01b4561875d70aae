"""SPEC §0 and I2 inside a real Saleor 3.23: staff and Apps cannot create value for
themselves. Permissions come from Saleor's own tokens and permission groups:

- a balance credit needs MANAGE_GIFT_CARD (MANAGE_USERS only reads members), tier
  discounts and caps MANAGE_DISCOUNTS, as Saleor guards its own money-like things;
- nobody adjusts their own balance or approves their own review;
- a credit above ``adjust_max_points`` is LIMIT_EXCEEDED;
- staff whose permission groups are restricted to some channels act only there
  (Saleor's ``restricted_access_to_channels``); Apps are not channel-restricted;
- an idempotency key replayed with other arguments is a CONFLICT, never the first
  result.
"""

from decimal import Decimal

import pytest
from saleor.account.models import Group
from saleor.core.jwt import create_access_token, create_access_token_for_app
from saleor.discount.models import Voucher

from saleor_rewards.events.models import AuditEvent
from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.ledger.models import Account
from saleor_rewards.programs.channel.members import Member
from saleor_rewards.programs.reviews.models import Review
from saleor_rewards.programs.reviews.ports import OrderLineInfo
from saleor_rewards.programs.reviews.services import submit_review
from saleor_rewards.programs.tiers.models import Tier

from .helpers import ledger_row_counts, settle_deferred_checks, user_global_id
from .storefront import gid

ADJUST = """
mutation Adjust($userId: ID!, $channel: String!, $kind: RewardsBalanceKind!,
                $amount: Decimal!, $reason: String!, $key: String) {
  rewardsBalanceAdjust(userId: $userId, channel: $channel, kind: $kind, amount: $amount,
                       reason: $reason, idempotencyKey: $key) {
    errors { field code message }
    entry { type amount reason }
    member { points { available } cash { available { amount currency } } }
  }
}
"""

MEMBER = """
query Member($userId: ID!, $channel: String!) {
  rewardsMember(userId: $userId, channel: $channel) { points { available } }
}
"""

TIER_UPDATE = """
mutation Tier($id: ID!, $percent: Decimal!) {
  rewardsTierUpdate(id: $id, input: {discountPercent: $percent}) {
    errors { field code message }
    tier { discountPercent }
  }
}
"""

PROGRAM = """
query Program($channel: String!) { rewardsProgram(channel: $channel) { channel } }
"""

REVIEWS = """
query Reviews($channel: String) {
  rewardsReviews(channel: $channel, first: 20) { totalCount edges { node { id } } }
}
"""

MODERATE = """
mutation Moderate($id: ID!) {
  rewardsReviewModerate(id: $id, action: APPROVE) {
    errors { field code message }
    review { status points }
  }
}
"""

VOUCHER = """
mutation Voucher($channel: String!, $points: Int!, $key: String) {
  rewardsVoucherCreate(channel: $channel, points: $points, idempotencyKey: $key) {
    errors { field code message }
    voucherCode
  }
}
"""


def _adjust(user, channel, amount, *, kind="POINTS", reason="Goodwill", key=None):
    return {
        "userId": user_global_id(user),
        "channel": channel.slug,
        "kind": kind,
        "amount": amount,
        "reason": reason,
        "key": key,
    }


def _errors(body, name):
    assert "errors" not in body, body["errors"]
    return [(e["code"], e["field"]) for e in body["data"][name]["errors"]]


def _codes(body):
    return [error.get("extensions", {}).get("code") for error in body.get("errors", [])]


def _rows() -> tuple:
    return ledger_row_counts(), AuditEvent.objects.count()


@pytest.fixture
def staff_with(staff_user):
    """A token of ``staff_user`` in a new permission group with ``permissions``;
    ``channels`` restricts the group to them (Saleor's restricted_access_to_channels)."""

    def make(*permissions, channels=None, user=staff_user):
        group = Group.objects.create(
            name=f"Rewards test group {Group.objects.count()}",
            restricted_access_to_channels=channels is not None,
        )
        group.permissions.add(*permissions)
        if channels:
            group.channels.add(*channels)
        group.user_set.add(user)
        return create_access_token(user)

    return make


@pytest.fixture
def pln_program(channel_PLN):
    from saleor_rewards.saleor_adapter.use_cases.programs import create_program

    return create_program(channel_PLN)


# --- who may credit --------------------------------------------------------------


def test_I2_a_credit_needs_manage_gift_card_not_manage_users(
    active_rewards_plugin,
    rewards_api,
    staff_with,
    permission_manage_users,
    customer_user,
    channel_USD,
    program,
):
    # given a staff member who may read members (MANAGE_USERS) but not create value
    token = staff_with(permission_manage_users)
    before = _rows()

    # when they credit a customer
    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_USD, "500"), token=token)

    # then PERMISSION_DENIED and nothing is written
    assert _errors(body, "rewardsBalanceAdjust") == [("PERMISSION_DENIED", None)]
    assert _rows() == before


def test_I2_staff_with_manage_gift_card_credit_a_member(
    active_rewards_plugin,
    rewards_api,
    staff_with,
    permission_manage_gift_card,
    customer_user,
    channel_USD,
    program,
):
    token = staff_with(permission_manage_gift_card)

    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_USD, "500"), token=token)

    assert _errors(body, "rewardsBalanceAdjust") == []
    assert body["data"]["rewardsBalanceAdjust"]["member"]["points"]["available"] == 500


def test_I2_an_app_without_manage_gift_card_cannot_credit(
    active_rewards_plugin,
    rewards_api,
    app,
    permission_manage_users,
    permission_manage_gift_card,
    customer_user,
    channel_USD,
    program,
):
    # given an App that manages users, not gift cards
    app.permissions.add(permission_manage_users)
    _, token = app.tokens.create(name="crm")
    before = _rows()

    # when it credits a customer, it is refused
    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_USD, "500"), token=token)
    assert _errors(body, "rewardsBalanceAdjust") == [("PERMISSION_DENIED", None)]
    assert _rows() == before

    # and with MANAGE_GIFT_CARD it may
    app.permissions.add(permission_manage_gift_card)
    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_USD, "500"), token=token)
    assert _errors(body, "rewardsBalanceAdjust") == []


@pytest.mark.parametrize("amount", ["500", "-1"])
def test_I2_nobody_adjusts_their_own_balance(
    amount,
    active_rewards_plugin,
    rewards_api,
    staff_with,
    staff_user,
    permission_manage_gift_card,
    channel_USD,
    program,
):
    # given a staff member who may credit members, and has points of their own
    token = staff_with(permission_manage_gift_card)
    account = open_account(program, staff_user.pk, Kind.POINTS)
    credit(account, 100, key="own", source=LotSource.BONUS)
    settle_deferred_checks()
    before = _rows()

    # when they adjust their own balance
    body = rewards_api.execute(ADJUST, _adjust(staff_user, channel_USD, amount), token=token)

    # then PERMISSION_DENIED and nothing is written
    assert _errors(body, "rewardsBalanceAdjust") == [("PERMISSION_DENIED", "userId")]
    assert _rows() == before


def test_I2_an_app_extension_cannot_credit_the_staff_member_it_acts_for(
    active_rewards_plugin,
    rewards_api,
    app,
    staff_with,
    staff_user,
    permission_manage_gift_card,
    channel_USD,
    program,
):
    # given a Dashboard extension token of an App with MANAGE_GIFT_CARD, for a staff
    # member who has it too
    app.permissions.add(permission_manage_gift_card)
    staff_with(permission_manage_gift_card)
    token = create_access_token_for_app(app, staff_user)
    before = _rows()

    # when the extension credits that staff member
    body = rewards_api.execute(ADJUST, _adjust(staff_user, channel_USD, "500"), token=token)

    # then it is the staff member crediting themselves: refused
    assert _errors(body, "rewardsBalanceAdjust") == [("PERMISSION_DENIED", "userId")]
    assert _rows() == before


def test_I2_staff_cannot_approve_their_own_review(
    active_rewards_plugin,
    rewards_api,
    staff_with,
    staff_user,
    permission_manage_users,
    channel_USD,
    program,
):
    # given a staff member who moderates reviews, with a review of their own purchase
    token = staff_with(permission_manage_users)
    line = OrderLineInfo(
        line_id="3f1c2f3e-0000-4000-8000-000000000001",
        order_id="o-1",
        owner_id=staff_user.pk,
        channel_slug=channel_USD.slug,
        fulfilled=True,
    )
    review = submit_review(
        Member(program, staff_user.pk), line, "x" * 40, settings={"program_enabled": True}
    )
    before = _rows()

    # when they approve it
    body = rewards_api.execute(MODERATE, {"id": gid("RewardsReview", review.id)}, token=token)

    # then PERMISSION_DENIED: approval credits points (B2); the review stays pending
    assert _errors(body, "rewardsReviewModerate") == [("PERMISSION_DENIED", "id")]
    assert _rows() == before
    assert Review.objects.get().status == "pending"


# --- how much --------------------------------------------------------------------


def test_I2_a_credit_above_adjust_max_points_is_refused(
    plugin_configuration_row,
    rewards_api,
    staff_with,
    permission_manage_gift_card,
    customer_user,
    channel_USD,
    program,
):
    # given the merchant allows at most 1,000 points (10.00 USD) per adjustment
    plugin_configuration_row(active=True, adjust_max_points="1000")
    token = staff_with(permission_manage_gift_card)
    before = _rows()

    # when staff credit 1,001 points, or 10.01 USD of cash
    points = rewards_api.execute(ADJUST, _adjust(customer_user, channel_USD, "1001"), token=token)
    cash = rewards_api.execute(
        ADJUST, _adjust(customer_user, channel_USD, "10.01", kind="CASH"), token=token
    )

    # then both are LIMIT_EXCEEDED and nothing is written
    assert _errors(points, "rewardsBalanceAdjust") == [("LIMIT_EXCEEDED", "amount")]
    assert _errors(cash, "rewardsBalanceAdjust") == [("LIMIT_EXCEEDED", "amount")]
    assert _rows() == before

    # and up to the limit, and corrections down, are fine
    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_USD, "1000"), token=token)
    assert _errors(body, "rewardsBalanceAdjust") == []
    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_USD, "-400"), token=token)
    assert _errors(body, "rewardsBalanceAdjust") == []
    assert body["data"]["rewardsBalanceAdjust"]["member"]["points"]["available"] == 600


def test_I2_by_default_a_credit_is_at_most_10000_points(
    active_rewards_plugin,
    rewards_api,
    staff_with,
    permission_manage_gift_card,
    customer_user,
    channel_USD,
    program,
):
    token = staff_with(permission_manage_gift_card)

    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_USD, "10001"), token=token)

    assert _errors(body, "rewardsBalanceAdjust") == [("LIMIT_EXCEEDED", "amount")]


# --- tiers -------------------------------------------------------------------------


def test_T2_tier_discounts_and_caps_need_manage_discounts(
    active_rewards_plugin,
    rewards_api,
    staff_with,
    staff_users,
    permission_manage_users,
    permission_manage_discounts,
    channel_USD,
    program,
):
    regular = Tier.objects.get(program=program, name="Regular")
    variables = {"id": gid("RewardsTier", regular.id), "percent": "5"}

    # given a staff member who manages users only: refused
    users_token = staff_with(permission_manage_users)
    body = rewards_api.execute(TIER_UPDATE, variables, token=users_token)
    assert _errors(body, "rewardsTierUpdate") == [("PERMISSION_DENIED", None)]
    regular.refresh_from_db()
    assert regular.discount_percent == Decimal("0.5")

    # and one who manages discounts (Saleor's permission for promotions and vouchers)
    discounts_token = staff_with(permission_manage_discounts, user=staff_users[1])
    body = rewards_api.execute(TIER_UPDATE, variables, token=discounts_token)
    assert _errors(body, "rewardsTierUpdate") == []
    assert body["data"]["rewardsTierUpdate"]["tier"]["discountPercent"] == 5


# --- channels ------------------------------------------------------------------------


def test_P4_staff_restricted_to_a_channel_act_only_in_that_channel(
    active_rewards_plugin,
    rewards_api,
    staff_with,
    permission_manage_users,
    permission_manage_gift_card,
    permission_manage_discounts,
    permission_manage_plugins,
    customer_user,
    channel_USD,
    channel_PLN,
    program,
    pln_program,
):
    # given staff with every rewards permission, in a group restricted to USD
    token = staff_with(
        permission_manage_users,
        permission_manage_gift_card,
        permission_manage_discounts,
        permission_manage_plugins,
        channels=[channel_USD],
    )
    pln_tier = Tier.objects.get(program=pln_program, name="Regular")
    line = OrderLineInfo(
        line_id="3f1c2f3e-0000-4000-8000-000000000002",
        order_id="o-2",
        owner_id=customer_user.pk,
        channel_slug=channel_PLN.slug,
        fulfilled=True,
    )
    pln_review = submit_review(
        Member(pln_program, customer_user.pk), line, "y" * 40, settings={"program_enabled": True}
    )
    before = _rows()
    pln = {"userId": user_global_id(customer_user), "channel": channel_PLN.slug}

    # when they act in PLN: every call is refused, nothing is written
    body = rewards_api.execute(MEMBER, pln, token=token)
    assert body["data"] == {"rewardsMember": None}
    assert _codes(body) == ["PERMISSION_DENIED"]
    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_PLN, "5"), token=token)
    assert _errors(body, "rewardsBalanceAdjust") == [("PERMISSION_DENIED", "channel")]
    body = rewards_api.execute(
        TIER_UPDATE, {"id": gid("RewardsTier", pln_tier.id), "percent": "5"}, token=token
    )
    assert _errors(body, "rewardsTierUpdate") == [("PERMISSION_DENIED", "channel")]
    body = rewards_api.execute(PROGRAM, {"channel": channel_PLN.slug}, token=token)
    assert _codes(body) == ["PERMISSION_DENIED"]
    response = rewards_api.post(REVIEWS, {"channel": channel_PLN.slug}, token=token)
    assert _codes(response.json()) == ["PERMISSION_DENIED"]
    body = rewards_api.execute(MODERATE, {"id": gid("RewardsReview", pln_review.id)}, token=token)
    assert _errors(body, "rewardsReviewModerate") == [("PERMISSION_DENIED", "channel")]
    assert _rows() == before

    # and a list over every channel shows them only USD's reviews
    body = rewards_api.execute(REVIEWS, {"channel": None}, token=token)
    assert body["data"]["rewardsReviews"]["totalCount"] == 0

    # while in USD they act as usual
    usd = {"userId": user_global_id(customer_user), "channel": channel_USD.slug}
    assert "errors" not in rewards_api.execute(MEMBER, usd, token=token)
    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_USD, "5"), token=token)
    assert _errors(body, "rewardsBalanceAdjust") == []


def test_P4_staff_without_a_permission_group_act_in_no_channel(
    active_rewards_plugin,
    rewards_api,
    staff_user,
    permission_manage_gift_card,
    customer_user,
    channel_USD,
    program,
):
    # given a staff member holding the permission directly, in no permission group:
    # Saleor gives them no channel (graphql/account/dataloaders.py)
    staff_user.user_permissions.add(permission_manage_gift_card)
    token = create_access_token(staff_user)

    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_USD, "5"), token=token)

    assert _errors(body, "rewardsBalanceAdjust") == [("PERMISSION_DENIED", "channel")]


def test_P4_apps_are_not_channel_restricted(
    active_rewards_plugin,
    rewards_api,
    app,
    permission_manage_gift_card,
    customer_user,
    channel_PLN,
    pln_program,
):
    app.permissions.add(permission_manage_gift_card)
    _, token = app.tokens.create(name="back office")

    body = rewards_api.execute(ADJUST, _adjust(customer_user, channel_PLN, "5"), token=token)

    assert _errors(body, "rewardsBalanceAdjust") == []


# --- idempotency keys ---------------------------------------------------------------


@pytest.mark.parametrize(
    "changed",
    [
        pytest.param({"amount": "200"}, id="amount"),
        pytest.param({"amount": "-100"}, id="sign"),
        pytest.param({"reason": "Another reason"}, id="reason"),
        pytest.param({"kind": "CASH"}, id="kind"),
        pytest.param({"channel": "c-pln"}, id="channel"),
    ],
)
def test_I2_an_adjustment_key_replayed_with_other_arguments_is_a_conflict(
    changed,
    active_rewards_plugin,
    rewards_api,
    staff_with,
    permission_manage_gift_card,
    customer_user,
    channel_USD,
    program,
    pln_program,
):
    token = staff_with(permission_manage_gift_card)
    first = _adjust(customer_user, channel_USD, "100", key="ticket-42")
    body = rewards_api.execute(ADJUST, first, token=token)
    assert _errors(body, "rewardsBalanceAdjust") == []
    before = _rows()

    # when the same key comes again with one argument changed
    body = rewards_api.execute(ADJUST, first | changed, token=token)

    # then CONFLICT, not the first result, and nothing more is written
    assert _errors(body, "rewardsBalanceAdjust") == [("CONFLICT", "idempotencyKey")]
    assert body["data"]["rewardsBalanceAdjust"]["entry"] is None
    assert _rows() == before

    # while the same request again is the first result, applied once
    body = rewards_api.execute(ADJUST, first, token=token)
    assert _errors(body, "rewardsBalanceAdjust") == []
    assert body["data"]["rewardsBalanceAdjust"]["member"]["points"]["available"] == 100
    assert _rows() == before


def test_I2_a_voucher_key_replayed_in_another_channel_is_a_conflict(
    store,
    rewards_api,
    customer_user,
    program,
    pln_program,
):
    for each in (program, pln_program):
        account = open_account(each, customer_user.pk, Kind.POINTS)
        credit(account, 1000, key="seed", source=LotSource.LOYALTY)
    settle_deferred_checks()
    token = create_access_token(customer_user)
    body = rewards_api.execute(
        VOUCHER, {"channel": "main", "points": 500, "key": "k-1"}, token=token
    )
    assert _errors(body, "rewardsVoucherCreate") == []
    before = _rows(), Voucher.objects.count()

    # when the member sends the same key for the other channel
    body = rewards_api.execute(
        VOUCHER, {"channel": pln_program.channel_slug, "points": 500, "key": "k-1"}, token=token
    )

    # then CONFLICT: no second voucher, no debit in PLN
    assert _errors(body, "rewardsVoucherCreate") == [("CONFLICT", "idempotencyKey")]
    assert (_rows(), Voucher.objects.count()) == before
    pln_points = Account.objects.get(
        program=pln_program, member_id=customer_user.pk, kind=Kind.POINTS
    )
    assert pln_points.available == 1000
