"""Conservation of the rewards gift card in real Saleor (SPEC S6; issue 9, items 1 and 7).

The value Saleor records as paid by a rewards card, on any order, equals the points
captured for it. A rewards card pays only the checkout it was issued for, whichever
way it reaches another one (a promo code, the gift card payment gateway); points
come back only when their card paid nothing anywhere; and a checkout or an order
never looks authorised by a card that no longer holds the value.

Everything goes through Saleor's own mutations (``storefront.Storefront``), both
payment flows where both apply. After every test, each card agrees with its
redemption and hold (``cards_and_holds_agree``) and ``rewards_audit`` checks the
cards one by one (``ledger_is_sound``).
"""

from decimal import Decimal

import pytest
from saleor.giftcard import GiftCardEvents
from saleor.giftcard.models import GiftCard
from saleor.order.models import Order
from saleor.payment.models import TransactionItem

from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.programs.redemption.models import Redemption, RedemptionStatus
from saleor_rewards.saleor_adapter.tasks.redemption import release_stale

from .storefront import (
    CHECKOUT_COMPLETE,
    PAYMENT_CREATE,
    PROMO_CODE,
    TRANSACTION_CREATE,
    _data,
    points,
    run,
)
from .test_redemption import (
    TRANSACTION_INITIALIZE,
    cards_and_holds_agree,  # noqa: F401 - autouse: cards agree with holds after each test
    held,
    redeem,
    remove,
)

GATEWAY = "saleor.io.gift-card-payment-gateway"

CHECKOUT_STATUS = """
query Status($id: ID!) {
  checkout(id: $id) { authorizeStatus totalPrice { gross { amount } } }
}
"""

ORDER_CONFIRM = """
mutation Confirm($id: ID!) {
  orderConfirm(id: $id) { errors { field code message } order { status } }
}
"""


@pytest.fixture
def wallet(store, program, customer_user):
    """1,600 points (as ``test_redemption``'s wallet)."""
    account = open_account(program, customer_user.pk, Kind.POINTS)
    credit(account, 600, key="soon", source=LotSource.LOYALTY, expires_in_days=5)
    credit(account, 1000, key="late", source=LotSource.BONUS, expires_in_days=50)
    return account


@pytest.fixture
def variant(product):
    return product.variants.get()


@pytest.fixture
def gateway_only(channel_USD):
    """A channel where gift cards pay only through Saleor's gift card gateway."""
    channel_USD.allow_legacy_gift_card_use = False
    channel_USD.save()
    return channel_USD


def authorise_card(store, checkout_id, code, amount) -> dict:
    """The storefront authorises the card through Saleor's gift card gateway."""
    return _data(
        store.customer.post_graphql(
            TRANSACTION_INITIALIZE,
            {"id": checkout_id, "amount": str(amount), "data": {"code": code}},
        ),
        "transactionInitialize",
    )


def app_charges(store, checkout_id, amount) -> None:
    """The payment App reports a charge on the checkout (no completion)."""
    _data(
        store.app.post_graphql(
            TRANSACTION_CREATE,
            {
                "id": checkout_id,
                "transaction": {
                    "name": "Credit card",
                    "pspReference": f"psp-{checkout_id[-8:]}-{amount}",
                    "availableActions": ["REFUND"],
                    "amountCharged": {"amount": str(amount), "currency": "USD"},
                },
            },
        ),
        "transactionCreate",
    )


def legacy_payment(store, checkout_id, amount) -> None:
    _data(
        store.customer.post_graphql(
            PAYMENT_CREATE,
            {
                "id": checkout_id,
                "input": {
                    "gateway": "mirumee.payments.dummy",
                    "token": "fully_charged",
                    "amount": str(amount),
                },
            },
        ),
        "checkoutPaymentCreate",
    )


def complete(store, checkout_id) -> dict:
    """checkoutComplete as Saleor answers it: ``errors`` and ``order``, unchecked."""
    content = store.customer.post_graphql(CHECKOUT_COMPLETE, {"id": checkout_id}).json()
    assert "errors" not in content, content["errors"]
    return content["data"]["checkoutComplete"]


def pay_rest_and_complete(store, flow, checkout_id, authorised=0) -> dict:
    """Pay what the checkout still costs (less what the gift card gateway authorised)
    through ``flow`` and complete it, unchecked."""
    rest = store.total(checkout_id) - authorised
    if flow == "legacy":
        legacy_payment(store, checkout_id, rest)
    else:
        app_charges(store, checkout_id, rest)
    return complete(store, checkout_id)


def checkout_status(store, checkout_id) -> dict:
    content = store.customer.post_graphql(CHECKOUT_STATUS, {"id": checkout_id}).json()
    return content["data"]["checkout"]


def card_paid(card) -> dict[int, int]:
    """Saleor's record of what the card paid, per order (USED_IN_ORDER events)."""
    paid = {}
    for event in card.events.filter(type=GiftCardEvents.USED_IN_ORDER):
        balance = event.parameters["balance"]
        used = Decimal(str(balance["old_current_balance"])) - Decimal(
            str(balance["current_balance"])
        )
        paid[event.order_id] = paid.get(event.order_id, 0) + used
    return {order: value for order, value in paid.items() if value}


def card_authorisations(card) -> list[TransactionItem]:
    """The gift card gateway's transactions that still authorise the card."""
    return list(
        TransactionItem.objects.filter(
            app_identifier=GATEWAY, gift_card=card, authorized_value__gt=0
        )
    )


# --- A rewards card pays only its own checkout -------------------------------------


@pytest.fixture
def hooks_missed(monkeypatch):
    """The plugin's checkout hooks did not take the card off the other checkout
    (they run after Saleor's commit: say the card arrived in between, or the hook
    failed), so completion is the last line."""
    monkeypatch.setattr(
        "saleor_rewards.saleor_adapter.plugin.take_off_foreign_cards",
        lambda token: False,
        raising=False,
    )


@pytest.mark.parametrize("flow", ["legacy", "transactions"])
def test_S6_card_of_another_checkout_as_promo_code_is_refused_at_completion(
    store, rewards_api, wallet, customer_user, variant, hooks_missed, flow
):
    # given 1,000 points on checkout A, and the customer typing A's card code into
    # their checkout B (Saleor lets the card's assignee do that)
    checkout_a = store.checkout([(variant, 3)])
    code = redeem(rewards_api, customer_user, checkout_a, points=1000)["redemption"]["giftCardCode"]
    checkout_b = store.checkout([(variant, 2)], promo_code=code)

    # when B is paid for and completed
    result = run(store, pay_rest_and_complete, store, flow, checkout_b)

    # then Saleor refuses it: no order, the card still holds A's 10.00, A's hold stays
    assert result["order"] is None
    assert [error["code"] for error in result["errors"]] == ["GIFT_CARD_NOT_APPLICABLE"]
    assert not Order.objects.exists()
    card = GiftCard.objects.get(code=code)
    assert (card.current_balance_amount, card.is_active) == (10, True)
    assert card_paid(card) == {}
    assert Redemption.objects.get().status == RedemptionStatus.HELD
    assert held(wallet) == 1000
    # the card is off B now, still on A
    assert [str(token) for token in card.checkouts.values_list("token", flat=True)] == [
        Redemption.objects.get().checkout_token
    ]


@pytest.mark.parametrize("route", ["promo code", "gateway"])
def test_S6_card_of_another_checkout_is_taken_off_it_once_saleor_commits(
    store, channel_USD, rewards_api, wallet, customer_user, variant, route
):
    # given 1,000 points on checkout A
    if route == "gateway":
        channel_USD.allow_legacy_gift_card_use = False
        channel_USD.save()
    checkout_a = store.checkout([(variant, 3)])
    code = redeem(rewards_api, customer_user, checkout_a, points=1000)["redemption"]["giftCardCode"]
    checkout_b = store.checkout([(variant, 3)])
    full_b = store.total(checkout_b)

    # when the customer puts A's card on checkout B (and the App charges the rest)
    if route == "gateway":
        run(store, authorise_card, store, checkout_b, code, "10.00")
        run(store, app_charges, store, checkout_b, full_b - 10)
    else:
        run(store, store.customer.post_graphql, PROMO_CODE, {"id": checkout_b, "code": code})

    # then the plugin takes it off B again: B costs and is authorised what it was
    card = GiftCard.objects.get(code=code)
    assert not card.checkouts.filter(token=other_token(checkout_b)).exists()
    assert card_authorisations(card) == []
    status = checkout_status(store, checkout_b)
    assert status["totalPrice"]["gross"]["amount"] == full_b
    if route == "gateway":
        assert status["authorizeStatus"] == "PARTIAL"
    assert (card.current_balance_amount, card.is_active) == (10, True)


def test_S6_card_of_another_checkout_through_the_gateway_is_refused_at_completion(
    store, gateway_only, rewards_api, wallet, customer_user, variant, hooks_missed
):
    # given 1,000 points on checkout A, and the customer authorising A's card on
    # their checkout B through Saleor's gift card gateway (the assignee may)
    checkout_a = store.checkout([(variant, 3)])
    code = redeem(rewards_api, customer_user, checkout_a, points=1000)["redemption"]["giftCardCode"]
    checkout_b = store.checkout([(variant, 3)])
    authorised = authorise_card(store, checkout_b, code, "10.00")
    assert authorised["transactionEvent"]["type"] == "AUTHORIZATION_SUCCESS"

    # when the App charges the rest of B and B is completed
    result = run(store, pay_rest_and_complete, store, "transactions", checkout_b, 10)

    # then Saleor refuses it, and B no longer counts the card as authorised
    assert result["order"] is None
    assert [error["code"] for error in result["errors"]] == ["GIFT_CARD_NOT_APPLICABLE"]
    assert not Order.objects.exists()
    card = GiftCard.objects.get(code=code)
    assert (card.current_balance_amount, card.is_active) == (10, True)
    assert card_authorisations(card) == []
    assert checkout_status(store, checkout_b)["authorizeStatus"] == "PARTIAL"
    assert Redemption.objects.get().status == RedemptionStatus.HELD


@pytest.fixture
def refusal_missed(monkeypatch):
    """The card reaches the other checkout's order anyway: the plugin's refusals
    are switched off, as if the card had arrived on the checkout between the check
    and the order (the window Saleor's completion leaves)."""
    for refusal in ("refuse_foreign_rewards_card", "take_off_foreign_cards"):
        monkeypatch.setattr(
            f"saleor_rewards.saleor_adapter.plugin.{refusal}",
            lambda checkout, **kwargs: None,
            raising=False,
        )


@pytest.mark.parametrize("hooks", ["hooks ran", "queue outage"])
@pytest.mark.parametrize("route", ["promo code", "gateway"])
def test_S6_points_whose_card_paid_another_checkout_do_not_come_back_on_remove(
    store,
    channel_USD,
    rewards_api,
    wallet,
    customer_user,
    variant,
    refusal_missed,
    monkeypatch,
    route,
    hooks,
):
    # given 1,000 points (10.00) on checkout A, whose card paid checkout B's order
    if route == "gateway":
        channel_USD.allow_legacy_gift_card_use = False
        channel_USD.save()
    checkout_a = store.checkout([(variant, 3)])
    code = redeem(rewards_api, customer_user, checkout_a, points=1000)["redemption"]["giftCardCode"]
    if route == "gateway":
        checkout_b = store.checkout([(variant, 3)])
        authorise_card(store, checkout_b, code, "10.00")
    else:
        checkout_b = store.checkout([(variant, 3)], promo_code=code)
    if hooks == "queue outage":  # the plugin's order syncs never run
        monkeypatch.setattr(
            "saleor_rewards.saleor_adapter.plugin.enqueue_order_sync", lambda order_id: None
        )
    authorised = 10 if route == "gateway" else 0
    order = run(store, pay_rest_and_complete, store, "transactions", checkout_b, authorised)
    order = order["order"]
    card = GiftCard.objects.get(code=code)
    b_order = Order.objects.get()
    assert order is not None and card_paid(card) == {b_order.id: 10}

    # when the customer removes the points from checkout A
    result = remove(rewards_api, customer_user, checkout_a)

    # then the points stay spent: captured for B's order, not released
    assert result["errors"] == []
    redemption = Redemption.objects.get()
    assert (redemption.status, redemption.captured) == (RedemptionStatus.CAPTURED, 1000)
    assert redemption.order_id == str(b_order.id)
    assert redemption.used_amount == 10
    assert points(customer_user)["available"] == 600 and held(wallet) == 0
    card.refresh_from_db()
    assert (card.current_balance_amount, card.is_active) == (0, False)


# --- The transactions route with manual confirmation (item 7) ----------------------


@pytest.fixture
def manual_confirmation(channel_USD, gateway_only):
    channel_USD.automatically_confirm_all_new_orders = False
    channel_USD.save()
    return channel_USD


def confirm(store, order_id) -> None:
    _data(store.staff.post_graphql(ORDER_CONFIRM, {"id": order_id}), "orderConfirm")


def test_S6_manual_confirmation_keeps_hold_and_card_until_saleor_charges_the_card(
    store, manual_confirmation, rewards_api, wallet, customer_user, variant
):
    # given 1,000 points authorised through the gateway, the rest charged by the App
    checkout = store.checkout([(variant, 3)])
    total = store.total(checkout)
    code = redeem(rewards_api, customer_user, checkout, points=1000)["redemption"]["giftCardCode"]
    authorise_card(store, checkout, code, "10.00")

    # when the checkout completes into an order the shop has not confirmed yet
    order = run(store, store.pay_transaction, checkout, total - 10)

    # then the sync at order_created kept the hold and the card's value
    assert order["status"] == "UNCONFIRMED"
    card = GiftCard.objects.get(code=code)
    assert (card.current_balance_amount, card.is_active) == (10, True)
    assert Redemption.objects.get().status == RedemptionStatus.HELD
    assert held(wallet) == 1000

    # when staff confirm the order
    run(store, confirm, store, order["id"])

    # then Saleor charged the card and the plugin captured the hold for that order
    saleor_order = Order.objects.get()
    assert saleor_order.charge_status == "full"
    card.refresh_from_db()
    assert card.current_balance_amount == 0 and card_paid(card) == {saleor_order.id: 10}
    redemption = Redemption.objects.get()
    assert (redemption.status, redemption.captured) == (RedemptionStatus.CAPTURED, 1000)
    assert redemption.order_id == str(saleor_order.id)
    assert points(customer_user)["available"] == 600 and held(wallet) == 0


def test_S6_unconfirmed_order_cancelled_gives_the_points_back(
    store, manual_confirmation, rewards_api, wallet, customer_user, variant
):
    checkout = store.checkout([(variant, 3)])
    total = store.total(checkout)
    code = redeem(rewards_api, customer_user, checkout, points=1000)["redemption"]["giftCardCode"]
    authorise_card(store, checkout, code, "10.00")
    order = run(store, store.pay_transaction, checkout, total - 10)

    # when staff cancel the order before confirming it
    run(store, store.cancel, order["id"])

    # then the card never paid: the points come back and the card is emptied
    card = GiftCard.objects.get(code=code)
    assert card_paid(card) == {}
    assert (card.current_balance_amount, card.is_active) == (0, False)
    assert Redemption.objects.get().status == RedemptionStatus.RELEASED
    assert points(customer_user)["available"] == 1600 and held(wallet) == 0


@pytest.mark.parametrize("how", ["remove", "replace", "stale release"])
def test_S6_releasing_the_points_voids_the_card_authorisation_on_the_checkout(
    store, gateway_only, rewards_api, wallet, customer_user, variant, how
):
    # given a checkout fully authorised: 10.00 by the card, the rest by the App
    checkout = store.checkout([(variant, 3)])
    total = store.total(checkout)
    code = redeem(rewards_api, customer_user, checkout, points=1000)["redemption"]["giftCardCode"]
    authorise_card(store, checkout, code, "10.00")
    app_charges(store, checkout, total - 10)
    assert checkout_status(store, checkout)["authorizeStatus"] == "FULL"

    # when the points come off the checkout
    if how == "remove":
        assert remove(rewards_api, customer_user, checkout)["errors"] == []
    elif how == "replace":
        redeem(rewards_api, customer_user, checkout, points=500)
    else:
        first = Redemption.objects.get()
        assert release_stale(first.id) == "released"

    # then the card's authorisation is cancelled: the checkout is no longer paid
    card = GiftCard.objects.get(code=code)
    assert (card.current_balance_amount, card.is_active) == (0, False)
    assert card_authorisations(card) == []
    assert checkout_status(store, checkout)["authorizeStatus"] == "PARTIAL"
    result = complete(store, checkout)
    assert result["order"] is None
    assert [error["code"] for error in result["errors"]] == ["CHECKOUT_NOT_FULLY_PAID"]


# --- rewards_audit, card by card ---------------------------------------------------


def audit_report() -> str:
    import io

    from django.core.management import CommandError, call_command

    out, err = io.StringIO(), io.StringIO()
    with pytest.raises(CommandError):
        call_command("rewards_audit", stdout=out, stderr=err)
    return err.getvalue()


@pytest.mark.parametrize("tampered", ["captured", "released"])
def test_S6_rewards_audit_reports_a_card_that_paid_more_than_its_points(
    store, rewards_api, wallet, customer_user, variant, tampered
):
    from saleor.giftcard.models import GiftCardEvent

    # given a card whose 5.00 paid an order, or a card whose points were released
    checkout = store.checkout([(variant, 3)])
    redeem(rewards_api, customer_user, checkout, points=500)
    if tampered == "captured":
        run(store, store.pay_legacy, checkout)
    else:
        remove(rewards_api, customer_user, checkout)
    other = store.checkout([(variant, 1)])
    run(store, store.pay_legacy, other)
    card = GiftCard.objects.get()

    # when Saleor's records say the card paid 3.00 more on an order (a restore, a
    # hand edit, a path the plugin missed)
    event = GiftCardEvent.objects.create(
        gift_card=card,
        order=Order.objects.get(checkout_token=other_token(other)),
        type=GiftCardEvents.USED_IN_ORDER,
        parameters={
            "balance": {"currency": "USD", "old_current_balance": 3.0, "current_balance": 0.0}
        },
    )

    # then the audit fails naming the card and what it paid against the points
    report = audit_report()
    assert f"gift card {card.pk}" in report
    assert ("paid 8.00" if tampered == "captured" else "paid 3.00") in report
    event.delete()  # the fixtures' audit after the test must pass again


def other_token(checkout_id) -> str:
    import graphene

    return graphene.Node.from_global_id(checkout_id)[1]
