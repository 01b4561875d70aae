"""rewardsOrderConfirmDelivery (L2) through the HTTP view, with the in-memory orders
of tests/fakes.py."""

import json
from decimal import Decimal

import pytest
from django.test import RequestFactory
from graphql_relay import to_global_id

from saleor_rewards import config
from saleor_rewards.graphql import view
from saleor_rewards.graphql.context import Requestor, RequestorKind, RewardsContext
from saleor_rewards.ledger.models import Program
from saleor_rewards.programs.loyalty.earning import OrderLine, OrderSnapshot
from saleor_rewards.programs.loyalty.models import DeliveryConfirmation
from saleor_rewards.programs.loyalty.ports import OrderDeliveryFacts
from saleor_rewards.programs.orders.sync import sync_order

from ...fakes import FakeOrders, fake_shop

pytestmark = pytest.mark.django_db

SHIPPED = "7c9e6679-7425-40de-944b-e07fc1f90ae7"
NOT_SHIPPED = "16fd2706-8baf-433b-82eb-8c7fada847da"
CUSTOMER = Requestor(kind=RequestorKind.CUSTOMER, user_id=7)
CONFIRM = """mutation($id: ID!) { rewardsOrderConfirmDelivery(orderId: $id) {
  errors { field code message }
  confirmation { orderId confirmedAt }
  member { points { available pending } } } }"""


@pytest.fixture
def program():
    program = Program.objects.create(channel_slug="main", currency="EUR")
    lines = (OrderLine("a", 1, Decimal(40), Decimal(40)),)
    settings_ = config.parse({"auto_confirm_days": "7"})
    sync_order(
        program,
        settings_,
        OrderSnapshot(
            SHIPPED, "main", "EUR", 7, lines, Decimal(40), fully_paid=True, fulfilled=True
        ),
    )
    program.settings = {"auto_confirm_days": "7"}
    program.save()
    return program


def confirm(order_id, requestor=CUSTOMER, type_="Order"):
    orders = FakeOrders(
        [
            OrderDeliveryFacts(SHIPPED, 7, "main", True),
            OrderDeliveryFacts(NOT_SHIPPED, 7, "main", False),
        ]
    )
    context = RewardsContext(shop=fake_shop(orders=orders), requestor=requestor)
    body = json.dumps({"query": CONFIRM, "variables": {"id": to_global_id(type_, order_id)}})
    request = RequestFactory().post("/graphql/", body, content_type="application/json")
    return json.loads(view.handle(request, context).content)["data"]["rewardsOrderConfirmDelivery"]


def codes(result) -> list[str]:
    return [error["code"] for error in result["errors"]]


def test_L2_the_customer_confirms_their_shipped_order(program):
    result = confirm(SHIPPED)

    assert result["errors"] == []
    assert result["confirmation"]["orderId"] == to_global_id("Order", SHIPPED)
    assert result["member"]["points"] == {"available": 100, "pending": 0}
    assert confirm(SHIPPED) == result  # again: the same answer


def test_L2_not_yours_and_unknown_answer_the_same_not_found(program):
    theirs = confirm(SHIPPED, Requestor(kind=RequestorKind.CUSTOMER, user_id=8))
    unknown = confirm("00000000-0000-0000-0000-000000000000")

    assert codes(theirs) == ["NOT_FOUND"] and theirs == unknown
    assert not DeliveryConfirmation.objects.exists()


def test_L2_not_shipped_is_not_eligible_anonymous_denied_and_other_ids_invalid(program):
    assert codes(confirm(NOT_SHIPPED)) == ["NOT_ELIGIBLE"]
    assert codes(confirm(SHIPPED, Requestor())) == ["PERMISSION_DENIED"]
    assert codes(confirm(SHIPPED, type_="Checkout")) == ["INVALID"]
    assert not DeliveryConfirmation.objects.exists()
