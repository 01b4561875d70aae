"""Refunds of orders partly paid with points, through Saleor's real refunds (S4, L3).

Every order here is 4 x 10.00 of products plus 10.00 shipping, 10.00 of it paid with
1,000 points: on the legacy route (the rewards card taken as a gift card at
completion, the dummy gateway charging the other 40.00) and on the transactions route
(the card authorised through Saleor's gift card gateway and charged at confirmation,
a payment App charging the other 40.00). The buyer's 75 purchase points are 2.5 % of
the 30.00 of products not paid with points (L1).

S4: money refunded + points returned = the value paid for what is returned, never
more. Saleor decides the money; the points return only the rest.
"""

from decimal import Decimal

import pytest
from saleor.core.jwt import create_access_token
from saleor.order.models import Order

from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.programs.loyalty.models import OrderAward
from saleor_rewards.programs.redemption.models import Redemption, RedemptionStatus
from saleor_rewards.saleor_adapter.shop.gift_cards import redemption_disagreements
from saleor_rewards.saleor_adapter.tasks.orders import sync_order_now

from .storefront import _data, points, run

REDEEM = """
mutation Redeem($id: ID!, $points: Int) {
  rewardsCheckoutRedeem(checkoutId: $id, points: $points) {
    redemption { giftCardCode }
    errors { field code message }
  }
}
"""

REFUND_ACTION = """
mutation Refund($id: ID!, $amount: PositiveDecimal!) {
  transactionRequestAction(id: $id, actionType: REFUND, amount: $amount) {
    errors { field code message }
  }
}
"""

CARD_GATEWAY = """
mutation Init($id: ID!, $amount: PositiveDecimal!, $data: JSON!) {
  transactionInitialize(
    id: $id, amount: $amount,
    paymentGateway: {id: "saleor.io.gift-card-payment-gateway", data: $data}
  ) {
    errors { field code message }
    transactionEvent { type message }
  }
}
"""

LEGACY, TRANSACTIONS = "legacy", "transactions"


@pytest.fixture(autouse=True)
def cards_and_holds_agree(db):
    yield
    assert redemption_disagreements() == []


@pytest.fixture
def wallet(store, program, customer_user):
    account = open_account(program, customer_user.pk, Kind.POINTS)
    credit(account, 1600, key="wallet", source=LotSource.BONUS, expires_in_days=50)
    return account


def _order_paid_partly_with_points(store, rewards_api, customer, variant, route) -> str:
    """4 x 10.00 + 10.00 shipping, 1,000 points (10.00) of it paid with points."""
    if route == TRANSACTIONS:
        store.channel.allow_legacy_gift_card_use = False
        store.channel.save()
    checkout = store.checkout([(variant, 4)])
    total = store.total(checkout)
    body = rewards_api.execute(
        REDEEM, {"id": checkout, "points": 1000}, token=create_access_token(customer)
    )
    assert body["data"]["rewardsCheckoutRedeem"]["errors"] == [], body
    code = body["data"]["rewardsCheckoutRedeem"]["redemption"]["giftCardCode"]
    if route == LEGACY:
        order = run(store, store.pay_legacy, checkout)
    else:
        authorised = _data(
            store.customer.post_graphql(
                CARD_GATEWAY, {"id": checkout, "amount": "10.00", "data": {"code": code}}
            ),
            "transactionInitialize",
        )
        assert authorised["transactionEvent"]["type"] == "AUTHORIZATION_SUCCESS", authorised
        order = run(store, store.pay_transaction, checkout, total - 10)
    assert Order.objects.get().charge_status == "full"  # the card charged at confirmation
    assert points(customer) == {"available": 600, "pending": 75}
    assert Redemption.objects.get().captured == 1000
    return order["id"]


def _refund_lines(store, route, order_id, quantities, *, shipping=False):
    """Refund products naming their lines; Saleor computes the money from their prices."""
    if route == LEGACY:
        run(store, store.refund_lines_legacy, order_id, quantities, shipping=shipping)
    else:
        run(store, store.refund_granted, order_id, quantities, shipping=shipping)


def _refund_money(store, route, order_id, amount):
    """Refund money without naming lines: ``orderRefund`` on the legacy route, a refund
    the payment App reports on the transactions route."""
    if route == LEGACY:
        run(store, store.refund_legacy, order_id, amount)
    else:
        run(store, store.refund_transaction, order_id, amount)


def _line(store, order_id) -> str:
    return store.order(order_id)["lines"][0]["id"]


def _award() -> OrderAward:
    return OrderAward.objects.get(kind="loyalty")


@pytest.mark.parametrize("route", [LEGACY, TRANSACTIONS])
def test_S4_refund_of_products_paid_back_in_full_in_money_returns_no_points(
    store, rewards_api, wallet, customer_user, product, route
):
    order_id = _order_paid_partly_with_points(
        store, rewards_api, customer_user, product.variants.get(), route
    )

    # when one unit is refunded with its line: Saleor sends its full 10.00 back
    _refund_lines(store, route, order_id, {_line(store, order_id): 1})

    # then the buyer has the unit's value back in money: no points on top
    assert points(customer_user)["available"] == 600
    redemption = Redemption.objects.get()
    assert (redemption.returned, redemption.status) == (0, RedemptionStatus.CAPTURED)
    # and a quarter of the products is refunded: its purchase points go (L3)
    assert (_award().refunded_basis, points(customer_user)["pending"]) == (Decimal("7.500"), 56)


@pytest.mark.parametrize("route", [LEGACY, TRANSACTIONS])
def test_S4_refunds_in_steps_with_shipping_give_back_exactly_what_was_paid(
    store, rewards_api, wallet, customer_user, product, route
):
    order_id = _order_paid_partly_with_points(
        store, rewards_api, customer_user, product.variants.get(), route
    )
    line_id = _line(store, order_id)
    _refund_lines(store, route, order_id, {line_id: 1})
    assert points(customer_user)["available"] == 600

    # when the other three units are refunded with the shipping costs: Saleor can
    # send back only the 30.00 of money left, for 40.00 of products and shipping
    _refund_lines(store, route, order_id, {line_id: 3}, shipping=True)

    # then the points make up the rest: 40.00 money + 10.00 points = the 50.00 paid
    assert points(customer_user) == {"available": 1600, "pending": 0}
    redemption = Redemption.objects.get()
    assert (redemption.returned, redemption.status) == (1000, RedemptionStatus.RETURNED)
    assert _award().reversed


@pytest.mark.parametrize("route", [LEGACY, TRANSACTIONS])
def test_L3_S4_money_refunded_without_lines_takes_back_its_share(
    store, rewards_api, wallet, customer_user, product, route
):
    order_id = _order_paid_partly_with_points(
        store, rewards_api, customer_user, product.variants.get(), route
    )

    # when half of the 40.00 paid in money is refunded, naming no lines
    _refund_money(store, route, order_id, Decimal("20.00"))

    # then half of the order is refunded: half of the purchase points go (L3) and
    # half of the points paid come back (S4): 20.00 money + 5.00 points = half of 50.00
    award = _award()
    assert (award.refunded_basis, award.taken_back) == (Decimal("15.000"), 38)
    assert points(customer_user) == {"available": 1100, "pending": 37}
    assert Redemption.objects.get().returned == 500

    # and syncing the order again changes nothing (U6)
    sync_order_now(str(Order.objects.get().id))
    assert points(customer_user) == {"available": 1100, "pending": 37}


@pytest.mark.parametrize("route", [LEGACY, TRANSACTIONS])
def test_L3_S4_all_the_money_refunded_is_a_full_refund(
    store, rewards_api, wallet, customer_user, product, route
):
    order_id = _order_paid_partly_with_points(
        store, rewards_api, customer_user, product.variants.get(), route
    )

    # when all 40.00 paid in money is refunded, naming no lines
    _refund_money(store, route, order_id, Decimal("40.00"))

    # then the whole order is refunded: the points paid come back, those earned go
    assert points(customer_user) == {"available": 1600, "pending": 0}
    assert Redemption.objects.get().status == RedemptionStatus.RETURNED
    assert _award().reversed


def test_S4_a_refund_onto_the_points_card_comes_back_as_points(
    store, rewards_api, wallet, customer_user, product, permission_manage_payments
):
    order_id = _order_paid_partly_with_points(
        store, rewards_api, customer_user, product.variants.get(), TRANSACTIONS
    )
    store.staff.user.user_permissions.add(permission_manage_payments)
    card_transaction = next(
        t["id"] for t in store.order(order_id)["transactions"] if t["name"] != "Credit card"
    )

    # when staff refund 4.00 from the gift card gateway's transaction: Saleor puts
    # them back on the rewards card
    with store.capture(execute=True):
        _data(
            store.staff.post_graphql(REFUND_ACTION, {"id": card_transaction, "amount": "4.00"}),
            "transactionRequestAction",
        )

    # then the card is emptied again and its 4.00 come back as 400 points; the money
    # paid was not refunded, so the purchase points stay
    assert points(customer_user) == {"available": 1000, "pending": 75}
    assert Redemption.objects.get().returned == 400
