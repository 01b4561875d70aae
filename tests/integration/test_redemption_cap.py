"""The cap on paying with rewards holds at completion, in real Saleor (S1, S5, T1).

Points are applied at the cap, then the checkout shrinks (Saleor's
``checkoutLinesUpdate``). Completion through Saleor's ``checkoutComplete`` — on the
legacy payments API, the transactions API and with the gift card payment gateway —
never lets the rewards gift cards pay more than the member's cap of the products as
completed: the plugin lowers the redemption when the checkout changes, and Saleor's
``preprocess_order_creation`` refuses whatever is still above the cap. Vouchers
bought with points carry the cap as their minimum spend; unverified members cannot
pay with points at all.
"""

from decimal import Decimal

import pytest
from saleor.core.jwt import create_access_token
from saleor.discount.models import VoucherChannelListing, VoucherCode
from saleor.giftcard.models import GiftCard
from saleor.order.models import Order

from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.programs.redemption.models import Redemption, RedemptionStatus
from saleor_rewards.programs.tiers.models import Tier
from saleor_rewards.saleor_adapter.shop.gift_cards import redemption_disagreements
from saleor_rewards.saleor_adapter.tasks.redemption_cap import fit_redemption_to_cap_task

from .storefront import (
    CHECKOUT_COMPLETE,
    PAYMENT_CREATE,
    PROMO_CODE,
    TRANSACTION_CREATE,
    _data,
    points,
)
from .test_redemption import TRANSACTION_INITIALIZE, held, redeem

LINES = """query Lines($id: ID!) { checkout(id: $id) { lines { id } } }"""

LINES_UPDATE = """
mutation Quantity($id: ID!, $lines: [CheckoutLineUpdateInput!]!) {
  checkoutLinesUpdate(id: $id, lines: $lines) { errors { field code message } }
}
"""

VOUCHER_CREATE = """
mutation Create($points: Int!) {
  rewardsVoucherCreate(channel: "main", points: $points) {
    errors { field code message } voucherCode value { amount currency } %s
  }
}
"""


@pytest.fixture(autouse=True)
def cards_and_holds_agree(db):
    yield
    assert redemption_disagreements() == []


@pytest.fixture
def wallet(store, program, customer_user):
    """1,600 points: 600 expiring in 5 days, 1,000 in 50."""
    account = open_account(program, customer_user.pk, Kind.POINTS)
    credit(account, 600, key="soon", source=LotSource.LOYALTY, expires_in_days=5)
    credit(account, 1000, key="late", source=LotSource.BONUS, expires_in_days=50)
    return account


@pytest.fixture
def queue_down(monkeypatch):
    """The plugin's Celery queue refuses new tasks: nothing lowers a redemption."""

    def broken(*args, **kwargs):
        raise ConnectionError("the broker is down")

    monkeypatch.setattr(fit_redemption_to_cap_task, "delay", broken)


@pytest.fixture
def variant(product):
    return product.variants.get()  # 10.00 USD


def set_quantity(store, checkout_id, quantity):
    """The customer changes the checkout's only line (Saleor's ``checkoutLinesUpdate``)."""
    content = store.customer.post_graphql(LINES, {"id": checkout_id}).json()
    [line] = content["data"]["checkout"]["lines"]
    _data(
        store.customer.post_graphql(
            LINES_UPDATE,
            {"id": checkout_id, "lines": [{"lineId": line["id"], "quantity": quantity}]},
        ),
        "checkoutLinesUpdate",
    )


def charge_by_app(store, checkout_id, amount):
    """A payment App reports money charged on the checkout (transactions API)."""
    _data(
        store.app.post_graphql(
            TRANSACTION_CREATE,
            {
                "id": checkout_id,
                "transaction": {
                    "name": "Credit card",
                    "pspReference": f"psp-{amount}",
                    "availableActions": ["REFUND"],
                    "amountCharged": {"amount": str(amount), "currency": "USD"},
                },
            },
        ),
        "transactionCreate",
    )


def complete(store, checkout_id, flow) -> list[dict]:
    """Pay what is left (legacy: the dummy gateway; transactions: an App's charge;
    paid: nothing more), then ``checkoutComplete``; Saleor's errors (after-commit
    hooks run)."""
    left = store.total(checkout_id)
    if flow == "paid":
        pass
    elif flow == "legacy":
        payment = {
            "gateway": "mirumee.payments.dummy",
            "token": "fully_charged",
            "amount": str(left),
        }
        _data(
            store.customer.post_graphql(PAYMENT_CREATE, {"id": checkout_id, "input": payment}),
            "checkoutPaymentCreate",
        )
    elif left > 0:
        charge_by_app(store, checkout_id, left)
    with store.capture(execute=True):
        response = store.customer.post_graphql(CHECKOUT_COMPLETE, {"id": checkout_id})
    return response.json()["data"]["checkoutComplete"]["errors"]


def assert_refused_above_the_cap(errors, cap="5.00"):
    assert [(e["field"], e["code"]) for e in errors] == [("giftCards", "GIFT_CARD_NOT_APPLICABLE")]
    message = errors[0]["message"]
    assert f"At most {cap} USD (50 % of the products)" in message, message
    assert "Apply your points again" in message
    assert not Order.objects.exists()


# --- S1: the cap at completion -------------------------------------------------------


@pytest.mark.parametrize("flow", ["legacy", "transactions"])
def test_S1_cards_above_the_cap_of_the_completed_checkout_are_refused(
    store, rewards_api, wallet, customer_user, variant, flow, queue_down
):
    # given 15.00 of points on 3 x 10.00 (cap 50 % = 15.00), then the customer keeps
    # one item while the plugin's queue is down (nothing lowers the redemption)
    checkout = store.checkout([(variant, 3)])
    redeem(rewards_api, customer_user, checkout, points=1500)
    set_quantity(store, checkout, 1)

    # when the customer pays the rest (5.00 + 10.00 shipping - 15.00 card) and completes
    errors = complete(store, checkout, flow)

    # then Saleor refuses: the card would pay 15.00 of products worth 10.00
    assert_refused_above_the_cap(errors)
    redemption = Redemption.objects.get()
    assert (redemption.status, held(wallet)) == (RedemptionStatus.HELD, 1500)

    # and applying the points again within the cap completes
    redeem(rewards_api, customer_user, checkout, points=500)
    assert complete(store, checkout, flow) == []
    captured = Redemption.objects.get(status=RedemptionStatus.CAPTURED)
    assert (captured.captured, captured.used_amount) == (500, Decimal("5.000"))
    assert points(customer_user)["available"] == 1100


def test_S1_a_checkout_being_paid_is_not_changed_and_completion_refuses_it(
    store, rewards_api, wallet, customer_user, variant
):
    # given points at the cap and an App's payment of 5.00 already on the checkout
    checkout = store.checkout([(variant, 3)])
    redeem(rewards_api, customer_user, checkout, points=1500)
    charge_by_app(store, checkout, "5.00")

    # when the customer removes two items (the checkout hooks run)
    with store.capture(execute=True):
        set_quantity(store, checkout, 1)

    # then the redemption stays as it is (the total must not move under a payment)
    redemption = Redemption.objects.get()
    assert (redemption.status, redemption.amount) == (RedemptionStatus.HELD, Decimal("15.000"))
    # and completion (10.00 + 10.00 shipping - 15.00 card = 5.00, paid) refuses it
    assert_refused_above_the_cap(complete(store, checkout, "paid"))


def test_S1_gift_card_gateway_authorisation_above_the_cap_is_refused(
    store, rewards_api, wallet, customer_user, variant, channel_USD
):
    # given a channel where the storefront pays with the card through Saleor's gift
    # card payment gateway, and 15.00 authorised on 3 x 10.00
    channel_USD.allow_legacy_gift_card_use = False
    channel_USD.save()
    checkout = store.checkout([(variant, 3)])
    code = redeem(rewards_api, customer_user, checkout, points=1500)["redemption"]["giftCardCode"]
    authorised = _data(
        store.customer.post_graphql(
            TRANSACTION_INITIALIZE, {"id": checkout, "amount": "15.00", "data": {"code": code}}
        ),
        "transactionInitialize",
    )
    assert authorised["transactionEvent"]["type"] == "AUTHORIZATION_SUCCESS"

    # when the customer keeps one item and an App charges the rest of the total
    with store.capture(execute=True):
        set_quantity(store, checkout, 1)
    charge_by_app(store, checkout, "5.00")

    # then completion refuses the authorisation above the cap of 5.00
    assert_refused_above_the_cap(complete(store, checkout, "paid"))
    assert GiftCard.objects.get(code=code).current_balance_amount == 15


@pytest.mark.parametrize("flow", ["legacy", "transactions"])
def test_S1_removing_lines_lowers_the_redemption_to_the_new_cap(
    store, rewards_api, wallet, customer_user, variant, flow
):
    # given 15.00 of points on 3 x 10.00 (cap 15.00)
    checkout = store.checkout([(variant, 3)])
    first = redeem(rewards_api, customer_user, checkout, points=1500)["redemption"]

    # when the customer keeps one item (the checkout hooks run)
    with store.capture(execute=True):
        set_quantity(store, checkout, 1)

    # then the redemption is lowered to the new cap: 5.00 held on a new card on the
    # checkout, the other 1,000 points spendable again, the old card empty
    lowered = Redemption.objects.get(status=RedemptionStatus.HELD)
    assert (lowered.units, lowered.amount) == (500, Decimal("5.000"))
    assert GiftCard.objects.get(pk=lowered.gift_card_id).checkouts.count() == 1
    old = GiftCard.objects.get(code=first["giftCardCode"])
    assert (old.is_active, old.current_balance_amount) == (False, 0)
    assert held(wallet) == 500 and points(customer_user)["available"] == 1100
    assert store.total(checkout) == Decimal("15.00")  # 10.00 + 10.00 shipping - 5.00

    # and the checkout completes within the cap
    assert complete(store, checkout, flow) == []
    order = Order.objects.get()
    assert order.gift_cards.get().pk == lowered.gift_card_id
    lowered.refresh_from_db()
    assert (lowered.status, lowered.captured) == (RedemptionStatus.CAPTURED, 500)


def test_S1_a_checkout_too_small_for_any_points_gets_its_points_back(
    store, rewards_api, wallet, customer_user, variant
):
    checkout = store.checkout([(variant, 3)])
    redeem(rewards_api, customer_user, checkout, points=1500)
    Tier.objects.update(max_redeem_percent=Decimal("0.05"))  # 0.05 % of 10.00 < 0.01

    with store.capture(execute=True):
        set_quantity(store, checkout, 1)

    assert Redemption.objects.get().status == RedemptionStatus.RELEASED
    assert held(wallet) == 0 and points(customer_user)["available"] == 1600
    assert not GiftCard.objects.filter(is_active=True).exists()


# --- S5: vouchers from points count against the cap ----------------------------------


def convert(rewards_api, user, points_, fields="") -> dict:
    body = rewards_api.execute(
        VOUCHER_CREATE % fields, {"points": points_}, token=create_access_token(user)
    )
    return body["data"]["rewardsVoucherCreate"]


def add_code(store, checkout_id, code) -> list[str]:
    response = store.customer.post_graphql(PROMO_CODE, {"id": checkout_id, "code": code})
    return [e["code"] for e in response.json()["data"]["checkoutAddPromoCode"]["errors"]]


def test_S5_voucher_from_points_needs_a_min_spend_of_value_x_100_over_cap(
    store, rewards_api, wallet, customer_user, variant, channel_USD
):
    # when 6.00 of points become a voucher at the program's cap of 50 %
    result = convert(rewards_api, customer_user, 600)

    # then it needs 12.00 of products: Saleor refuses it on 10.00, takes it on 20.00
    assert result["errors"] == []
    listing = VoucherChannelListing.objects.get(voucher__codes__code=result["voucherCode"])
    assert (listing.channel, listing.min_spent_amount) == (channel_USD, Decimal("12.000"))
    assert add_code(store, store.checkout([(variant, 1)]), result["voucherCode"]) == [
        "VOUCHER_NOT_APPLICABLE"
    ]
    two = store.checkout([(variant, 2)])
    before = store.total(two)
    assert add_code(store, two, result["voucherCode"]) == []
    assert store.total(two) == before - 6
    # and takes it off when the checkout drops below it: the order pays full price
    set_quantity(store, two, 1)
    assert complete(store, two, "legacy") == []
    order = Order.objects.get()
    assert (order.voucher_code, order.total_gross_amount) == (None, Decimal("20.000"))
    # and the customer is told
    shown = convert(rewards_api, customer_user, 600, "minSpent { amount currency }")
    assert shown["minSpent"] == {"amount": 12.0, "currency": "USD"}


def test_S5_the_tier_cap_sets_the_voucher_min_spend(store, rewards_api, wallet, customer_user):
    # given the seed-002 preset: every tier caps paying with points at 5 %
    Tier.objects.filter(for_unverified=False).update(max_redeem_percent=5)

    result = convert(rewards_api, customer_user, 500)

    listing = VoucherChannelListing.objects.get(voucher__codes__code=result["voucherCode"])
    assert listing.min_spent_amount == Decimal("100.000")  # 5.00 x 100 / 5


def test_S5_a_points_voucher_on_the_checkout_leaves_less_for_points(
    store, rewards_api, wallet, customer_user, variant
):
    # given a 5.00 voucher from points on 3 x 10.00: products 30.00 before rewards,
    # so rewards may pay 15.00 of it, 10.00 of which is left for paying with points
    code = convert(rewards_api, customer_user, 500)["voucherCode"]
    checkout = store.checkout([(variant, 3)], promo_code=code)

    refused = redeem(rewards_api, customer_user, checkout, points=1001)
    applied = redeem(rewards_api, customer_user, checkout, points=1000)

    assert [e["code"] for e in refused["errors"]] == ["LIMIT_EXCEEDED"]
    assert "5.00 USD of it by a points voucher" in refused["errors"][0]["message"]
    assert applied["errors"] == []
    assert complete(store, checkout, "legacy") == []


def test_S1_a_refused_completion_keeps_the_points_voucher_for_the_next_try(
    store, rewards_api, wallet, customer_user, variant, queue_down
):
    # given a 5.00 points voucher and 10.00 of points on 3 x 10.00 (15.00 of rewards),
    # then one item removed: 20.00 of products allow 10.00 of rewards, 5.00 by points
    code = convert(rewards_api, customer_user, 500)["voucherCode"]
    checkout = store.checkout([(variant, 3)], promo_code=code)
    redeem(rewards_api, customer_user, checkout, points=1000)
    set_quantity(store, checkout, 2)

    # when Saleor's legacy payment flow refuses the completion
    errors = complete(store, checkout, "legacy")
    assert_refused_above_the_cap(errors, cap="10.00")
    assert "5.00 USD of it by a points voucher" in errors[0]["message"]

    # then the single-use code is not spent: applying 5.00 of points completes with it
    assert VoucherCode.objects.filter(code=code, used=0, is_active=True).exists()
    redeem(rewards_api, customer_user, checkout, points=500)
    assert complete(store, checkout, "legacy") == []
    assert Order.objects.get().voucher_code == code


# --- T1: Unverified members cannot pay with points -----------------------------------


def test_T1_unverified_member_cannot_pay_with_points(
    store, rewards_api, wallet, customer_user, variant
):
    customer_user.is_confirmed = False
    customer_user.save(update_fields=["is_confirmed"])
    checkout = store.checkout([(variant, 3)])

    result = redeem(rewards_api, customer_user, checkout, points=100)
    voucher = convert(rewards_api, customer_user, 100)

    for errors in (result["errors"], voucher["errors"]):
        assert [(e["field"], e["code"]) for e in errors] == [("points", "NOT_ELIGIBLE")]
        assert errors[0]["message"] == "Verify your e-mail address to pay with rewards."
    assert held(wallet) == 0 and not GiftCard.objects.exists()
    assert points(customer_user)["available"] == 1600
