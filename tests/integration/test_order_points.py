"""Loyalty points from real Saleor orders (SPEC L1-L4, U6, U8).

Orders are made through Saleor's storefront and Dashboard mutations
(``storefront.Storefront``); Saleor fires its order hooks after commit, the plugin
queues a sync, and Celery runs it eagerly (Saleor's test settings).
"""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time

from saleor_rewards.ledger import Kind, expire_due_lots
from saleor_rewards.ledger.models import Account
from saleor_rewards.programs.loyalty.models import OrderAward

from .storefront import entries, points, run


def test_L1_legacy_payment_earns_pending_points_on_product_lines(store, product, customer_user):
    # given a checkout of 3 x 10.00 plus shipping
    checkout = store.checkout([(product.variants.get(), 3)])

    # when the customer pays through the legacy payments API
    order = run(store, store.pay_legacy, checkout)

    # then 2.5 % of the 30.00 products (not shipping) is pending: 75 points
    assert order["chargeStatus"] == "FULL"
    assert points(customer_user) == {"available": 0, "pending": 75}
    award = OrderAward.objects.get(kind="loyalty")
    assert award.basis == Decimal("30.000") and award.points == 75


def test_L1_transactions_api_payment_earns_the_same(store, product, customer_user):
    checkout = store.checkout([(product.variants.get(), 3)])

    order = run(store, store.pay_transaction, checkout)

    assert order["chargeStatus"] == "FULL"
    assert points(customer_user) == {"available": 0, "pending": 75}


def test_L2_fulfilment_makes_points_available(store, product, customer_user):
    checkout = store.checkout([(product.variants.get(), 2)])
    order = run(store, store.pay_legacy, checkout)

    run(store, store.fulfil, order["id"])

    assert points(customer_user) == {"available": 50, "pending": 0}
    assert [t for t, _ in entries(customer_user)] == ["earn", "activate"]


def test_L3_cancel_before_fulfilment_voids_pending_points(store, product, customer_user):
    checkout = store.checkout([(product.variants.get(), 2)])
    order = run(store, store.pay_legacy, checkout)

    run(store, store.cancel, order["id"])

    assert points(customer_user) == {"available": 0, "pending": 0}
    assert entries(customer_user) == [("earn", 50), ("void", -50)]


@pytest.fixture
def taxed_channel(channel_USD, default_tax_class):
    """Prices entered with 25 % US tax, flat rates: a line's net is 80 % of its gross."""
    from saleor.tax import TaxCalculationStrategy
    from saleor.tax.models import TaxClassCountryRate

    configuration = channel_USD.tax_configuration
    configuration.country_exceptions.all().delete()
    configuration.charge_taxes = True
    configuration.prices_entered_with_tax = True
    configuration.tax_calculation_strategy = TaxCalculationStrategy.FLAT_RATES
    configuration.save()
    TaxClassCountryRate.objects.create(tax_class=default_tax_class, country="US", rate=25)
    TaxClassCountryRate.objects.create(tax_class=None, country="US", rate=25)
    return channel_USD


def test_L1_basis_is_discounted_net_products_without_shipping_or_gift_cards(
    store,
    taxed_channel,
    product,
    shippable_gift_card_product,
    voucher_specific_product_type,
    customer_user,
):
    # given 3 x 10.00 with a 10 % product voucher, a 100.00 gift card, shipping
    checkout = store.checkout(
        [(product.variants.get(), 3), (shippable_gift_card_product.variants.get(), 1)],
        promo_code="saleor",
    )

    # when it is paid
    order = run(store, store.pay_legacy, checkout)

    # then only the product line earns: 27.00 gross after the voucher, 21.60 net
    from saleor.order.models import Order

    saleor_order = Order.objects.get()
    product_line = saleor_order.lines.get(is_gift_card=False)
    assert product_line.total_price_gross_amount == Decimal("27.00")
    assert product_line.total_price_net_amount == Decimal("21.60")
    assert saleor_order.shipping_price_gross_amount > 0
    assert Decimal(str(order["total"]["gross"]["amount"])) > Decimal("127.00")
    award = OrderAward.objects.get(kind="loyalty")
    assert award.basis == Decimal("21.600")
    assert points(customer_user) == {"available": 0, "pending": 54}  # 2.5 % of 21.60


def test_U6_order_fully_paid_fired_again_does_not_award_twice(store, product, customer_user):
    from saleor.order.models import Order
    from saleor.plugins.manager import get_plugins_manager

    checkout = store.checkout([(product.variants.get(), 3)])
    run(store, store.pay_legacy, checkout)
    saleor_order = Order.objects.get()

    # when Saleor's plugin manager fires the paid hooks again
    manager = get_plugins_manager(allow_replica=False)
    with store.capture(execute=True):
        manager.order_fully_paid(saleor_order)
        manager.order_paid(saleor_order)
        manager.order_fully_paid(saleor_order)

    assert points(customer_user) == {"available": 0, "pending": 75}
    assert entries(customer_user) == [("earn", 75)]


def test_U6_overcharged_order_earns_once_on_its_lines(store, product, customer_user):
    checkout = store.checkout([(product.variants.get(), 3)])

    order = run(store, store.pay_transaction, checkout, store.total(checkout) + 5)

    assert order["chargeStatus"] == "OVERCHARGED"
    assert entries(customer_user) == [("earn", 75)]


def test_L2_fulfilment_cancelled_and_redone_activates_once(store, product, customer_user):
    checkout = store.checkout([(product.variants.get(), 2)])
    order = run(store, store.pay_legacy, checkout)
    fulfilment = run(store, store.fulfil, order["id"])

    run(store, store.cancel_fulfilment, fulfilment)
    run(store, store.fulfil, order["id"])

    assert points(customer_user) == {"available": 50, "pending": 0}
    assert entries(customer_user) == [("earn", 50), ("activate", 0)]


def test_L2_hold_days_keep_points_pending_until_the_activation_job(
    store, product, customer_user, plugin_configuration_row
):
    from saleor.plugins.models import PluginConfiguration

    PluginConfiguration.objects.all().delete()
    plugin_configuration_row(active=True, hold_days="7")
    checkout = store.checkout([(product.variants.get(), 2)])
    order = run(store, store.pay_legacy, checkout)

    run(store, store.fulfil, order["id"])

    assert points(customer_user) == {"available": 0, "pending": 50}
    lot = OrderAward.objects.get().lot
    assert lot.available_at.date() == (timezone.now() + timedelta(days=7)).date()

    # and the scheduled activation job makes them spendable once the hold is over
    from django.core.management import call_command

    out = __import__("io").StringIO()
    call_command(
        "rewards_activate", "--now", (timezone.now() + timedelta(days=6)).isoformat(), stdout=out
    )
    assert points(customer_user) == {"available": 0, "pending": 50}
    call_command(
        "rewards_activate",
        "--now",
        (lot.available_at + timedelta(minutes=1)).isoformat(),
        stdout=out,
    )
    assert points(customer_user) == {"available": 50, "pending": 0}


def test_L3_cancel_after_fulfilment_revokes_available_points(store, product, customer_user):
    checkout = store.checkout([(product.variants.get(), 2)])
    order = run(store, store.pay_legacy, checkout)
    fulfilment = run(store, store.fulfil, order["id"])

    # Saleor cancels a fulfilled order only once its fulfilments are cancelled
    run(store, store.cancel_fulfilment, fulfilment)
    run(store, store.cancel, order["id"])

    assert points(customer_user) == {"available": 0, "pending": 0}
    assert entries(customer_user) == [("earn", 50), ("activate", 0), ("revoke", -50)]


def test_L3_partial_refund_of_lines_takes_back_their_share(store, product, customer_user):
    # given 4 x 10.00 paid: 100 points pending
    checkout = store.checkout([(product.variants.get(), 4)])
    order = run(store, store.pay_legacy, checkout)
    line_id = store.order(order["id"])["lines"][0]["id"]

    # when one unit is refunded with its line (legacy API)
    run(store, store.refund_lines_legacy, order["id"], {line_id: 1})

    # then a quarter of the basis is refunded: 25 points voided, 75 stay
    assert points(customer_user) == {"available": 0, "pending": 75}
    award = OrderAward.objects.get()
    assert (award.refunded_basis, award.taken_back) == (Decimal("10.000"), 25)


def test_L3_partial_then_full_refund_on_the_transactions_api(store, product, customer_user):
    # given 4 x 10.00 paid through the transactions API and delivered: 100 available
    checkout = store.checkout([(product.variants.get(), 4)])
    total = store.total(checkout)
    order = run(store, store.pay_transaction, checkout)
    run(store, store.fulfil, order["id"])
    assert points(customer_user)["available"] == 100

    # when the payment App reports a refund of a fifth of the order's total
    run(store, store.refund_transaction, order["id"], total / 5)

    # then a fifth of the basis goes: 20 points revoked
    assert points(customer_user)["available"] == 80

    # when the rest is refunded
    run(store, store.refund_transaction, order["id"], total - total / 5)

    # then nothing of the order stands
    assert points(customer_user)["available"] == 0
    assert [t for t, _ in entries(customer_user)] == ["earn", "activate", "revoke", "revoke"]
    assert OrderAward.objects.get().reversed


def test_U8_refund_larger_than_the_balance_revokes_down_to_zero(store, product, customer_user):
    from saleor_rewards.ledger import debit

    checkout = store.checkout([(product.variants.get(), 2)])
    total = store.total(checkout)
    order = run(store, store.pay_legacy, checkout)
    run(store, store.fulfil, order["id"])
    account = Account.objects.get(member_id=customer_user.pk, kind=Kind.POINTS)
    debit(account, 40, key="spent-on-something")

    run(store, store.refund_legacy, order["id"], total)

    account.refresh_from_db()
    assert (account.available, account.unrecovered) == (0, 40)
    # L3: the 40 already spent are owed
    assert account.debt == 40
    assert entries(customer_user)[-1] == ("revoke", -10)


def test_L4_points_expire_60_days_after_delivery(store, product, customer_user):
    from django.core.management import call_command

    checkout = store.checkout([(product.variants.get(), 2)])
    order = run(store, store.pay_legacy, checkout)
    run(store, store.fulfil, order["id"])

    with freeze_time(timezone.now() + timedelta(days=59)):
        assert expire_due_lots() == 0
    with freeze_time(timezone.now() + timedelta(days=60, minutes=1)):
        call_command("rewards_expire", stdout=__import__("io").StringIO())

    assert points(customer_user) == {"available": 0, "pending": 0}
    assert entries(customer_user)[-1] == ("expire", -50)


def test_hook_meeting_a_broken_queue_does_not_break_the_checkout(
    store, product, customer_user, monkeypatch
):
    from django.core.management import call_command
    from kombu.exceptions import OperationalError

    from saleor_rewards.saleor_adapter.tasks import orders as order_tasks

    def broken_queue(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(order_tasks.sync_order_task, "delay", broken_queue)
    checkout = store.checkout([(product.variants.get(), 3)])

    # when the checkout completes while the queue is down
    order = run(store, store.pay_legacy, checkout)

    # then the customer has their order, and no points yet
    assert order["chargeStatus"] == "FULL"
    assert points(customer_user) == {"available": 0, "pending": 0}

    # and the catch-up command awards them once the queue is back
    monkeypatch.undo()
    out = __import__("io").StringIO()
    call_command("rewards_sync_orders", "--hours", "1", stdout=out)
    assert "1/1 orders synced" in out.getvalue()
    assert points(customer_user) == {"available": 0, "pending": 75}
