"""The GraphQL contract through the HTTP view, with requestors as the adapter makes them.

The Saleor integration suite covers the same calls with Saleor's real tokens.
"""

import json

import pytest
from django.test import RequestFactory
from graphql_relay import to_global_id

from saleor_rewards import ledger
from saleor_rewards.graphql import view
from saleor_rewards.graphql.context import Requestor, RequestorKind, RewardsContext
from saleor_rewards.graphql.permissions import MANAGE_GIFT_CARD, MANAGE_USERS
from saleor_rewards.ledger.models import Entry, Program

from ...fakes import fake_shop

pytestmark = pytest.mark.django_db

ME = """query($channel: String!) { rewardsMe(channel: $channel) {
  userId channel points { available pending held expiringSoon { points expiresAt } }
  cash { available { amount currency } held { amount currency } }
  history(first: 10) { totalCount edges { node { kind type amount balanceAfter
    reason reference { type id } } } } } }"""
MEMBER = """query($user: ID!, $channel: String!) {
  rewardsMember(userId: $user, channel: $channel) { userId points { available } } }"""
ADJUST = """mutation($user: ID!, $channel: String!, $kind: RewardsBalanceKind!,
  $amount: Decimal!, $reason: String!, $key: String) {
  rewardsBalanceAdjust(userId: $user, channel: $channel, kind: $kind, amount: $amount,
    reason: $reason, idempotencyKey: $key) {
    errors { field code message } entry { type amount balanceAfter reason }
    member { points { available } cash { available { amount currency } } } } }"""

CUSTOMER = Requestor(kind=RequestorKind.CUSTOMER, user_id=7, email="c@example.com")
OTHER_CUSTOMER = Requestor(kind=RequestorKind.CUSTOMER, user_id=8)
STAFF = Requestor(kind=RequestorKind.STAFF, user_id=1, permissions=frozenset({MANAGE_USERS}))
STAFF_NO_PERMS = Requestor(kind=RequestorKind.STAFF, user_id=2)
# Crediting a balance creates value: MANAGE_GIFT_CARD (SPEC §0).
ADJUSTER = Requestor(
    kind=RequestorKind.STAFF, user_id=1, permissions=frozenset({MANAGE_USERS, MANAGE_GIFT_CARD})
)


@pytest.fixture
def program():
    return Program.objects.create(channel_slug="main", currency="EUR")


def call(query, variables, requestor, *, raw=None):
    body = raw if raw is not None else json.dumps({"query": query, "variables": variables})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    response = view.handle(request, RewardsContext(shop=fake_shop(), requestor=requestor))
    return response.status_code, json.loads(response.content)


def user_id(pk):
    return to_global_id("User", pk)


def test_customer_reads_own_points_cash_and_history(program):
    points = ledger.open_account(program, 7, "points")
    ledger.credit(
        points,
        250,
        key="k1",
        source="loyalty",
        expires_in_days=10,
        reference=ledger.Reference("ORDER", "9f1c"),
    )
    ledger.credit(points, 40, key="k2", source="loyalty", pending=True)
    status, body = call(ME, {"channel": "main"}, CUSTOMER)
    assert status == 200, body
    me = body["data"]["rewardsMe"]
    assert me["userId"] == user_id(7)
    assert me["points"] == {
        "available": 250,
        "pending": 40,
        "held": 0,
        "expiringSoon": [
            {"points": 250, "expiresAt": me["points"]["expiringSoon"][0]["expiresAt"]}
        ],
    }
    assert me["cash"]["available"] == {"amount": 0.0, "currency": "EUR"}
    history = me["history"]
    assert history["totalCount"] == 2
    newest, oldest = (edge["node"] for edge in history["edges"])
    assert (newest["type"], newest["amount"], newest["balanceAfter"]) == ("EARN", 40, 250)
    assert oldest["reference"] == {"type": "ORDER", "id": to_global_id("Order", "9f1c")}


def test_anonymous_gets_permission_denied_and_no_data(program):
    status, body = call(ME, {"channel": "main"}, Requestor())
    assert body["data"] == {"rewardsMe": None}
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_unknown_channel_is_not_found(program):
    _, body = call(ME, {"channel": "nope"}, CUSTOMER)
    assert body["errors"][0]["extensions"] == {"code": "NOT_FOUND", "field": "channel"}


def test_customer_cannot_read_another_member(program):
    _, body = call(MEMBER, {"user": user_id(7), "channel": "main"}, OTHER_CUSTOMER)
    assert body["data"] == {"rewardsMember": None}
    assert body["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_staff_with_manage_gift_card_adjusts_points_with_a_reason(program):
    _, body = call(
        ADJUST,
        {
            "user": user_id(7),
            "channel": "main",
            "kind": "POINTS",
            "amount": "500",
            "reason": "goodwill",
        },
        ADJUSTER,
    )
    result = body["data"]["rewardsBalanceAdjust"]
    assert result["errors"] == []
    assert result["entry"] == {
        "type": "ADJUST",
        "amount": 500,
        "balanceAfter": 500,
        "reason": "goodwill",
    }
    entry = Entry.objects.get()
    assert (entry.actor_type, entry.actor_id, entry.account.member_id) == ("staff", "1", 7)


def test_staff_adjusts_cash_in_the_channel_currency(program):
    _, body = call(
        ADJUST,
        {
            "user": user_id(7),
            "channel": "main",
            "kind": "CASH",
            "amount": "12.50",
            "reason": "claim",
        },
        ADJUSTER,
    )
    member = body["data"]["rewardsBalanceAdjust"]["member"]
    assert member["cash"]["available"] == {"amount": 12.5, "currency": "EUR"}


def test_adjustment_replayed_with_its_key_applies_once(program):
    variables = {
        "user": user_id(7),
        "channel": "main",
        "kind": "POINTS",
        "amount": "100",
        "reason": "retry-safe",
        "key": "ticket-42",
    }
    call(ADJUST, variables, ADJUSTER)
    _, body = call(ADJUST, variables, ADJUSTER)
    assert body["data"]["rewardsBalanceAdjust"]["member"]["points"]["available"] == 100
    assert Entry.objects.count() == 1


def test_each_mutation_of_a_request_shows_the_balance_after_it(program):
    # Loaders cache per request; a mutation must not show what was read before it.
    twice = """mutation($user: ID!) {
      first: rewardsBalanceAdjust(userId: $user, channel: "main", kind: POINTS,
        amount: "100", reason: "one") { member { points { available } } }
      second: rewardsBalanceAdjust(userId: $user, channel: "main", kind: POINTS,
        amount: "50", reason: "two") { member { points { available } } } }"""
    _, body = call(twice, {"user": user_id(7)}, ADJUSTER)
    assert body["data"]["first"]["member"]["points"]["available"] == 100
    assert body["data"]["second"]["member"]["points"]["available"] == 150


@pytest.mark.parametrize(
    ("variables", "code", "field"),
    [
        ({"amount": "0"}, "INVALID", "amount"),
        ({"amount": "1.5"}, "INVALID", "amount"),
        ({"amount": "-10"}, "INSUFFICIENT_BALANCE", "amount"),
        ({"reason": " "}, "INVALID", "reason"),
        ({"channel": "nope"}, "NOT_FOUND", "channel"),
        ({"user": to_global_id("Order", 7)}, "INVALID", "userId"),
        # U6: one length for a client's idempotency key (saleor_rewards.money)
        ({"key": "k" * 101}, "INVALID", "idempotencyKey"),
        ({"key": " "}, "INVALID", "idempotencyKey"),
    ],
)
def test_bad_adjustments_are_refused_and_change_nothing(program, variables, code, field):
    base = {
        "user": user_id(7),
        "channel": "main",
        "kind": "POINTS",
        "amount": "5",
        "reason": "test",
    }
    _, body = call(ADJUST, base | variables, ADJUSTER)
    errors = body["data"]["rewardsBalanceAdjust"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [(code, field)]
    assert Entry.objects.count() == 0


@pytest.mark.parametrize("requestor", [CUSTOMER, STAFF_NO_PERMS, STAFF, Requestor()])
def test_adjust_without_manage_gift_card_is_denied(program, requestor):
    _, body = call(
        ADJUST,
        {"user": user_id(7), "channel": "main", "kind": "POINTS", "amount": "5", "reason": "x"},
        requestor,
    )
    errors = body["data"]["rewardsBalanceAdjust"]["errors"]
    assert errors[0]["code"] == "PERMISSION_DENIED"
    assert Entry.objects.count() == 0


@pytest.mark.parametrize(
    ("raw", "status"), [("{not json", 400), ("[]", 400), ('{"query": ""}', 400)]
)
def test_malformed_requests_get_a_clear_error(raw, status):
    code, body = call(None, None, CUSTOMER, raw=raw)
    assert code == status
    assert body["errors"][0]["message"]


def test_history_pages_with_cursors(program):
    points = ledger.open_account(program, 7, "points")
    for n in range(5):
        ledger.credit(points, n + 1, key=f"k{n}", source="bonus")
    query = """query($after: String) { rewardsMe(channel: "main") {
      history(first: 2, after: $after) { totalCount pageInfo { hasNextPage endCursor }
      edges { node { amount } } } } }"""
    seen, after = [], None
    while True:
        _, body = call(query, {"after": after}, CUSTOMER)
        page = body["data"]["rewardsMe"]["history"]
        seen += [edge["node"]["amount"] for edge in page["edges"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        after = page["pageInfo"]["endCursor"]
    assert seen == [5, 4, 3, 2, 1]
    assert page["totalCount"] == 5
