"""A payment that fails after the order was paid, on Saleor's transactions API (L3, R7).

A charge-back reported by the payment App, or a charged amount the App lowers below
the order's total, leaves the order no longer fully paid without a refund to explain
it: a payment failure. The buyer's points and the sponsor's reward are taken back; a
later re-charge does not award them again. (The legacy payments API has no
charge-back: what it takes back is a refund.)
"""

import pytest
from saleor.order.models import Order

from saleor_rewards.programs.loyalty.models import OrderAward
from saleor_rewards.programs.referrals.models import Referral

from .storefront import entries, points, run


@pytest.fixture
def sponsor(customer_user, customer_user2):
    """customer_user2 sponsors customer_user (who shops through ``store``)."""
    Referral.objects.create(
        sponsor_id=customer_user2.pk, friend_id=customer_user.pk, source="claim"
    )
    return customer_user2


def _paid_and_delivered(store, product, quantity=4) -> str:
    """4 x 10.00 + 10.00 shipping, paid through a payment App and fulfilled."""
    order = run(store, store.pay_transaction, store.checkout([(product.variants.get(), quantity)]))
    assert order["chargeStatus"] == "FULL"
    run(store, store.fulfil, order["id"])
    return order["id"]


def test_L3_R7_charge_back_takes_back_the_points_and_the_sponsors_reward(
    store, product, sponsor, customer_user
):
    # given the friend's first order, delivered: 100 points for them, 40 for the sponsor
    order_id = _paid_and_delivered(store, product)
    assert points(customer_user) == {"available": 100, "pending": 0}
    assert points(sponsor) == {"available": 40, "pending": 0}

    # when the payment App reports a charge-back of part of the payment
    run(store, store.report, order_id, "CHARGE_BACK", "20.00")

    # then the order's payment failed: everything it earned is taken back
    assert Order.objects.get().charge_status == "partial"
    assert points(customer_user) == {"available": 0, "pending": 0}
    assert points(sponsor) == {"available": 0, "pending": 0}
    assert all(award.reversed for award in OrderAward.objects.all())

    # and the friend's next paid order counts as the first one (R7)
    run(store, store.pay_legacy, store.checkout([(product.variants.get(), 2)]))
    assert points(sponsor) == {"available": 0, "pending": 20}


def test_L3_charged_amount_lowered_below_the_total_is_a_payment_failure(
    store, product, customer_user
):
    checkout = store.checkout([(product.variants.get(), 4)])
    total = store.total(checkout)
    order = run(store, store.pay_transaction, checkout)
    assert points(customer_user) == {"available": 0, "pending": 100}

    # when the payment App says its transaction charged less than the order's total
    run(store, store.set_charged, order["id"], total - 10)

    # then the pending points are voided
    assert points(customer_user) == {"available": 0, "pending": 0}
    assert entries(customer_user) == [("earn", 100), ("void", -100)]


def test_L3_a_recharge_after_a_charge_back_does_not_award_again(
    store, product, sponsor, customer_user
):
    order_id = _paid_and_delivered(store, product)
    run(store, store.report, order_id, "CHARGE_BACK", "50.00")
    assert points(customer_user)["available"] == 0

    # when the payment App charges the order in full again
    run(store, store.report, order_id, "CHARGE_SUCCESS", "50.00", "recharge-1")

    # then the order is paid again, but what it earned was taken back for good
    assert Order.objects.get().charge_status == "full"
    assert points(customer_user) == {"available": 0, "pending": 0}
    assert points(sponsor) == {"available": 0, "pending": 0}
    assert [kind for kind, _ in entries(customer_user)] == ["earn", "activate", "revoke"]
    assert OrderAward.objects.filter(kind="loyalty").count() == 1


def test_L3_a_refund_on_the_transactions_api_is_not_a_payment_failure(
    store, product, customer_user
):
    order_id = _paid_and_delivered(store, product)

    # when the payment App refunds 10.00: the charged amount drops, the refund explains it
    run(store, store.refund_transaction, order_id, "10.00")

    # then only the refunded share goes: a fifth of the 50.00 order (L3)
    assert Order.objects.get().charge_status != "full"
    assert points(customer_user) == {"available": 80, "pending": 0}
