"""SPEC I3 and I4 inside a real Saleor 3.23: requests to the plugin's endpoint are
bounded (aliases, depth, cost, list arguments) before any work; an id that does not
decode is INVALID, never an internal error; "not yours" and "does not exist" answer
the same; GraphiQL is served only with ``DEBUG`` or ``graphiql_enabled``; and a
customer's history never shows the reason staff wrote on an adjustment."""

import base64
import uuid
from unittest import mock

import pytest
from saleor.checkout.models import Checkout
from saleor.core.jwt import create_access_token

from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.programs.referrals import services as referral_services
from saleor_rewards.programs.referrals.models import ReferralInvite

from .helpers import (
    ENDPOINT,
    ME_QUERY,
    MEMBER_QUERY,
    error_codes,
    ledger_row_counts,
    settle_deferred_checks,
    user_global_id,
)
from .storefront import gid

REDEEM = """
mutation Redeem($id: ID!, $points: Int, $cash: Decimal) {
  rewardsCheckoutRedeem(checkoutId: $id, points: $points, cashAmount: $cash) {
    errors { field code message }
    redemption { points }
  }
}
"""

REVIEW = """
mutation Review($line: ID!) {
  rewardsReviewSubmit(orderLineId: $line, text: "Lovely coffee, would buy again.") {
    errors { field code message }
  }
}
"""

INVITE = """
mutation Invite($channel: String!, $emails: [String!]!) {
  rewardsReferralInvite(channel: $channel, emails: $emails) {
    errors { field code message } sent
  }
}
"""

ADJUST = """
mutation Adjust($userId: ID!, $reason: String!) {
  rewardsBalanceAdjust(userId: $userId, channel: "main", kind: POINTS, amount: "250",
                       reason: $reason) { errors { code } }
}
"""


def raw_id(text: str) -> str:
    """A global id that is base64 of ``text``, whatever ``text`` is."""
    return base64.b64encode(text.encode()).decode()


@pytest.fixture
def variant(product):
    """The store's product (10.00 USD, in stock in the store's warehouse)."""
    return product.variants.get()


@pytest.fixture
def member(store, program, customer_user):
    account = open_account(program, customer_user.pk, Kind.POINTS)
    credit(account, 1000, key="seed", source=LotSource.LOYALTY, expires_in_days=365)
    settle_deferred_checks()
    return customer_user


@pytest.fixture
def customer_token(member):
    return create_access_token(member)


@pytest.fixture
def staff_token(staff_user, permission_manage_users, permission_manage_gift_card):
    from saleor.account.models import Group

    group = Group.objects.create(name="Rewards staff", restricted_access_to_channels=False)
    group.permissions.add(permission_manage_users, permission_manage_gift_card)
    group.user_set.add(staff_user)
    return create_access_token(staff_user)


# --- ids ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "user_id",
    [
        pytest.param(raw_id("User:²"), id="superscript-digit"),
        pytest.param(raw_id("User:99999999999999999999999"), id="beyond-bigint"),
        pytest.param(raw_id("User:-1"), id="negative"),
        pytest.param("%%%", id="not-base64"),
        pytest.param(gid("Order", str(uuid.uuid4())), id="another-type"),
    ],
)
def test_I3_a_user_id_that_does_not_decode_is_invalid(
    user_id, active_rewards_plugin, rewards_api, staff_token, program
):
    body = rewards_api.execute(
        MEMBER_QUERY, {"userId": user_id, "channel": "main"}, token=staff_token
    )

    assert body["data"] == {"rewardsMember": None}
    assert error_codes(body) == ["INVALID"]
    assert body["errors"][0]["extensions"]["field"] == "userId"


@pytest.mark.parametrize(
    ("query", "variables", "name", "field"),
    [
        pytest.param(
            REDEEM,
            {"id": gid("Checkout", "not-a-token"), "points": 100},
            "rewardsCheckoutRedeem",
            "checkoutId",
            id="checkout",
        ),
        pytest.param(
            REVIEW,
            {"line": gid("OrderLine", "12")},
            "rewardsReviewSubmit",
            "orderLineId",
            id="order-line",
        ),
    ],
)
def test_I3_a_saleor_id_that_does_not_decode_is_invalid(
    query, variables, name, field, rewards_api, customer_token
):
    before = ledger_row_counts()

    body = rewards_api.execute(query, variables, token=customer_token)

    errors = body["data"][name]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", field)]
    assert ledger_row_counts() == before


def test_I3_someone_elses_checkout_answers_like_a_missing_one(
    store, rewards_api, customer_token, staff_user
):
    # given a checkout of another customer, and the id of a checkout that never was
    theirs = Checkout.objects.create(
        channel=store.channel, user=staff_user, email=staff_user.email, currency="USD"
    )
    before = ledger_row_counts()

    answers = [
        rewards_api.execute(
            REDEEM, {"id": gid("Checkout", token), "points": 100}, token=customer_token
        )["data"]["rewardsCheckoutRedeem"]["errors"]
        for token in (theirs.token, uuid.uuid4())
    ]

    # then both answers are the same NOT_FOUND: the id discloses nothing
    assert answers[0] == answers[1]
    assert [(e["code"], e["field"]) for e in answers[0]] == [("NOT_FOUND", "checkoutId")]
    assert ledger_row_counts() == before


@pytest.mark.parametrize("cash", ["1e30", "100000000000000000", "-1e30"])
def test_I3_a_huge_cash_amount_is_invalid(
    cash, store, member, rewards_api, customer_token, variant
):
    checkout = store.checkout([(variant, 2)])
    before = ledger_row_counts()

    body = rewards_api.execute(REDEEM, {"id": checkout, "cash": cash}, token=customer_token)

    assert "errors" not in body, body
    errors = body["data"]["rewardsCheckoutRedeem"]["errors"]
    assert [(e["code"], e["field"]) for e in errors] == [("INVALID", "cashAmount")]
    assert ledger_row_counts() == before


# --- list arguments ------------------------------------------------------------------


@pytest.mark.parametrize("count", [11, 10_000])
def test_I3_invitation_addresses_are_bounded_before_any_is_hashed(
    count, active_rewards_plugin, rewards_api, customer_token, program
):
    emails = [f"friend{n}@example.com" for n in range(count)]

    with mock.patch.object(
        referral_services, "email_hash", wraps=referral_services.email_hash
    ) as hashed:
        response = rewards_api.post(
            INVITE, {"channel": "main", "emails": emails}, token=customer_token
        )

    # then the request is refused as too long, and no address was even hashed
    body = response.json()
    if response.status_code == 200:
        errors = body["data"]["rewardsReferralInvite"]["errors"]
        assert [(e["code"], e["field"]) for e in errors] == [("LIMIT_EXCEEDED", "emails")]
    else:
        assert response.status_code == 400
        assert error_codes(body) == ["LIMIT_EXCEEDED"]
    assert hashed.call_count == 0
    assert not ReferralInvite.objects.exists()


# --- aliases, depth, cost --------------------------------------------------------------


def test_I3_many_aliases_are_refused_before_execution(
    active_rewards_plugin, rewards_api, customer_token, member
):
    # given one request asking for the member 50 times under different names
    fields = " ".join(
        f'a{n}: rewardsMe(channel: "main") {{ points {{ available }} }}' for n in range(50)
    )

    with mock.patch("saleor_rewards.graphql.schema.Member", side_effect=AssertionError("executed")):
        response = rewards_api.post(f"{{ {fields} }}", token=customer_token)

    assert response.status_code == 400
    assert error_codes(response.json()) == ["LIMIT_EXCEEDED"]


def test_I3_deep_queries_are_refused(active_rewards_plugin, rewards_api):
    # given introspection nested far deeper than any real query (types of types...)
    nested = "name"
    for _ in range(30):
        nested = f"ofType {{ {nested} }}"
    query = f"{{ __schema {{ types {{ fields {{ type {{ {nested} }} }} }} }} }}"

    response = rewards_api.post(query)

    assert response.status_code == 400
    assert error_codes(response.json()) == ["LIMIT_EXCEEDED"]


def test_I3_costly_queries_are_refused(active_rewards_plugin, rewards_api, customer_token, member):
    # given ten pages of 100 history entries in one request (each alias is allowed)
    pages = " ".join(
        f"h{n}: history(first: 100) {{ edges {{ node {{ amount reason type kind id }} }} }}"
        for n in range(10)
    )
    query = f'{{ rewardsMe(channel: "main") {{ {pages} }} }}'

    response = rewards_api.post(query, token=customer_token)

    assert response.status_code == 400
    assert error_codes(response.json()) == ["LIMIT_EXCEEDED"]


def test_I3_an_ordinary_storefront_query_is_served(
    active_rewards_plugin, rewards_api, customer_token, member
):
    body = rewards_api.execute(ME_QUERY, {"channel": "main"}, token=customer_token)

    assert "errors" not in body, body
    assert body["data"]["rewardsMe"]["points"]["available"] == 1000


# --- GraphiQL -------------------------------------------------------------------------


def _opens_graphiql(client) -> bool:
    response = client.get(ENDPOINT, HTTP_ACCEPT="text/html")
    return response.status_code == 200 and b"graphiql" in response.content.lower()


def test_I4_graphiql_is_not_served_by_default(active_rewards_plugin, client, settings):
    settings.DEBUG = False

    assert not _opens_graphiql(client)


def test_I4_graphiql_is_served_with_debug(active_rewards_plugin, client, settings):
    settings.DEBUG = True

    assert _opens_graphiql(client)


def test_I4_graphiql_is_served_when_the_merchant_enables_it(
    plugin_configuration_row, client, settings
):
    settings.DEBUG = False
    plugin_configuration_row(active=True, graphiql_enabled=True)

    assert _opens_graphiql(client)


# --- staff-only reasons ---------------------------------------------------------------


def test_I3_a_customer_never_sees_the_reason_staff_wrote(
    active_rewards_plugin, rewards_api, staff_token, customer_token, member
):
    # given staff credited the customer with an internal note as the reason
    note = "Complained on the phone, ticket 4711, was rude"
    body = rewards_api.execute(
        ADJUST, {"userId": user_global_id(member), "reason": note}, token=staff_token
    )
    assert body["data"]["rewardsBalanceAdjust"]["errors"] == []

    # when the customer reads their history, they see a generic reason
    mine = rewards_api.execute(ME_QUERY, {"channel": "main"}, token=customer_token)
    assert note not in str(mine)
    newest = mine["data"]["rewardsMe"]["history"]["edges"][0]["node"]
    assert (newest["type"], newest["amount"], newest["reason"]) == (
        "ADJUST",
        250,
        "Adjusted by the shop",
    )

    # while staff see what was written
    theirs = rewards_api.execute(
        MEMBER_QUERY, {"userId": user_global_id(member), "channel": "main"}, token=staff_token
    )
    assert theirs["data"]["rewardsMember"]["history"]["edges"][0]["node"]["reason"] == note
