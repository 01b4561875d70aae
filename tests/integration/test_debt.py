"""Holds and vouchers are no shield (SPEC L3, U8), inside a real Saleor 3.23.

A member earns points on an order, parks them on a checkout (a redemption's hold) or
turns them into a voucher code, and then the order is refunded. The refund can only
take back what is still available; the rest becomes the member's debt, shown in
``rewardsMe.debt`` and in the history, and paid down first by the points a release
gives back or a later order earns. Both of Saleor's payment flows are exercised: the
legacy payments API (``orderRefund``) and the transactions API (a payment App's
``REFUND_SUCCESS``).
"""

import pytest
from saleor.core.jwt import create_access_token

from saleor_rewards.ledger import Kind
from saleor_rewards.ledger.models import Account
from saleor_rewards.programs.redemption.models import Redemption, RedemptionStatus

from .helpers import user_global_id
from .storefront import points, run
from .test_redemption import redeem, remove
from .test_vouchers import convert

DEBT_QUERY = """
query Debt($channel: String!) {
  rewardsMe(channel: $channel) {
    points { available pending held }
    debt { points cash { amount currency } }
    history(first: 30, kind: POINTS) {
      edges { node { type amount unrecovered debtAfter reference { type id } } }
    }
  }
}
"""

STAFF_DEBT_QUERY = """
query StaffDebt($userId: ID!, $channel: String!) {
  rewardsMember(userId: $userId, channel: $channel) {
    debt { points cash { amount currency } }
  }
}
"""


class Flow:
    """One of Saleor's payment flows: how an order is paid and refunded in full."""

    def __init__(self, name, pay, refund):
        self.name, self._pay, self._refund = name, pay, refund

    def __repr__(self):
        return self.name

    def pay(self, store, checkout):
        """Pay and complete the checkout; returns (order, total paid in money)."""
        total = store.total(checkout)
        return run(store, getattr(store, self._pay), checkout), total

    def refund(self, store, order_id, total):
        run(store, getattr(store, self._refund), order_id, total)


FLOWS = [
    Flow("legacy", "pay_legacy", "refund_legacy"),
    Flow("transactions", "pay_transaction", "refund_transaction"),
]


@pytest.fixture(params=FLOWS, ids=repr)
def flow(request):
    return request.param


@pytest.fixture
def variant(product):
    return product.variants.get()


def me(rewards_api, user) -> dict:
    body = rewards_api.execute(DEBT_QUERY, {"channel": "main"}, token=create_access_token(user))
    assert "errors" not in body, body
    return body["data"]["rewardsMe"]


def history(view) -> list[tuple]:
    """(type, amount, unrecovered, debtAfter) of the points history, oldest first."""
    nodes = [edge["node"] for edge in view["history"]["edges"]]
    return [(n["type"], n["amount"], n["unrecovered"], n["debtAfter"]) for n in reversed(nodes)]


def debt_points(user) -> int:
    account = Account.objects.get(member_id=user.pk, kind=Kind.POINTS)
    return int(account.debt)


def earn_100_available(store, flow, variant):
    """An order of 4 x 10.00, paid and delivered: 100 points available (L1, L2)."""
    checkout = store.checkout([(variant, 4)])
    order, total = flow.pay(store, checkout)
    run(store, store.fulfil, order["id"])
    return order, total


def test_L3_U8_points_turned_into_a_voucher_become_debt_paid_by_the_next_order(
    store, flow, rewards_api, customer_user, variant
):
    # given 100 points earned on an order, 80 of them turned into a voucher code
    order, total = earn_100_available(store, flow, variant)
    assert convert(rewards_api, customer_user, 80)["errors"] == []
    assert points(customer_user) == {"available": 20, "pending": 0}

    # when the order is refunded in full
    flow.refund(store, order["id"], total)

    # then the 20 still available are revoked and the 80 in the voucher are owed
    view = me(rewards_api, customer_user)
    assert view["points"] == {"available": 0, "pending": 0, "held": 0}
    assert view["debt"] == {"points": 80, "cash": {"amount": 0.0, "currency": "USD"}}
    assert history(view)[-1] == ("REVOKE", -20.0, 80.0, 80.0)

    # when the member's next order of 4 x 10.00 is paid and delivered
    earn_100_available(store, flow, variant)

    # then its 100 points pay the debt first: 20 stay spendable, nothing is owed
    view = me(rewards_api, customer_user)
    assert view["points"] == {"available": 20, "pending": 0, "held": 0}
    assert view["debt"]["points"] == 0
    assert history(view)[-3:] == [
        ("EARN", 100.0, 0.0, 80.0),
        ("ACTIVATE", 0.0, 0.0, 80.0),
        ("DEBT_SETTLED", -80.0, 0.0, 0.0),
    ]
    settled = view["history"]["edges"][0]["node"]
    assert settled["reference"]["type"] == "ORDER"


def test_L3_U8_points_held_on_a_checkout_become_debt_netted_when_the_hold_is_released(
    store, flow, rewards_api, customer_user, variant, staff_can_manage_users
):
    # given 100 points earned, 80 of them applied to another checkout (held)
    order, total = earn_100_available(store, flow, variant)
    checkout = store.checkout([(variant, 2)])
    assert redeem(rewards_api, customer_user, checkout, points=80)["errors"] == []

    # when the first order is refunded in full
    flow.refund(store, order["id"], total)

    # then the hold is untouched, but the 80 it parks are owed: the member and
    # staff both see the debt
    view = me(rewards_api, customer_user)
    assert view["points"] == {"available": 0, "pending": 0, "held": 80}
    assert view["debt"]["points"] == 80
    staff = rewards_api.execute(
        STAFF_DEBT_QUERY,
        {"userId": user_global_id(customer_user), "channel": "main"},
        token=create_access_token(staff_can_manage_users),
    )
    assert staff["data"]["rewardsMember"]["debt"]["points"] == 80

    # when the customer removes the points from the checkout
    assert remove(rewards_api, customer_user, checkout)["errors"] == []

    # then the released points pay the debt instead of coming back
    view = me(rewards_api, customer_user)
    assert view["points"] == {"available": 0, "pending": 0, "held": 0}
    assert view["debt"]["points"] == 0
    assert history(view)[-2:] == [
        ("RELEASE", 0.0, 0.0, 80.0),
        ("DEBT_SETTLED", -80.0, 0.0, 0.0),
    ]
    assert Redemption.objects.get().status == RedemptionStatus.RELEASED


def test_L3_U8_points_held_and_then_spent_stay_debt_until_the_next_order_pays_it(
    store, flow, rewards_api, customer_user, variant
):
    # given 100 points earned, 80 of them applied to a checkout of 4 x 10.00
    order, total = earn_100_available(store, flow, variant)
    checkout = store.checkout([(variant, 4)])
    assert redeem(rewards_api, customer_user, checkout, points=80)["errors"] == []

    # when the first order is refunded in full: 80 owed
    flow.refund(store, order["id"], total)
    assert debt_points(customer_user) == 80

    # and the checkout is then completed: the card pays 0.80, the hold is captured
    second, _ = flow.pay(store, checkout)
    assert Redemption.objects.get().status == RedemptionStatus.CAPTURED

    # then the debt stays ...
    view = me(rewards_api, customer_user)
    assert view["debt"]["points"] == 80
    assert view["points"]["held"] == 0

    # ... until the second order's points (2.5 % of 39.20: 98) are delivered
    run(store, store.fulfil, second["id"])
    view = me(rewards_api, customer_user)
    assert view["points"] == {"available": 18, "pending": 0, "held": 0}
    assert view["debt"]["points"] == 0
    assert history(view)[-1] == ("DEBT_SETTLED", -80.0, 0.0, 0.0)
