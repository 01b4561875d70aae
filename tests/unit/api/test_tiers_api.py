"""Tiers through the HTTP view (T1-T3): staff CRUD and ``rewardsMe.tier``."""

import json
from decimal import Decimal

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from graphql_relay import to_global_id

from saleor_rewards import config
from saleor_rewards.graphql import view
from saleor_rewards.graphql.context import Requestor, RequestorKind, RewardsContext
from saleor_rewards.graphql.permissions import MANAGE_DISCOUNTS, MANAGE_USERS
from saleor_rewards.ledger.models import Program
from saleor_rewards.programs.loyalty.earning import OrderLine, OrderSnapshot
from saleor_rewards.programs.orders.sync import sync_order
from saleor_rewards.programs.tiers.models import MemberTier, Tier
from saleor_rewards.programs.tiers.services import create_default_tiers

from ...fakes import FakeChannels, fake_shop

pytestmark = pytest.mark.django_db

CUSTOMER = Requestor(kind=RequestorKind.CUSTOMER, user_id=7)
# Reading tiers: MANAGE_USERS; editing discounts and caps: MANAGE_DISCOUNTS (SPEC §0).
STAFF = Requestor(
    kind=RequestorKind.STAFF, user_id=1, permissions=frozenset({MANAGE_USERS, MANAGE_DISCOUNTS})
)
STAFF_NO_PERMS = Requestor(kind=RequestorKind.STAFF, user_id=2)

TIERS = """{ rewardsTiers(channel: "main") { name minConsumption { amount currency }
  discountPercent maxRedeemPercent earnMultiplier forUnverified membersCount } }"""
CREATE = """mutation($input: RewardsTierInput!) {
  rewardsTierCreate(channel: "main", input: $input) {
    errors { field code message } tier { id name discountPercent } } }"""
UPDATE = """mutation($id: ID!, $input: RewardsTierInput!) {
  rewardsTierUpdate(id: $id, input: $input) {
    errors { field code } tier { name minConsumption { amount } maxRedeemPercent } } }"""
DELETE = """mutation($id: ID!) { rewardsTierDelete(id: $id) {
  errors { field code } tier { name } } }"""
MY_TIER = """{ rewardsMe(channel: "main") { tier { name discountPercent maxRedeemPercent
  progress { spent { amount currency } nextTier remaining { amount currency } } } } }"""


@pytest.fixture
def program():
    program = Program.objects.create(channel_slug="main", currency="EUR")
    create_default_tiers(program)  # as the shop adapter creates every program
    return program


def call(query, variables=None, requestor=STAFF, unverified=(), shop=None):
    channels = FakeChannels(unverified_members=frozenset(unverified))
    context = RewardsContext(shop=shop or fake_shop(channels=channels), requestor=requestor)
    body = json.dumps({"query": query, "variables": variables or {}})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    return json.loads(view.handle(request, context).content)


def tier_id(name):
    return to_global_id("RewardsTier", Tier.objects.get(name=name).id)


def pay(program, net, order_id="o-1"):
    lines = (OrderLine("l-" + order_id, 1, Decimal(net), Decimal(net)),)
    order = OrderSnapshot(order_id, "main", "EUR", 7, lines, Decimal(net), fully_paid=True)
    sync_order(program, config.parse({}), order)


def test_T2_staff_list_the_default_tiers(program):
    tiers = call(TIERS)["data"]["rewardsTiers"]
    assert [t["name"] for t in tiers] == [
        "Unverified",
        "Regular",
        "VIP-D",
        "VIP-C",
        "VIP-B",
        "VIP-A",
        "Top-VIP",
    ]
    assert tiers[2] == {
        "name": "VIP-D",
        "minConsumption": {"amount": 200.0, "currency": "EUR"},
        "discountPercent": 1.0,
        "maxRedeemPercent": None,
        "earnMultiplier": 1.0,
        "forUnverified": False,
        "membersCount": 0,
    }


def test_T2_tiers_need_manage_users(program):
    result = call(TIERS, requestor=STAFF_NO_PERMS)
    assert result["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"
    created = call(CREATE, {"input": {"name": "Gold"}}, requestor=CUSTOMER)
    assert [e["code"] for e in created["data"]["rewardsTierCreate"]["errors"]] == [
        "PERMISSION_DENIED"
    ]


def test_T2_create_update_delete(program):
    call(TIERS)
    created = call(
        CREATE, {"input": {"name": "Gold", "minConsumption": "10000", "discountPercent": "7.5"}}
    )
    assert created["data"]["rewardsTierCreate"]["errors"] == []
    assert created["data"]["rewardsTierCreate"]["tier"]["discountPercent"] == 7.5

    updated = call(
        UPDATE,
        {"id": tier_id("Gold"), "input": {"minConsumption": "9000", "maxRedeemPercent": "3"}},
    )
    assert updated["data"]["rewardsTierUpdate"] == {
        "errors": [],
        "tier": {"name": "Gold", "minConsumption": {"amount": 9000.0}, "maxRedeemPercent": 3.0},
    }

    deleted = call(DELETE, {"id": tier_id("Gold")})
    assert deleted["data"]["rewardsTierDelete"] == {"errors": [], "tier": {"name": "Gold"}}
    assert not Tier.objects.filter(name="Gold").exists()


def test_T4_every_change_of_the_tiers_is_passed_to_the_shops_discounts(program):
    shop = fake_shop()
    call(CREATE, {"input": {"name": "Gold", "minConsumption": "10000"}}, shop=shop)
    call(UPDATE, {"id": tier_id("Gold"), "input": {"discountPercent": "6"}}, shop=shop)
    call(DELETE, {"id": tier_id("Gold")}, shop=shop)
    refused = call(CREATE, {"input": {"name": "VIP-D"}}, shop=shop)

    assert refused["data"]["rewardsTierCreate"]["errors"][0]["code"] == "ALREADY_EXISTS"
    assert shop.tier_discounts.changed == [program] * 3


def test_T2_the_tier_list_costs_the_same_queries_however_many_tiers(program):
    def queries():
        with CaptureQueriesContext(connection) as captured:
            assert "errors" not in call(TIERS)
        return len(captured.captured_queries)

    seven = queries()
    pay(program, "250.00")  # a member in VIP-D
    for n in range(5):
        Tier.objects.create(program=program, name=f"Extra {n}", min_consumption=9000 + n)

    assert queries() == seven


def test_T2_duplicate_name_and_bad_percent_are_refused(program):
    call(TIERS)
    duplicate = call(CREATE, {"input": {"name": "VIP-D"}})["data"]["rewardsTierCreate"]
    assert duplicate["errors"][0]["code"] == "ALREADY_EXISTS"
    assert duplicate["errors"][0]["field"] == "name"
    bad = call(UPDATE, {"id": tier_id("VIP-D"), "input": {"discountPercent": "120"}})
    assert bad["data"]["rewardsTierUpdate"]["errors"] == [
        {"field": "discountPercent", "code": "INVALID"}
    ]
    assert Tier.objects.get(name="VIP-D").discount_percent == 1


def test_T2_deleting_the_members_tier_moves_them(program):
    pay(program, "250.00")
    assert MemberTier.objects.get().tier.name == "VIP-D"

    result = call(DELETE, {"id": tier_id("VIP-D")})

    assert result["data"]["rewardsTierDelete"]["errors"] == []
    assert MemberTier.objects.get().tier.name == "Regular"


def test_T1_rewards_me_tier_shows_progress_to_the_next(program):
    pay(program, "250.00")

    tier = call(MY_TIER, requestor=CUSTOMER)["data"]["rewardsMe"]["tier"]

    assert tier == {
        "name": "VIP-D",
        "discountPercent": 1.0,
        "maxRedeemPercent": 50.0,
        "progress": {
            "spent": {"amount": 250.0, "currency": "EUR"},
            "nextTier": "VIP-C",
            "remaining": {"amount": 550.0, "currency": "EUR"},
        },
    }


def test_T1_rewards_me_tier_of_an_unverified_member(program):
    tier = call(MY_TIER, requestor=CUSTOMER, unverified={7})["data"]["rewardsMe"]["tier"]
    assert (tier["name"], tier["discountPercent"], tier["progress"]["nextTier"]) == (
        "Unverified",
        0.0,
        "VIP-D",
    )
    assert tier["maxRedeemPercent"] == 0.0  # T1: cannot pay with points
