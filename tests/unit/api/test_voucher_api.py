"""S5 ``rewardsVoucherCreate`` through the HTTP view, with the in-memory ``FakeVouchers``."""

import json

import pytest
from django.test import RequestFactory

from saleor_rewards.graphql import view
from saleor_rewards.graphql.context import Requestor, RequestorKind, RewardsContext
from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.ledger.models import Program
from saleor_rewards.programs.vouchers.models import VoucherConversion

from ...fakes import FakeVouchers, fake_shop

pytestmark = pytest.mark.django_db

CUSTOMER = Requestor(kind=RequestorKind.CUSTOMER, user_id=7)

CREATE = """mutation($channel: String!, $points: Int!, $key: String) {
  rewardsVoucherCreate(channel: $channel, points: $points, idempotencyKey: $key) {
    errors { field code message } voucherCode value { amount currency } } }"""
HISTORY = """{ rewardsMe(channel: "main") { points { available }
  history(first: 5) { edges { node { type amount reference { type id } } } } } }"""


@pytest.fixture
def program():
    program = Program.objects.create(channel_slug="main", currency="USD")
    account = open_account(program, 7, Kind.POINTS)
    credit(account, 1000, key="seed", source=LotSource.LOYALTY)
    return program


@pytest.fixture
def shop():
    return FakeVouchers()


def call(query, variables, shop, requestor=CUSTOMER):
    context = RewardsContext(shop=fake_shop(vouchers=shop), requestor=requestor)
    body = json.dumps({"query": query, "variables": variables})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    return json.loads(view.handle(request, context).content)


def create(shop, points, key=None, requestor=CUSTOMER, channel="main"):
    variables = {"channel": channel, "points": points, "key": key}
    return call(CREATE, variables, shop, requestor)["data"]["rewardsVoucherCreate"]


def codes(result):
    return [error["code"] for error in result["errors"]]


def test_S5_customer_gets_a_code_and_its_value(program, shop):
    result = create(shop, 250)

    assert result["errors"] == []
    assert result["value"] == {"amount": 2.5, "currency": "USD"}
    assert result["voucherCode"] == shop.vouchers[0].code


def test_S5_history_shows_the_redeem_entry_with_a_voucher_reference(program, shop):
    create(shop, 250)

    me = call(HISTORY, {}, shop)["data"]["rewardsMe"]

    conversion = VoucherConversion.objects.get()
    assert me["points"]["available"] == 750
    assert me["history"]["edges"][0]["node"] == {
        "type": "REDEEM",
        "amount": -250.0,
        "reference": {"type": "VOUCHER", "id": str(conversion.id)},
    }


def test_S5_anonymous_is_refused(program, shop):
    result = create(shop, 250, requestor=Requestor())
    assert codes(result) == ["PERMISSION_DENIED"] and shop.vouchers == []


@pytest.mark.parametrize(
    ("points", "code", "field"),
    [(1001, "INSUFFICIENT_BALANCE", "amount"), (0, "INVALID", "points")],
)
def test_S5_refusals_debit_nothing(program, shop, points, code, field):
    result = create(shop, points)

    assert codes(result) == [code] and result["errors"][0]["field"] == field
    assert result["voucherCode"] is None and shop.vouchers == []
    me = call(HISTORY, {}, shop)["data"]["rewardsMe"]
    assert me["points"]["available"] == 1000


def test_S5_program_switched_off_is_program_disabled(program, shop):
    program.settings = {"program_enabled": "false"}
    program.save()

    assert codes(create(shop, 250)) == ["PROGRAM_DISABLED"]


def test_S5_repeated_request_with_a_key_returns_the_same_code(program, shop):
    first = create(shop, 250, key="order-form-1")
    again = create(shop, 250, key="order-form-1")

    assert again == first and len(shop.vouchers) == 1
    me = call(HISTORY, {}, shop)["data"]["rewardsMe"]
    assert me["points"]["available"] == 750
