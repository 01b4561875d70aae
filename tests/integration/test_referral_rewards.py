"""The sponsor's reward on a friend's first order, from real Saleor orders (R6-R8)."""

import pytest

from saleor_rewards.programs.loyalty.models import OrderAward
from saleor_rewards.programs.referrals.models import Referral

from .storefront import points, run


@pytest.fixture
def sponsor(customer_user, customer_user2):
    """customer_user2 sponsors customer_user (who shops through ``store``)."""
    Referral.objects.create(
        sponsor_id=customer_user2.pk, friend_id=customer_user.pk, source="claim"
    )
    return customer_user2


def test_R6_sponsor_earns_one_percent_of_the_first_order_pending_until_delivery(
    store, product, sponsor, customer_user
):
    checkout = store.checkout([(product.variants.get(), 5)])

    order = run(store, store.pay_legacy, checkout)

    # 1 % of 50.00 = 50 points for the sponsor, pending; 2.5 % for the friend
    assert points(sponsor) == {"available": 0, "pending": 50}
    assert points(customer_user) == {"available": 0, "pending": 125}

    run(store, store.fulfil, order["id"])

    assert points(sponsor) == {"available": 50, "pending": 0}


def test_R6_a_second_order_does_not_reward_the_sponsor_again(
    store, product, sponsor, customer_user
):
    variant = product.variants.get()
    run(store, store.pay_legacy, store.checkout([(variant, 2)]))

    run(store, store.pay_transaction, store.checkout([(variant, 3)]))

    assert points(sponsor) == {"available": 0, "pending": 20}
    assert OrderAward.objects.filter(kind="referral").count() == 1


def test_R7_first_order_cancelled_then_the_second_order_rewards(
    store, product, sponsor, customer_user
):
    variant = product.variants.get()
    first = run(store, store.pay_legacy, store.checkout([(variant, 2)]))
    run(store, store.cancel, first["id"])
    assert points(sponsor) == {"available": 0, "pending": 0}

    run(store, store.pay_legacy, store.checkout([(variant, 4)]))

    assert points(sponsor) == {"available": 0, "pending": 40}
    awards = OrderAward.objects.filter(kind="referral").order_by("id")
    assert [(a.points, a.taken_back, a.reversed) for a in awards] == [
        (20, 20, True),
        (40, 0, False),
    ]


def test_R7_partial_refund_takes_back_the_sponsors_share(store, product, sponsor, customer_user):
    order = run(store, store.pay_legacy, store.checkout([(product.variants.get(), 4)]))
    line_id = store.order(order["id"])["lines"][0]["id"]

    run(store, store.refund_lines_legacy, order["id"], {line_id: 2})

    assert points(sponsor) == {"available": 0, "pending": 20}
