"""I3 and I4 through the HTTP view: a request is bounded before it runs, ids that do
not decode are INVALID, and GraphiQL is served only with DEBUG or the setting.

The Saleor integration suite (``tests/integration/test_bounded_requests.py``) covers
the same through Saleor's URL routing, tokens and ids.
"""

import json
import time
import uuid
from decimal import Decimal
from unittest import mock

import pytest
from django.test import RequestFactory
from graphql_relay import to_global_id

from saleor_rewards.graphql import limits, view
from saleor_rewards.graphql.context import Requestor, RequestorKind, RewardsContext
from saleor_rewards.graphql.permissions import MANAGE_DISCOUNTS, MANAGE_PLUGINS, MANAGE_USERS
from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.ledger.models import Program
from saleor_rewards.programs.redemption.ports import CheckoutFacts
from saleor_rewards.programs.referrals import services as referral_services

from ...fakes import FakeCheckouts, fake_shop

pytestmark = pytest.mark.django_db

CUSTOMER = Requestor(kind=RequestorKind.CUSTOMER, user_id=7)
STAFF = Requestor(
    kind=RequestorKind.STAFF,
    user_id=1,
    permissions=frozenset({MANAGE_USERS, MANAGE_DISCOUNTS, MANAGE_PLUGINS}),
)


@pytest.fixture
def program():
    program = Program.objects.create(channel_slug="main", currency="EUR")
    credit(open_account(program, 7, Kind.POINTS), 100, key="seed", source=LotSource.BONUS)
    return program


def post(query, variables=None, requestor=CUSTOMER, *, settings=None, raw=None, shop=None):
    body = raw if raw is not None else json.dumps({"query": query, "variables": variables or {}})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    context = RewardsContext(
        shop=shop or fake_shop(), requestor=requestor, plugin_settings=settings or {}
    )
    response = view.handle(request, context)
    return response.status_code, json.loads(response.content)


def refused(status, body) -> bool:
    return status == 400 and [e["extensions"]["code"] for e in body["errors"]] == ["LIMIT_EXCEEDED"]


# --- aliases, depth, cost ---------------------------------------------------------------


def test_I3_more_aliases_than_the_limit_are_refused_before_anything_runs(program):
    fields = " ".join(
        f'a{n}: rewardsMe(channel: "main") {{ points {{ available }} }}'
        for n in range(limits.MAX_ALIASES + 1)
    )
    status, body = post(f"{{ {fields} }}")
    assert refused(status, body)
    assert f"{limits.MAX_ALIASES + 1} aliases" in body["errors"][0]["message"]


def test_I3_aliases_up_to_the_limit_are_served(program):
    fields = " ".join(
        f'a{n}: rewardsMe(channel: "main") {{ points {{ available }} }}'
        for n in range(limits.MAX_ALIASES)
    )
    status, body = post(f"{{ {fields} }}")
    assert status == 200, body
    assert body["data"]["a0"]["points"]["available"] == 100


def test_I3_aliases_inside_a_fragment_count_once_per_use(program):
    fragment = " ".join(f"x{n}: available" for n in range(5))
    uses = " ".join(f'm{n}: rewardsMe(channel: "main") {{ points {{ ...P }} }}' for n in range(4))
    status, body = post(f"{{ {uses} }} fragment P on RewardsPoints {{ {fragment} }}")
    assert refused(status, body)  # 4 aliases + 4 uses x 5 = 24


def test_I3_a_query_deeper_than_the_limit_is_refused():
    nested = "name"
    for _ in range(limits.MAX_DEPTH):
        nested = f"ofType {{ {nested} }}"
    status, body = post(f'{{ __type(name: "RewardsMember") {{ {nested} }} }}')
    assert refused(status, body)


def test_I3_depth_follows_fragments():
    spreads = "".join(f"fragment F{n} on __Type {{ ofType {{ ...F{n + 1} }} }} " for n in range(20))
    status, body = post(
        f'{{ __type(name: "RewardsMember") {{ ...F0 }} }} {spreads}'
        "fragment F20 on __Type { name }"
    )
    assert refused(status, body)


def test_I3_graphiqls_introspection_query_is_served():
    from graphql.utils.introspection_query import introspection_query

    status, body = post(introspection_query)
    assert status == 200, body
    assert body["data"]["__schema"]["queryType"]["name"] == "Query"


def test_I3_pages_count_in_the_cost(program):
    page = "history(first: 100) { edges { node { amount reason type kind id } } }"
    pages = " ".join(f"h{n}: {page}" for n in range(10))
    status, body = post(f'{{ rewardsMe(channel: "main") {{ {pages} }} }}')
    assert refused(status, body)
    assert "Ask for smaller pages" in body["errors"][0]["message"]

    # a page size from the variables counts the same
    query = """query($n: Int) { rewardsMe(channel: "main") {
      %s } }""" % " ".join(
        f"h{n}: history(first: $n) {{ edges {{ node {{ amount reason type kind id }} }} }}"
        for n in range(10)
    )
    assert refused(*post(query, {"n": 100}))
    status, body = post(query, {"n": 5})
    assert status == 200, body


def test_I3_nested_fragments_are_measured_once_each():
    # 2**40 expanded fields if each spread were walked again
    fragments = "".join(
        f"fragment F{n} on RewardsPoints {{ ...F{n + 1} ...F{n + 1} }} " for n in range(40)
    )
    query = (
        f'{{ rewardsMe(channel: "main") {{ points {{ ...F0 }} }} }} {fragments}'
        "fragment F40 on RewardsPoints { available }"
    )
    started = time.monotonic()
    status, body = post(query)
    assert time.monotonic() - started < 2
    assert refused(status, body)


def test_I3_a_fragment_cycle_is_reported_by_validation_not_a_crash():
    query = (
        '{ rewardsMe(channel: "main") { points { ...A } } } '
        "fragment A on RewardsPoints { ...B } fragment B on RewardsPoints { ...A }"
    )
    status, body = post(query)
    assert status == 400
    assert "errors" in body and "INTERNAL_ERROR" not in json.dumps(body)


# --- lists and size ----------------------------------------------------------------------


def test_I3_a_long_list_in_the_variables_is_refused_before_parsing(program):
    emails = [f"f{n}@example.com" for n in range(limits.MAX_LIST_ITEMS + 1)]
    query = """mutation($emails: [String!]!) { rewardsReferralInvite(channel: "main",
      emails: $emails) { errors { code } } }"""
    assert refused(*post(query, {"emails": emails}))


def test_I3_a_long_list_written_in_the_query_is_refused(program):
    emails = ", ".join(f'"f{n}@example.com"' for n in range(limits.MAX_LIST_ITEMS + 1))
    query = f"""mutation {{ rewardsReferralInvite(channel: "main", emails: [{emails}]) {{
      errors {{ code }} }} }}"""
    assert refused(*post(query))


def test_I3_a_query_longer_than_the_limit_is_refused():
    query = "{ __typename }" + " " * limits.MAX_QUERY_LENGTH
    assert refused(*post(query))


@pytest.mark.parametrize(
    "raw",
    [
        pytest.param(
            json.dumps({"query": "{ a" + "(x: [" * 5000 + "1" + "])" + " }"}),
            id="brackets-in-the-query",
        ),
        pytest.param(
            '{"query": "{ __typename }", "variables": {"v": '
            + "[" * 100_000
            + "]" * 100_000
            + "}}",
            id="brackets-in-the-variables",
        ),
    ],
)
def test_I3_deep_nesting_is_a_clear_error_not_a_crash(raw):
    status, body = post(None, raw=raw)
    assert status == 400
    assert body["errors"][0]["message"]


def test_I3_a_syntax_error_is_answered_as_before():
    status, body = post("{ rewardsMe(")
    assert status == 400
    assert body["data"] is None
    assert "Syntax Error" in body["errors"][0]["message"]


def test_I3_invitations_beyond_the_limit_are_refused_before_any_address_is_hashed(program):
    query = """mutation($emails: [String!]!) { rewardsReferralInvite(channel: "main",
      emails: $emails) { errors { code field } } }"""
    emails = [f"f{n}@example.com" for n in range(referral_services.INVITES_PER_REQUEST + 1)]

    with mock.patch.object(referral_services, "email_hash") as hashed:
        _, body = post(query, {"emails": emails})

    assert body["data"]["rewardsReferralInvite"]["errors"] == [
        {"code": "LIMIT_EXCEEDED", "field": "emails"}
    ]
    assert hashed.call_count == 0


# --- ids, amounts, "not yours" -----------------------------------------------------------


@pytest.mark.parametrize(
    "global_id",
    [
        pytest.param(to_global_id("User", "²"), id="superscript-digit"),
        pytest.param(to_global_id("User", "١٢"), id="arabic-indic-digits"),
        pytest.param(to_global_id("User", "9" * 25), id="beyond-bigint"),
        pytest.param(to_global_id("User", "0"), id="zero"),
        pytest.param(to_global_id("User", "-3"), id="negative"),
        pytest.param("not base64 at all", id="garbage"),
        pytest.param(to_global_id("Order", "7"), id="another-type"),
    ],
)
def test_I3_a_user_id_that_does_not_decode_is_invalid(program, global_id):
    status, body = post(
        """query($id: ID!) { rewardsMember(userId: $id, channel: "main") { userId } }""",
        {"id": global_id},
        STAFF,
    )
    assert status == 200
    assert body["errors"][0]["extensions"] == {"code": "INVALID", "field": "userId"}


@pytest.mark.parametrize("raw", ["²", "9" * 25, "x"])
def test_I3_a_tier_id_that_does_not_decode_is_invalid(program, raw):
    status, body = post(
        """mutation($id: ID!) { rewardsTierDelete(id: $id) { errors { code field } } }""",
        {"id": to_global_id("RewardsTier", raw)},
        STAFF,
    )
    assert body["data"]["rewardsTierDelete"]["errors"] == [{"code": "INVALID", "field": "id"}]


@pytest.mark.parametrize(
    ("query", "name", "field"),
    [
        (
            """mutation($id: ID!) { rewardsCheckoutRedeem(checkoutId: $id, points: 10) {
              errors { code field } } }""",
            "rewardsCheckoutRedeem",
            "checkoutId",
        ),
        (
            """mutation($id: ID!) { rewardsReviewSubmit(orderLineId: $id, text: "Good") {
              errors { code field } } }""",
            "rewardsReviewSubmit",
            "orderLineId",
        ),
    ],
)
def test_I3_a_saleor_id_that_is_no_uuid_is_invalid(program, query, name, field):
    status, body = post(
        query, {"id": to_global_id("Checkout" if "checkout" in field else "OrderLine", "12")}
    )
    assert body["data"][name]["errors"] == [{"code": "INVALID", "field": field}]


def test_I3_someone_elses_checkout_answers_like_a_missing_one(program):
    token = str(uuid.uuid4())
    theirs = CheckoutFacts(
        token=token, owner_id=8, channel_slug="main", currency="EUR", product_subtotal=Decimal(100)
    )
    shop = fake_shop(checkouts=FakeCheckouts([theirs]))
    query = """mutation($id: ID!) { rewardsCheckoutRedeem(checkoutId: $id, points: 100) {
      errors { code field message } } }"""

    answers = [
        post(query, {"id": to_global_id("Checkout", each)}, shop=shop)[1]
        for each in (token, str(uuid.uuid4()))
    ]

    assert answers[0] == answers[1]
    assert answers[0]["data"]["rewardsCheckoutRedeem"]["errors"][0]["code"] == "NOT_FOUND"


@pytest.mark.parametrize("cash", ["1e30", "1e16", "NaN", "-1e30"])
def test_I3_an_absurd_cash_amount_is_invalid(program, cash):
    token = str(uuid.uuid4())
    mine = CheckoutFacts(
        token=token, owner_id=7, channel_slug="main", currency="EUR", product_subtotal=Decimal(100)
    )
    query = """mutation($id: ID!, $cash: Decimal) { rewardsCheckoutRedeem(checkoutId: $id,
      cashAmount: $cash) { errors { code field } } }"""

    _, body = post(
        query,
        {"id": to_global_id("Checkout", token), "cash": cash},
        shop=fake_shop(checkouts=FakeCheckouts([mine])),
    )

    assert body["data"]["rewardsCheckoutRedeem"]["errors"] == [
        {"code": "INVALID", "field": "cashAmount"}
    ]


@pytest.mark.parametrize("value", ["1e30", "-1e30"])
def test_I3_an_absurd_tier_threshold_is_invalid(program, value):
    query = """mutation($v: Decimal) { rewardsTierCreate(channel: "main",
      input: {name: "Huge", minConsumption: $v}) { errors { code field } } }"""

    _, body = post(query, {"v": value}, STAFF)

    assert body["data"]["rewardsTierCreate"]["errors"] == [
        {"code": "INVALID", "field": "minConsumption"}
    ]


# --- GraphiQL --------------------------------------------------------------------------


def _browser_get(settings=None):
    request = RequestFactory().get("/graphql/", HTTP_ACCEPT="text/html")
    context = RewardsContext(shop=fake_shop(), plugin_settings=settings or {})
    return view.handle(request, context)


def test_I4_graphiql_is_off_by_default(settings):
    settings.DEBUG = False
    response = _browser_get()
    assert response.status_code == 404
    assert b"<html" not in response.content


@pytest.mark.parametrize("value", [True, "true"])
def test_I4_graphiql_is_served_when_the_merchant_enables_it(settings, value):
    settings.DEBUG = False
    response = _browser_get({"graphiql_enabled": value})
    assert response.status_code == 200
    assert b"GraphiQL" in response.content


def test_I4_graphiql_is_served_while_debug_is_on(settings):
    settings.DEBUG = True
    assert _browser_get().status_code == 200


def test_I4_graphiql_enabled_is_no_channel_setting(program):
    # the merchant's choice for the whole shop: no channel's staff can turn it on
    query = """mutation { rewardsProgramUpdate(channel: "main", input: {
      settings: [{name: "graphiql_enabled", value: "true"}]}) { errors { code field } } }"""

    _, body = post(query, requestor=STAFF)

    assert body["data"]["rewardsProgramUpdate"]["errors"] == [
        {"code": "INVALID", "field": "graphiql_enabled"}
    ]
