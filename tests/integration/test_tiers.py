"""Membership tiers in real Saleor (T1-T4): upgrade on payment, the automatic
discount through Saleor's voucher machinery, nobody else can use it, downgrade on
refund, and the scheduled recompute.

Checkouts and orders go through Saleor's own mutations (``storefront.Storefront``);
Saleor's test client runs the after-commit hooks, and Celery runs eagerly.
"""

import io
from datetime import timedelta
from decimal import Decimal

import graphene
import pytest
from django.core.management import call_command
from saleor.core.jwt import create_access_token

from saleor_rewards.money import CODE_ALPHABET
from saleor_rewards.programs.loyalty.models import OrderAward
from saleor_rewards.programs.tiers.models import MemberTier
from saleor_rewards.saleor_adapter import plugin

from .storefront import gid, run

CHECKOUT = """query($id: ID!) { checkout(id: $id) {
  voucherCode discount { amount } subtotalPrice { gross { amount } }
  totalPrice { gross { amount } } } }"""
PROMO_CODE = """mutation($id: ID!, $code: String!) {
  checkoutAddPromoCode(id: $id, promoCode: $code) { errors { field code message } } }"""
PAYMENT = """mutation($id: ID!, $amount: PositiveDecimal!) {
  checkoutPaymentCreate(id: $id, input: {gateway: "mirumee.payments.dummy",
    token: "fully_charged", amount: $amount}) { errors { field code message } } }"""
COMPLETE = """mutation($id: ID!) { checkoutComplete(id: $id) {
  errors { field code message } order { id } } }"""


@pytest.fixture
def variant(product):
    variant = product.variants.get()
    variant.stocks.update(quantity=1000)
    return variant  # 10.00 USD


def checkout_state(client, checkout_id) -> dict:
    content = client.post_graphql(CHECKOUT, {"id": checkout_id}).json()
    data = content["data"]["checkout"]
    return {
        "voucherCode": data["voucherCode"],
        "discount": Decimal(str(data["discount"]["amount"])),
        "subtotal": Decimal(str(data["subtotalPrice"]["gross"]["amount"])),
        "total": Decimal(str(data["totalPrice"]["gross"]["amount"])),
    }


def tier_of(user) -> str | None:
    row = MemberTier.objects.select_related("tier").get(member_id=user.pk)
    return row.tier.name if row.tier else None


def become_vip_d(store, variant) -> dict:
    """21 x 10.00 with Regular's 0.5 %: 208.95 of consumption -> VIP-D (200)."""
    checkout = store.checkout([(variant, 21)])
    return store.pay_legacy(checkout)


def test_T1_verified_customers_first_checkout_carries_regulars_discount(
    tiered_store, variant, customer_user
):
    checkout = tiered_store.checkout([(variant, 10)])

    state = checkout_state(tiered_store.customer, checkout)

    assert tier_of(customer_user) == "Regular"
    assert state["discount"] == Decimal("0.50")  # 0.5 % of 100.00
    code = MemberTier.objects.get().discount_code
    assert state["voucherCode"] == code
    # MEMBER- and 12 characters of the house alphabet (saleor_rewards.money)
    assert code.startswith("MEMBER-") and len(code) == 19
    assert set(code.removeprefix("MEMBER-")) <= set(CODE_ALPHABET)


def test_T4_member_reaching_200_becomes_VIP_D_and_next_checkout_has_1_percent(
    tiered_store, variant, customer_user
):
    from saleor.order.models import Order

    # given a paid order worth 208.95 of products
    become_vip_d(tiered_store, variant)
    assert tier_of(customer_user) == "VIP-D"
    assert MemberTier.objects.get().consumption == Decimal("208.950")

    # when the member starts the next checkout, 10 x 10.00
    checkout = tiered_store.checkout([(variant, 10)])

    # then Saleor discounts 1 % of the products, and the total shows it
    state = checkout_state(tiered_store.customer, checkout)
    assert state["discount"] == Decimal("1.00")
    assert state["subtotal"] == Decimal("99.00")
    order = tiered_store.pay_legacy(checkout)
    # and the completed order keeps the discount
    saleor_order = Order.objects.get(id=graphene.Node.from_global_id(order["id"])[1])
    discount = saleor_order.discounts.get()
    assert (discount.type, discount.amount_value) == ("voucher", Decimal("1.00"))
    assert saleor_order.voucher_code == state["voucherCode"]
    assert saleor_order.subtotal_gross_amount == Decimal("99.00")


def test_T4_another_customers_checkout_loses_the_members_code(
    tiered_store, variant, customer_user, user2_api_client
):
    become_vip_d(tiered_store, variant)
    code = MemberTier.objects.get(member_id=customer_user.pk).discount_code
    other = tiered_store.__class__(
        user2_api_client,
        tiered_store.staff,
        tiered_store.app,
        tiered_store.channel,
        tiered_store.warehouse,
    )
    checkout = other.checkout([(variant, 10)])
    own_code = checkout_state(other.customer, checkout)["voucherCode"]

    # when the other customer enters the member's code
    user2_api_client.post_graphql(PROMO_CODE, {"id": checkout, "code": code})

    # then the checkout hook takes it off again: their own tier's code is back
    state = checkout_state(other.customer, checkout)
    assert state["voucherCode"] != code
    assert state["voucherCode"] == own_code
    assert state["discount"] == Decimal("0.50")  # their Regular, not VIP-D


def test_T4_a_members_code_cannot_complete_someone_elses_order(
    tiered_store, variant, customer_user, user2_api_client, monkeypatch
):
    become_vip_d(tiered_store, variant)
    code = MemberTier.objects.get(member_id=customer_user.pk).discount_code
    other = tiered_store.__class__(
        user2_api_client,
        tiered_store.staff,
        tiered_store.app,
        tiered_store.channel,
        tiered_store.warehouse,
    )
    checkout = other.checkout([(variant, 10)])
    # given the code reached the other checkout while the hooks' queue was down
    monkeypatch.setattr(plugin, "enqueue_tier_discount", lambda token: None)
    result = user2_api_client.post_graphql(PROMO_CODE, {"id": checkout, "code": code})
    assert result.json()["data"]["checkoutAddPromoCode"]["errors"] == []
    assert checkout_state(other.customer, checkout)["voucherCode"] == code
    total = checkout_state(other.customer, checkout)["total"]
    user2_api_client.post_graphql(PAYMENT, {"id": checkout, "amount": str(total)})

    # when they complete it
    response = user2_api_client.post_graphql(COMPLETE, {"id": checkout}).json()

    # then Saleor refuses the order
    errors = response["data"]["checkoutComplete"]["errors"]
    assert [(e["field"], e["code"]) for e in errors] == [("voucherCode", "VOUCHER_NOT_APPLICABLE")]
    assert response["data"]["checkoutComplete"]["order"] is None


def test_T4_customers_own_promo_code_wins_over_the_tier_discount(
    tiered_store, variant, customer_user, voucher
):
    checkout = tiered_store.checkout([(variant, 10)], promo_code=voucher.code)

    state = checkout_state(tiered_store.customer, checkout)

    assert state["voucherCode"] == voucher.code
    assert state["discount"] == Decimal("20.00")  # the shop's voucher, not 0.5 %


def test_T3_refund_below_200_downgrades_and_the_next_checkout_gets_less(
    tiered_store, variant, customer_user
):
    order = become_vip_d(tiered_store, variant)
    assert tier_of(customer_user) == "VIP-D"

    # when staff refund 2 of the 21 units with their line
    line_id = tiered_store.order(order["id"])["lines"][0]["id"]
    run(tiered_store, tiered_store.refund_lines_legacy, order["id"], {line_id: 2})

    # then consumption falls below 200 and the member is Regular again
    assert MemberTier.objects.get().consumption < 200
    assert tier_of(customer_user) == "Regular"
    checkout = tiered_store.checkout([(variant, 10)])
    assert checkout_state(tiered_store.customer, checkout)["discount"] == Decimal("0.50")


def test_T2_scheduled_recompute_drops_orders_out_of_the_rolling_window(
    tiered_store, variant, customer_user, program
):
    become_vip_d(tiered_store, variant)
    program.settings = {"tier_window_days": 30}
    program.save()
    OrderAward.objects.update(created_at=OrderAward.objects.get().created_at - timedelta(days=31))
    out = io.StringIO()

    call_command("rewards_recompute_tiers", stdout=out)

    assert tier_of(customer_user) == "Regular"
    assert "main: 1 member(s) changed" in out.getvalue()
    assert "1 discount code(s) moved" in out.getvalue()


def test_T4_unverified_customer_gets_no_discount(tiered_store, variant, customer_user):
    customer_user.is_confirmed = False
    customer_user.save(update_fields=["is_confirmed"])

    checkout = tiered_store.checkout([(variant, 10)])

    assert tier_of(customer_user) == "Unverified"
    state = checkout_state(tiered_store.customer, checkout)
    assert (state["voucherCode"], state["discount"]) == (None, Decimal(0))


def test_T2_staff_tier_change_moves_the_discount_of_open_checkouts(
    tiered_store, variant, customer_user, rewards_api, staff_can_manage_discounts
):
    from saleor_rewards.programs.tiers.models import Tier

    checkout = tiered_store.checkout([(variant, 10)])
    regular = Tier.objects.get(name="Regular")

    with tiered_store.capture(execute=True):
        response = rewards_api.execute(
            """mutation($id: ID!) { rewardsTierUpdate(id: $id, input: {discountPercent: "3"})
               { errors { field code } } }""",
            {"id": gid("RewardsTier", regular.id)},
            token=create_access_token(staff_can_manage_discounts),
        )

    assert response["data"]["rewardsTierUpdate"]["errors"] == []
    state = checkout_state(tiered_store.customer, checkout)
    assert state["discount"] == Decimal("3.00")
