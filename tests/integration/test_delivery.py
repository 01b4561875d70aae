"""Delivery confirmed, not just shipped (SPEC L2, R6; seed 001 "Confirm Delivery").

With ``auto_confirm_days`` > 0, fulfilment (shipment) leaves an order's points
pending: they become available when the customer confirms delivery
(``rewardsOrderConfirmDelivery``), or by the activation job ``auto_confirm_days``
after fulfilment, plus ``hold_days`` either way. The sponsor's reward (R6) waits
for the same moment. Orders are made, paid and fulfilled through Saleor's own
GraphQL API (``storefront.Storefront``); ``auto_confirm_days`` 0 (the default)
keeps fulfilment as the moment, as ``test_order_points.py`` shows.
"""

import io
from datetime import timedelta
from uuid import uuid4

import pytest
from django.core.management import call_command
from django.utils import timezone
from saleor.core.jwt import create_access_token
from saleor.order import OrderEvents
from saleor.order.models import Order, OrderEvent
from saleor.plugins.manager import get_plugins_manager

from saleor_rewards.programs.loyalty.models import DeliveryConfirmation, OrderAward
from saleor_rewards.programs.referrals.models import Referral

from .storefront import entries, gid, points, run

CONFIRM = """
mutation Confirm($id: ID!) {
  rewardsOrderConfirmDelivery(orderId: $id) {
    confirmation { orderId confirmedAt }
    errors { field code message }
  }
}
"""


@pytest.fixture
def configure(store, plugin_configuration_row):
    """The store's plugin saved again with ``values`` (e.g. auto_confirm_days="7")."""
    from saleor.plugins.models import PluginConfiguration

    def make(**values):
        PluginConfiguration.objects.filter(identifier="saleor_rewards").delete()
        plugin_configuration_row(active=True, **values)
        return store

    return make


@pytest.fixture
def confirming_store(configure):
    """Points wait a week after shipment, unless the customer confirms delivery."""
    return configure(auto_confirm_days="7")


def confirm(rewards_api, user, order_id) -> dict:
    token = create_access_token(user) if user is not None else None
    body = rewards_api.execute(CONFIRM, {"id": order_id}, token=token)
    assert "errors" not in body, body
    return body["data"]["rewardsOrderConfirmDelivery"]


def codes(payload) -> list[str]:
    return [error["code"] for error in payload["errors"]]


def fulfilled_at(order_id):
    """When Saleor recorded the order's (last) fulfilment."""
    return (
        OrderEvent.objects.filter(type=OrderEvents.FULFILLMENT_FULFILLED_ITEMS)
        .order_by("-date")
        .values_list("date", flat=True)
        .first()
    )


def activate(now) -> None:
    call_command("rewards_activate", "--now", now.isoformat(), stdout=io.StringIO())


@pytest.mark.parametrize("pay", ["pay_legacy", "pay_transaction"])
def test_L2_fulfilment_leaves_points_pending_until_the_customer_confirms_delivery(
    confirming_store, rewards_api, product, customer_user, pay
):
    store = confirming_store
    checkout = store.checkout([(product.variants.get(), 2)])
    order = run(store, getattr(store, pay), checkout)

    # when the order ships
    run(store, store.fulfil, order["id"])

    # then its points stay pending: shipped is not delivered
    assert points(customer_user) == {"available": 0, "pending": 50}

    # when the customer confirms the delivery
    result = confirm(rewards_api, customer_user, order["id"])

    # then they are spendable at once (hold_days 0)
    assert result["errors"] == []
    assert result["confirmation"]["orderId"] == order["id"]
    assert points(customer_user) == {"available": 50, "pending": 0}
    assert [t for t, _ in entries(customer_user)] == ["earn", "activate"]
    confirmation = DeliveryConfirmation.objects.get()
    assert (confirmation.order_id, confirmation.member_id) == (
        str(Order.objects.get().pk),
        customer_user.pk,
    )


def test_L2_without_confirmation_the_activation_job_makes_points_available_after_auto_confirm_days(
    confirming_store, product, customer_user
):
    store = confirming_store
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))
    run(store, store.fulfil, order["id"])
    shipped = fulfilled_at(order["id"])

    # then the order's lot is due 7 days after the fulfilment Saleor recorded
    lot = OrderAward.objects.get().lot
    assert lot.available_at == shipped + timedelta(days=7)

    # and the scheduled job leaves it pending before, makes it spendable after
    activate(shipped + timedelta(days=6, hours=23))
    assert points(customer_user) == {"available": 0, "pending": 50}
    activate(shipped + timedelta(days=7, minutes=1))
    assert points(customer_user) == {"available": 50, "pending": 0}


def test_L2_confirmation_plus_hold_days_brings_the_automatic_date_forward(
    configure, rewards_api, product, customer_user
):
    store = configure(auto_confirm_days="7", hold_days="3")
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))
    run(store, store.fulfil, order["id"])
    lot = OrderAward.objects.get().lot
    assert lot.available_at == fulfilled_at(order["id"]) + timedelta(days=10)

    # when the customer confirms: spendable hold_days after the confirmation
    confirm(rewards_api, customer_user, order["id"])

    confirmed_at = DeliveryConfirmation.objects.get().confirmed_at
    lot.refresh_from_db()
    assert lot.available_at == confirmed_at + timedelta(days=3)
    assert points(customer_user) == {"available": 0, "pending": 50}
    activate(confirmed_at + timedelta(days=3, minutes=1))
    assert points(customer_user) == {"available": 50, "pending": 0}


def test_L2_another_customers_confirmation_is_not_found_like_an_unknown_order(
    confirming_store, rewards_api, product, customer_user, customer_user2
):
    store = confirming_store
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))
    run(store, store.fulfil, order["id"])

    # when someone else confirms the customer's order, or an order that does not exist
    theirs = confirm(rewards_api, customer_user2, order["id"])
    unknown = confirm(rewards_api, customer_user2, gid("Order", uuid4()))

    # then both answers are the same NOT_FOUND, and nothing changed
    assert codes(theirs) == ["NOT_FOUND"]
    assert theirs == unknown
    assert theirs["confirmation"] is None
    assert not DeliveryConfirmation.objects.exists()
    assert points(customer_user) == {"available": 0, "pending": 50}


def test_L2_an_order_not_yet_fulfilled_cannot_be_confirmed(
    confirming_store, rewards_api, product, customer_user
):
    store = confirming_store
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))
    line = store.order(order["id"])["lines"][0]

    # when the customer confirms before shipment, and after shipping only part of it
    before = confirm(rewards_api, customer_user, order["id"])
    run(store, store.fulfil, order["id"], {line["id"]: 1})
    partly = confirm(rewards_api, customer_user, order["id"])

    # then it is refused and nothing changed
    assert codes(before) == codes(partly) == ["NOT_ELIGIBLE"]
    assert before["errors"][0]["field"] == "orderId"
    assert not DeliveryConfirmation.objects.exists()
    assert points(customer_user) == {"available": 0, "pending": 50}


def test_L2_confirming_again_returns_the_same_result_and_posts_nothing(
    confirming_store, rewards_api, product, customer_user
):
    store = confirming_store
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))
    run(store, store.fulfil, order["id"])

    first = confirm(rewards_api, customer_user, order["id"])
    again = confirm(rewards_api, customer_user, order["id"])

    assert again == first
    assert DeliveryConfirmation.objects.count() == 1
    assert entries(customer_user) == [("earn", 50), ("activate", 0)]


def test_U6_the_order_sync_reads_the_confirmation_and_replays_post_nothing(
    confirming_store, rewards_api, product, customer_user
):
    store = confirming_store
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))
    run(store, store.fulfil, order["id"])
    confirm(rewards_api, customer_user, order["id"])

    # when Saleor fires the order's hooks again and the catch-up sync runs
    saleor_order = Order.objects.get()
    manager = get_plugins_manager(allow_replica=False)
    with store.capture(execute=True):
        manager.order_fulfilled(saleor_order)
        manager.order_fully_paid(saleor_order)
    call_command("rewards_sync_orders", "--hours", "1", stdout=io.StringIO())

    # then the order stays delivered, once
    assert points(customer_user) == {"available": 50, "pending": 0}
    assert entries(customer_user) == [("earn", 50), ("activate", 0)]


def test_L3_a_refund_after_confirmation_takes_back_its_share_once(
    confirming_store, rewards_api, product, customer_user
):
    store = confirming_store
    checkout = store.checkout([(product.variants.get(), 4)])
    total = store.total(checkout)
    order = run(store, store.pay_transaction, checkout)
    run(store, store.fulfil, order["id"])
    confirm(rewards_api, customer_user, order["id"])

    # when the payment App reports a refund of a fifth of the order's total
    run(store, store.refund_transaction, order["id"], total / 5)

    # then a fifth of the confirmed points is revoked, and nothing delivered again
    assert points(customer_user) == {"available": 80, "pending": 0}
    assert entries(customer_user) == [("earn", 100), ("activate", 0), ("revoke", -20)]


def test_L2_anonymous_confirmation_is_refused(confirming_store, rewards_api, product):
    store = confirming_store
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 1)]))
    run(store, store.fulfil, order["id"])

    result = confirm(rewards_api, None, order["id"])

    assert codes(result) == ["PERMISSION_DENIED"]
    assert not DeliveryConfirmation.objects.exists()


def test_L2_an_id_that_is_not_an_order_is_invalid(confirming_store, rewards_api, customer_user):
    result = confirm(rewards_api, customer_user, gid("Checkout", uuid4()))

    assert codes(result) == ["INVALID"]
    assert result["errors"][0]["field"] == "orderId"


def test_L2_with_auto_confirm_days_0_fulfilment_delivers_and_confirming_changes_nothing(
    store, rewards_api, product, customer_user
):
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))
    run(store, store.fulfil, order["id"])
    assert points(customer_user) == {"available": 50, "pending": 0}

    result = confirm(rewards_api, customer_user, order["id"])

    assert result["errors"] == []
    assert entries(customer_user) == [("earn", 50), ("activate", 0)]


def test_L2_auto_confirm_days_is_a_per_channel_setting(
    store, rewards_api, product, customer_user, channel_USD
):
    from saleor_rewards.ledger import SYSTEM
    from saleor_rewards.programs.channel.settings import update_program_settings
    from saleor_rewards.saleor_adapter.shop import channels

    # given the channel, not the plugin, waits 3 days after shipment
    update_program_settings(
        channels.program(channel_USD.slug),
        {},
        values=[("auto_confirm_days", "3")],
        actor=SYSTEM,
    )
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))

    run(store, store.fulfil, order["id"])

    assert points(customer_user) == {"available": 0, "pending": 50}
    lot = OrderAward.objects.get().lot
    assert lot.available_at == fulfilled_at(order["id"]) + timedelta(days=3)


@pytest.fixture
def sponsor(customer_user, customer_user2):
    """customer_user2 sponsors customer_user (who shops through the store)."""
    Referral.objects.create(
        sponsor_id=customer_user2.pk, friend_id=customer_user.pk, source="claim"
    )
    return customer_user2


def test_R6_the_sponsors_reward_waits_for_the_customers_confirmation(
    confirming_store, rewards_api, product, customer_user, sponsor
):
    store = confirming_store
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 5)]))
    run(store, store.fulfil, order["id"])
    assert points(sponsor) == {"available": 0, "pending": 50}

    # the sponsor cannot confirm their friend's order
    assert codes(confirm(rewards_api, sponsor, order["id"])) == ["NOT_FOUND"]

    confirm(rewards_api, customer_user, order["id"])

    assert points(sponsor) == {"available": 50, "pending": 0}
    assert points(customer_user) == {"available": 125, "pending": 0}


def test_R6_without_confirmation_the_sponsors_reward_comes_with_the_automatic_date(
    confirming_store, product, customer_user, sponsor
):
    store = confirming_store
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 5)]))
    run(store, store.fulfil, order["id"])
    shipped = fulfilled_at(order["id"])

    activate(shipped + timedelta(days=6))
    assert points(sponsor) == {"available": 0, "pending": 50}
    activate(shipped + timedelta(days=7, minutes=1))
    assert points(sponsor) == {"available": 50, "pending": 0}
    assert points(customer_user) == {"available": 125, "pending": 0}


def test_L2_an_order_paid_after_its_automatic_date_is_available_at_once(
    configure, product, customer_user
):
    """Fulfilment recorded long ago (the order was paid later, or the queue was
    down): the automatic date has passed, nothing is left to wait for."""
    store = configure(auto_confirm_days="7")
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))
    with store.capture(execute=False):  # the fulfilment's hooks are lost
        store.fulfil(order["id"])
    OrderEvent.objects.filter(type=OrderEvents.FULFILLMENT_FULFILLED_ITEMS).update(
        date=timezone.now() - timedelta(days=8)
    )

    call_command("rewards_sync_orders", "--hours", "1", stdout=io.StringIO())

    assert points(customer_user) == {"available": 50, "pending": 0}
