"""SPEC §0, I2 and I3 through the HTTP view, with requestors as the Saleor adapter
makes them (``saleor_adapter/auth.py`` fills ``channels`` from Saleor's permission
groups). The Saleor integration suite (``tests/integration/test_staff_value.py``)
covers the same with real tokens and groups.
"""

import json
import uuid

import pytest
from django.test import RequestFactory
from graphql_relay import to_global_id

from saleor_rewards.graphql import view
from saleor_rewards.graphql.context import Requestor, RequestorKind, RewardsContext
from saleor_rewards.graphql.permissions import (
    MANAGE_DISCOUNTS,
    MANAGE_GIFT_CARD,
    MANAGE_PLUGINS,
    MANAGE_USERS,
)
from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.ledger.models import Entry, Program
from saleor_rewards.programs.channel.members import Member
from saleor_rewards.programs.reviews.models import Review
from saleor_rewards.programs.reviews.ports import OrderLineInfo
from saleor_rewards.programs.reviews.services import submit_review
from saleor_rewards.programs.tiers.models import Tier
from saleor_rewards.programs.tiers.services import create_default_tiers
from saleor_rewards.programs.vouchers.models import VoucherConversion

from ...fakes import fake_shop

pytestmark = pytest.mark.django_db

EVERYTHING = frozenset({MANAGE_USERS, MANAGE_GIFT_CARD, MANAGE_DISCOUNTS, MANAGE_PLUGINS})
STAFF = Requestor(kind=RequestorKind.STAFF, user_id=1, permissions=EVERYTHING)
MAIN_ONLY = Requestor(
    kind=RequestorKind.STAFF, user_id=2, permissions=EVERYTHING, channels=frozenset({"main"})
)
NO_CHANNEL = Requestor(
    kind=RequestorKind.STAFF, user_id=3, permissions=EVERYTHING, channels=frozenset()
)
APP = Requestor(kind=RequestorKind.APP, app_id=9, permissions=EVERYTHING)
CUSTOMER = Requestor(kind=RequestorKind.CUSTOMER, user_id=7)

ADJUST = """mutation($user: ID!, $channel: String!, $kind: RewardsBalanceKind!,
  $amount: Decimal!, $reason: String!, $key: String, $days: Int) {
  rewardsBalanceAdjust(userId: $user, channel: $channel, kind: $kind, amount: $amount,
    reason: $reason, idempotencyKey: $key, expiresInDays: $days) {
    errors { field code message } entry { amount reason }
    member { points { available } } } }"""
MEMBER = """query($channel: String!) { rewardsMember(userId: "%s", channel: $channel) {
  history(first: 5) { edges { node { type reason } } } } }""" % to_global_id("User", 7)
ME = """{ rewardsMe(channel: "main") { history(first: 5) { edges { node { type reason } } } } }"""


@pytest.fixture
def programs():
    main = Program.objects.create(channel_slug="main", currency="EUR")
    other = Program.objects.create(channel_slug="other", currency="EUR")
    for program in (main, other):
        create_default_tiers(program)
    return main, other


def post(query, variables=None, requestor=STAFF, *, settings=None, shop=None):
    body = json.dumps({"query": query, "variables": variables or {}})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    context = RewardsContext(
        shop=shop or fake_shop(), requestor=requestor, plugin_settings=settings or {}
    )
    return json.loads(view.handle(request, context).content)


def adjust(amount="100", requestor=STAFF, *, user=7, settings=None, **changes):
    variables = {
        "user": to_global_id("User", user),
        "channel": "main",
        "kind": "POINTS",
        "amount": amount,
        "reason": "Goodwill",
    } | changes
    return post(ADJUST, variables, requestor, settings=settings)["data"]["rewardsBalanceAdjust"]


def errors(result):
    return [(e["code"], e["field"]) for e in result["errors"]]


# --- who ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "permissions",
    [frozenset({MANAGE_USERS}), frozenset({MANAGE_DISCOUNTS}), frozenset({MANAGE_PLUGINS})],
)
def test_I2_a_credit_needs_manage_gift_card(programs, permissions):
    staff = Requestor(kind=RequestorKind.STAFF, user_id=1, permissions=permissions)
    assert errors(adjust(requestor=staff)) == [("PERMISSION_DENIED", None)]
    assert Entry.objects.count() == 0


def test_I2_an_app_with_manage_gift_card_credits(programs):
    assert errors(adjust(requestor=APP)) == []


@pytest.mark.parametrize("amount", ["100", "-1"])
def test_I2_nobody_adjusts_their_own_balance(programs, amount):
    credit(open_account(programs[0], 1, Kind.POINTS), 50, key="own", source=LotSource.BONUS)
    entries = Entry.objects.count()

    result = adjust(amount, user=1)

    assert errors(result) == [("PERMISSION_DENIED", "userId")]
    assert Entry.objects.count() == entries


def test_I2_nobody_approves_their_own_review(programs):
    main, _ = programs
    line = OrderLineInfo(str(uuid.uuid4()), "o-1", 1, "main", fulfilled=True)
    review = submit_review(Member(main, 1), line, "x" * 40, settings={"program_enabled": True})
    query = """mutation($id: ID!) { rewardsReviewModerate(id: $id, action: APPROVE) {
      errors { code field } } }"""

    body = post(query, {"id": to_global_id("RewardsReview", review.id)})

    assert body["data"]["rewardsReviewModerate"]["errors"] == [
        {"code": "PERMISSION_DENIED", "field": "id"}
    ]
    assert Review.objects.get().status == "pending"


def test_T2_tier_edits_need_manage_discounts(programs):
    tier = Tier.objects.get(program=programs[0], name="Regular")
    users_only = Requestor(
        kind=RequestorKind.STAFF, user_id=1, permissions=frozenset({MANAGE_USERS})
    )
    query = """mutation($id: ID!) { rewardsTierUpdate(id: $id, input: {maxRedeemPercent: "90"})
      { errors { code } } }"""

    body = post(query, {"id": to_global_id("RewardsTier", tier.id)}, users_only)

    assert body["data"]["rewardsTierUpdate"]["errors"] == [{"code": "PERMISSION_DENIED"}]
    # while reading them needs either permission
    read = """{ rewardsTiers(channel: "main") { name } }"""
    assert "errors" not in post(read, requestor=users_only)
    discounts_only = Requestor(
        kind=RequestorKind.STAFF, user_id=1, permissions=frozenset({MANAGE_DISCOUNTS})
    )
    assert "errors" not in post(read, requestor=discounts_only)


# --- how much -----------------------------------------------------------------------------


def test_I2_a_credit_is_at_most_adjust_max_points(programs):
    limited = {"adjust_max_points": "1000"}

    assert errors(adjust("1001", settings=limited)) == [("LIMIT_EXCEEDED", "amount")]
    assert errors(adjust("10.01", settings=limited, kind="CASH")) == [("LIMIT_EXCEEDED", "amount")]
    assert Entry.objects.count() == 0
    assert errors(adjust("1000", settings=limited)) == []
    assert errors(adjust("10.00", settings=limited, kind="CASH")) == []
    assert errors(adjust("-500", settings=limited)) == []


def test_I2_the_default_limit_is_10000_points(programs):
    assert errors(adjust("10001")) == [("LIMIT_EXCEEDED", "amount")]
    assert errors(adjust("10000")) == []


def test_I2_adjust_max_points_0_allows_only_corrections_down(programs):
    credit(open_account(programs[0], 7, Kind.POINTS), 50, key="seed", source=LotSource.BONUS)
    off = {"adjust_max_points": "0"}

    assert errors(adjust("1", settings=off)) == [("LIMIT_EXCEEDED", "amount")]
    assert errors(adjust("-20", settings=off)) == []


def test_I2_a_channel_may_have_its_own_limit(programs):
    main, _ = programs
    main.settings = {"adjust_max_points": "200"}
    main.save()

    assert errors(adjust("201")) == [("LIMIT_EXCEEDED", "amount")]


# --- where ---------------------------------------------------------------------------------


def test_P4_restricted_staff_act_only_in_their_channels(programs):
    main, other = programs
    other_tier = Tier.objects.get(program=other, name="Regular")
    line = OrderLineInfo(str(uuid.uuid4()), "o-2", 7, "other", fulfilled=True)
    other_review = submit_review(
        Member(other, 7), line, "y" * 40, settings={"program_enabled": True}
    )
    denied = {"code": "PERMISSION_DENIED", "field": "channel"}

    assert errors(adjust(requestor=MAIN_ONLY, channel="other")) == [
        ("PERMISSION_DENIED", "channel")
    ]
    body = post(MEMBER, {"channel": "other"}, MAIN_ONLY)
    assert body["errors"][0]["extensions"] == denied
    body = post("""{ rewardsProgram(channel: "other") { channel } }""", requestor=MAIN_ONLY)
    assert body["errors"][0]["extensions"] == denied
    body = post("""{ rewardsTiers(channel: "other") { name } }""", requestor=MAIN_ONLY)
    assert body["errors"][0]["extensions"] == denied
    body = post(
        """mutation($id: ID!) { rewardsTierDelete(id: $id) { errors { code field } } }""",
        {"id": to_global_id("RewardsTier", other_tier.id)},
        MAIN_ONLY,
    )
    assert body["data"]["rewardsTierDelete"]["errors"] == [denied]
    body = post(
        """mutation($id: ID!) { rewardsReviewModerate(id: $id, action: REJECT) {
      errors { code field } } }""",
        {"id": to_global_id("RewardsReview", other_review.id)},
        MAIN_ONLY,
    )
    assert body["data"]["rewardsReviewModerate"]["errors"] == [denied]
    body = post("""{ rewardsReviews(first: 5) { totalCount } }""", requestor=MAIN_ONLY)
    assert body["data"]["rewardsReviews"]["totalCount"] == 0
    assert Entry.objects.count() == 0

    # in their own channel they act as usual
    assert errors(adjust(requestor=MAIN_ONLY)) == []


def test_P4_staff_with_no_channel_act_nowhere_and_apps_everywhere(programs):
    assert errors(adjust(requestor=NO_CHANNEL)) == [("PERMISSION_DENIED", "channel")]
    assert errors(adjust(requestor=APP, channel="other")) == []


# --- idempotency keys ----------------------------------------------------------------------


@pytest.mark.parametrize(
    "changed",
    [
        {"amount": "150"},
        {"amount": "-100"},
        {"reason": "Other"},
        {"kind": "CASH"},
        {"channel": "other"},
        {"days": 5},
    ],
    ids=["amount", "sign", "reason", "kind", "channel", "expiry"],
)
def test_I2_a_key_replayed_with_other_arguments_is_a_conflict(programs, changed):
    credit(open_account(programs[0], 7, Kind.POINTS), 500, key="seed", source=LotSource.BONUS)
    first = adjust(key="k-1", days=30)
    assert errors(first) == []
    entries = Entry.objects.count()

    result = adjust(key="k-1", **({"days": 30} | changed))

    assert errors(result) == [("CONFLICT", "idempotencyKey")]
    assert result["entry"] is None
    assert Entry.objects.count() == entries
    # the same arguments again: the first result
    assert adjust(key="k-1", days=30) == first


def test_I2_a_replay_returns_the_first_result_even_after_the_limit_was_lowered(programs):
    first = adjust("500", key="k-1")
    assert errors(first) == []

    again = adjust("500", key="k-1", settings={"adjust_max_points": "100"})

    assert again == first
    assert Entry.objects.count() == 1


def test_I2_the_same_key_for_another_member_is_another_request(programs):
    assert errors(adjust(key="k-1")) == []
    assert errors(adjust(key="k-1", user=8)) == []
    assert Entry.objects.count() == 2


def test_I2_a_voucher_key_sent_for_another_channel_is_a_conflict(programs):
    for program in programs:
        credit(open_account(program, 7, Kind.POINTS), 1000, key="seed", source=LotSource.BONUS)
    query = """mutation($channel: String!, $key: String) { rewardsVoucherCreate(
      channel: $channel, points: 500, idempotencyKey: $key) { errors { code field } } }"""

    first = post(query, {"channel": "main", "key": "v-1"}, CUSTOMER)
    again = post(query, {"channel": "other", "key": "v-1"}, CUSTOMER)

    assert first["data"]["rewardsVoucherCreate"]["errors"] == []
    assert again["data"]["rewardsVoucherCreate"]["errors"] == [
        {"code": "CONFLICT", "field": "idempotencyKey"}
    ]
    assert VoucherConversion.objects.count() == 1


# --- what the customer sees -----------------------------------------------------------------


def test_I3_the_member_reads_a_generic_reason_for_staff_adjustments(programs):
    adjust(reason="Ticket 4711: customer was rude on the phone")

    mine = post(ME, requestor=CUSTOMER)["data"]["rewardsMe"]["history"]["edges"]
    theirs = post(MEMBER, {"channel": "main"})["data"]["rewardsMember"]["history"]["edges"]

    assert [edge["node"] for edge in mine] == [{"type": "ADJUST", "reason": "Adjusted by the shop"}]
    assert theirs[0]["node"]["reason"] == "Ticket 4711: customer was rude on the phone"
