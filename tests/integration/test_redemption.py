"""Paying with points in real Saleor (SPEC S1-S4).

Checkouts, payments, completion, cancellation and refunds go through Saleor's own
GraphQL mutations (``storefront.Storefront``); the points are applied through the
plugin's endpoint. After every test, each redemption, its ledger hold and its
Saleor gift card must say the same thing (``redemption_disagreements``).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time
from saleor.core.jwt import create_access_token
from saleor.giftcard.models import GiftCard
from saleor.order.models import Order

from saleor_rewards.ledger import (
    HoldStatus,
    Kind,
    LotSource,
    credit,
    expire_due_lots,
    open_account,
)
from saleor_rewards.ledger.models import Entry, Hold, Lot
from saleor_rewards.money import CODE_ALPHABET
from saleor_rewards.programs.loyalty.models import OrderAward
from saleor_rewards.programs.redemption.models import Redemption, RedemptionStatus
from saleor_rewards.saleor_adapter.shop.gift_cards import redemption_disagreements
from saleor_rewards.saleor_adapter.tasks.orders import sync_order_now
from saleor_rewards.saleor_adapter.tasks.redemption import release_stale_redemptions_task

from .storefront import _data, points, run

REDEEM = """
mutation Redeem($id: ID!, $points: Int, $cash: Decimal) {
  rewardsCheckoutRedeem(checkoutId: $id, points: $points, cashAmount: $cash) {
    redemption { points amount { amount currency } giftCardCode status }
    errors { field code message }
  }
}
"""

REMOVE = """
mutation Remove($id: ID!) {
  rewardsCheckoutRedeemRemove(checkoutId: $id) {
    redemption { points status }
    errors { field code message }
  }
}
"""

TRANSACTION_INITIALIZE = """
mutation Init($id: ID!, $amount: PositiveDecimal!, $data: JSON!) {
  transactionInitialize(
    id: $id, amount: $amount,
    paymentGateway: {id: "saleor.io.gift-card-payment-gateway", data: $data}
  ) {
    errors { field code message }
    transaction { id authorizedAmount { amount } }
    transactionEvent { type message }
  }
}
"""


@pytest.fixture(autouse=True)
def cards_and_holds_agree(db):
    """After every test: every redemption's gift card matches its ledger hold."""
    yield
    assert redemption_disagreements() == []


@pytest.fixture
def wallet(store, program, customer_user):
    """600 points expiring in 5 days and 1,000 in 50 days."""
    account = open_account(program, customer_user.pk, Kind.POINTS)
    credit(account, 600, key="soon", source=LotSource.LOYALTY, expires_in_days=5)
    credit(account, 1000, key="late", source=LotSource.BONUS, expires_in_days=50)
    return account


@pytest.fixture
def variant(product):
    return product.variants.get()


def redeem(rewards_api, user, checkout_id, points=None, cash=None):
    body = rewards_api.execute(
        REDEEM,
        {"id": checkout_id, "points": points, "cash": cash},
        token=create_access_token(user),
    )
    assert "errors" not in body, body
    return body["data"]["rewardsCheckoutRedeem"]


def remove(rewards_api, user, checkout_id):
    body = rewards_api.execute(REMOVE, {"id": checkout_id}, token=create_access_token(user))
    return body["data"]["rewardsCheckoutRedeemRemove"]


def held(account) -> int:
    account.refresh_from_db()
    return int(account.held)


def test_S1_redeem_within_the_cap_puts_a_customer_card_on_the_checkout(
    store, rewards_api, wallet, customer_user, variant
):
    # given a checkout of 3 x 10.00 (cap: 50 % = 15.00) plus shipping
    checkout = store.checkout([(variant, 3)])
    before = store.total(checkout)

    # when the customer applies 1,000 points
    result = redeem(rewards_api, customer_user, checkout, points=1000)

    # then 10.00 is held as points and a card of 10.00 for this customer pays it
    assert result["errors"] == []
    assert result["redemption"]["amount"] == {"amount": 10.0, "currency": "USD"}
    assert result["redemption"]["status"] == "HELD"
    card = GiftCard.objects.get(code=result["redemption"]["giftCardCode"])
    assert card.assigned_to_id == customer_user.pk and card.current_balance_amount == 10
    assert card.checkouts.count() == 1
    assert store.total(checkout) == before - 10
    # Saleor's promo code shape in the house alphabet (saleor_rewards.money)
    groups = card.code.split("-")
    assert [len(group) for group in groups] == [4, 4, 4]
    assert set("".join(groups)) <= set(CODE_ALPHABET)
    assert held(wallet) == 1000


def test_S1_above_the_cap_is_refused_and_holds_nothing(
    store, rewards_api, wallet, customer_user, variant
):
    checkout = store.checkout([(variant, 3)])

    result = redeem(rewards_api, customer_user, checkout, points=1501)

    assert [e["code"] for e in result["errors"]] == ["LIMIT_EXCEEDED"]
    assert result["errors"][0]["field"] == "points"
    assert held(wallet) == 0
    assert not Hold.objects.exists() and not GiftCard.objects.exists()


def test_S1_more_than_the_balance_is_refused_and_holds_nothing(
    store, rewards_api, wallet, customer_user, variant
):
    checkout = store.checkout([(variant, 10)])  # cap 50.00 = 5,000 points

    result = redeem(rewards_api, customer_user, checkout, points=1700)

    assert [e["code"] for e in result["errors"]] == ["INSUFFICIENT_BALANCE"]
    assert held(wallet) == 0 and not GiftCard.objects.exists()


def test_S1_someone_elses_checkout_is_refused(
    store, rewards_api, wallet, customer_user, staff_user, variant
):
    checkout = store.checkout([(variant, 3)])  # the customer's

    result = redeem(rewards_api, staff_user, checkout, points=100)

    # I3: "not yours" answers as "does not exist", so an id discloses nothing
    assert [e["code"] for e in result["errors"]] == ["NOT_FOUND"]
    assert not GiftCard.objects.exists()


def test_S1_apply_twice_then_remove(store, rewards_api, wallet, customer_user, variant):
    checkout = store.checkout([(variant, 3)])
    before = store.total(checkout)

    first = redeem(rewards_api, customer_user, checkout, points=500)["redemption"]
    second = redeem(rewards_api, customer_user, checkout, points=1200)["redemption"]

    # the second replaced the first: one hold, one live card on the checkout
    assert held(wallet) == 1200
    old = GiftCard.objects.get(code=first["giftCardCode"])
    assert not old.is_active and old.current_balance_amount == 0 and not old.checkouts.exists()
    assert GiftCard.objects.get(code=second["giftCardCode"]).checkouts.count() == 1
    assert store.total(checkout) == before - 12

    removed = remove(rewards_api, customer_user, checkout)

    assert removed == {"redemption": {"points": 1200, "status": "RELEASED"}, "errors": []}
    assert held(wallet) == 0 and points(customer_user)["available"] == 1600
    assert store.total(checkout) == before
    assert not GiftCard.objects.filter(is_active=True).exists()


def test_S1_completed_checkout_is_partly_paid_by_the_card_and_captures_soonest_lot(
    store, rewards_api, wallet, customer_user, variant
):
    checkout = store.checkout([(variant, 3)])
    redeem(rewards_api, customer_user, checkout, points=500)

    # when the customer pays the rest and completes the checkout
    order = run(store, store.pay_legacy, checkout)

    # then the card paid 5.00 of the order and the 500 points came from the lot
    # expiring in 5 days
    saleor_order = Order.objects.get()
    card = saleor_order.gift_cards.get()
    assert card.initial_balance_amount == 5 and card.current_balance_amount == 0
    assert order["chargeStatus"] == "FULL"
    soon = Lot.objects.get(account=wallet, expires_in_days=5)
    assert soon.remaining == 100
    redemption = Redemption.objects.get()
    assert (redemption.status, redemption.captured) == (RedemptionStatus.CAPTURED, 500)
    assert redemption.order_id == str(saleor_order.id)
    assert Hold.objects.get().status == HoldStatus.CAPTURED
    # L1: the 5.00 paid with points earns nothing (2.5 % of 25.00)
    assert OrderAward.objects.get().basis == Decimal("25.000")


def test_S2_an_abandoned_checkout_is_released_by_the_task(
    store, rewards_api, wallet, customer_user, variant
):
    checkout = store.checkout([(variant, 3)])
    code = redeem(rewards_api, customer_user, checkout, points=1000)["redemption"]["giftCardCode"]

    with freeze_time(timezone.now() + timedelta(hours=23)):
        assert release_stale_redemptions_task() == 0
    with freeze_time(timezone.now() + timedelta(hours=24, minutes=1)):
        assert release_stale_redemptions_task() == 1

    assert held(wallet) == 0 and points(customer_user)["available"] == 1600
    card = GiftCard.objects.get(code=code)
    assert not card.is_active and not card.checkouts.exists()
    assert Redemption.objects.get().status == RedemptionStatus.RELEASED


def test_S2_the_task_captures_instead_when_the_checkout_became_an_order(
    store, rewards_api, wallet, customer_user, variant
):
    checkout = store.checkout([(variant, 3)])
    redeem(rewards_api, customer_user, checkout, points=1000)
    store.pay_legacy(checkout)  # hooks never ran (a queue outage)

    with freeze_time(timezone.now() + timedelta(hours=25)):
        assert release_stale_redemptions_task() == 0

    assert Redemption.objects.get().status == RedemptionStatus.CAPTURED


def test_S3_unpaid_cancel_returns_points_and_a_lot_expired_meanwhile_stays_expired(
    store, rewards_api, wallet, customer_user, variant, channel_USD
):
    # given an unpaid order of 3 x 10.00 of which 10.00 (1,000 points) came from points:
    # 600 from the lot expiring in 5 days, 400 from the later one
    channel_USD.allow_unpaid_orders = True
    channel_USD.save()
    checkout = store.checkout([(variant, 3)])
    redeem(rewards_api, customer_user, checkout, points=1000)
    order = run(store, store._complete, checkout)
    assert order["chargeStatus"] != "FULL"
    assert points(customer_user)["available"] == 600

    # when the first lot expires, then the order is cancelled
    later = timezone.now() + timedelta(days=6)
    with freeze_time(later):
        expire_due_lots()
        run(store, store.cancel, order["id"])

    # then 400 come back spendable; 600 come back to their expired lot as expired
    assert points(customer_user)["available"] == 1000
    returned = Entry.objects.get(account=wallet, type="return")
    assert (returned.available_delta, returned.expired) == (400, 600)
    redemption = Redemption.objects.get()
    assert (redemption.status, redemption.returned) == (RedemptionStatus.RETURNED, 1000)
    assert GiftCard.objects.get().current_balance_amount == 0


def test_S4_partial_refund_returns_only_what_the_money_did_not_pay_back(
    store, rewards_api, wallet, customer_user, variant
):
    # given 4 x 10.00, 1,000 points applied, the rest paid
    checkout = store.checkout([(variant, 4)])
    redeem(rewards_api, customer_user, checkout, points=1000)
    order = run(store, store.pay_legacy, checkout)
    line_id = store.order(order["id"])["lines"][0]["id"]
    assert points(customer_user)["available"] == 600

    # when one of the four units is refunded: Saleor sends its 10.00 back in money
    run(store, store.refund_lines_legacy, order["id"], {line_id: 1})

    # then no points come on top of the money (S4: money + points = value paid)
    assert points(customer_user)["available"] == 600

    # when the three others are refunded with the shipping costs: only 30.00 of money
    # is left to send back for 40.00
    run(store, store.refund_lines_legacy, order["id"], {line_id: 3}, shipping=True)

    # then the points make up the 10.00 the money could not, once
    assert points(customer_user)["available"] == 1600
    sync_order_now(str(Order.objects.get().id))
    assert points(customer_user)["available"] == 1600
    redemption = Redemption.objects.get()
    assert (redemption.returned, redemption.status) == (1000, RedemptionStatus.RETURNED)
    assert GiftCard.objects.get().current_balance_amount == 0


def test_S1_transactions_api_storefront_pays_with_the_gift_card_gateway(
    store, rewards_api, wallet, customer_user, variant, channel_USD
):
    # given a channel that does not take gift cards as promo codes
    channel_USD.allow_legacy_gift_card_use = False
    channel_USD.save()
    checkout = store.checkout([(variant, 3)])
    total = store.total(checkout)
    code = redeem(rewards_api, customer_user, checkout, points=1000)["redemption"]["giftCardCode"]
    assert not GiftCard.objects.get(code=code).checkouts.exists()

    # when the storefront authorises the card through Saleor's gift card gateway and
    # a payment App charges the rest
    authorised = _data(
        store.customer.post_graphql(
            TRANSACTION_INITIALIZE, {"id": checkout, "amount": "10.00", "data": {"code": code}}
        ),
        "transactionInitialize",
    )
    assert authorised["transactionEvent"]["type"] == "AUTHORIZATION_SUCCESS", authorised
    run(store, store.pay_transaction, checkout, total - 10)

    # then Saleor charged the card at confirmation and the plugin captured the hold
    saleor_order = Order.objects.get()
    assert (saleor_order.charge_status, saleor_order.total_charged_amount) == (
        "full",
        saleor_order.total_gross_amount,
    )
    assert GiftCard.objects.get(code=code).current_balance_amount == 0
    redemption = Redemption.objects.get()
    assert (redemption.status, redemption.captured) == (RedemptionStatus.CAPTURED, 1000)
    assert points(customer_user)["available"] == 600


def test_S1_cards_and_holds_agree_across_checkouts_and_orders(
    store, rewards_api, wallet, customer_user, variant
):
    # a removed, a replaced, a completed, an open and a refunded redemption
    removed = store.checkout([(variant, 2)])
    redeem(rewards_api, customer_user, removed, points=300)
    remove(rewards_api, customer_user, removed)
    replaced = store.checkout([(variant, 2)])
    redeem(rewards_api, customer_user, replaced, points=200)
    redeem(rewards_api, customer_user, replaced, points=250)
    run(store, store.pay_legacy, replaced)
    still_open = store.checkout([(variant, 2)])
    redeem(rewards_api, customer_user, still_open, points=400)
    refunded = store.checkout([(variant, 2)])
    redeem(rewards_api, customer_user, refunded, points=100)
    order = run(store, store.pay_legacy, refunded)
    run(
        store,
        store.refund_lines_legacy,
        order["id"],
        {store.order(order["id"])["lines"][0]["id"]: 2},
        shipping=True,
    )

    assert Redemption.objects.count() == 5
    assert set(Redemption.objects.values_list("status", flat=True)) == {
        "released",
        "captured",
        "held",
        "returned",
    }
    assert redemption_disagreements() == []
