"""SPEC S5 inside a real Saleor 3.23: points become a Saleor voucher code that a
customer enters at checkout (``checkoutAddPromoCode``), good for one order."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.utils import timezone
from freezegun import freeze_time
from saleor.core.jwt import create_access_token
from saleor.discount.models import Voucher, VoucherCode

from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.programs.vouchers.models import VoucherConversion

from .helpers import ledger_row_counts, settle_deferred_checks
from .storefront import (
    CHECKOUT_COMPLETE,
    PAYMENT_CREATE,
    PROMO_CODE,
    entries,
    points,
    run,
)

CREATE = """
mutation Create($channel: String!, $points: Int!) {
  rewardsVoucherCreate(channel: $channel, points: $points) {
    errors { field code message }
    voucherCode value { amount currency } validUntil
  }
}
"""


@pytest.fixture
def member(store, program, customer_user):
    """The store's customer with 1000 available points in ``main`` (USD)."""
    account = open_account(program, customer_user.pk, Kind.POINTS)
    credit(account, 1000, key="seed", source=LotSource.LOYALTY, expires_in_days=365)
    settle_deferred_checks()
    return customer_user


def convert(rewards_api, user, points_) -> dict:
    body = rewards_api.execute(
        CREATE, {"channel": "main", "points": points_}, token=create_access_token(user)
    )
    return body["data"]["rewardsVoucherCreate"]


def add_code(store, checkout_id, code) -> list[str]:
    """Saleor's ``checkoutAddPromoCode``; the error codes it answers with."""
    response = store.customer.post_graphql(PROMO_CODE, {"id": checkout_id, "code": code})
    return [e["code"] for e in response.json()["data"]["checkoutAddPromoCode"]["errors"]]


def complete_with_payment(store, checkout_id) -> list[str]:
    """Pay the checkout's current total (dummy gateway), then ``checkoutComplete``;
    the error codes Saleor answers the completion with."""
    payment = {
        "gateway": "mirumee.payments.dummy",
        "token": "fully_charged",
        "amount": str(store.total(checkout_id)),
    }
    store.customer.post_graphql(PAYMENT_CREATE, {"id": checkout_id, "input": payment})
    with store.capture(execute=True):
        response = store.customer.post_graphql(CHECKOUT_COMPLETE, {"id": checkout_id})
    return [e["code"] for e in response.json()["data"]["checkoutComplete"]["errors"]]


def test_S5_voucher_is_a_single_use_fixed_discount_in_the_channel_only(
    store, member, rewards_api, channel_USD
):
    result = convert(rewards_api, member, 500)

    voucher = Voucher.objects.get()
    assert result["errors"] == []
    assert result["value"] == {"amount": 5.0, "currency": "USD"}
    assert voucher.promo_codes == [result["voucherCode"]]
    assert (voucher.type, voucher.discount_value_type) == ("entire_order", "fixed")
    assert (voucher.usage_limit, voucher.single_use, voucher.apply_once_per_order) == (
        1,
        True,
        False,
    )
    [listing] = voucher.channel_listings.all()
    assert (listing.channel, listing.discount_value) == (channel_USD, Decimal("5.000"))
    conversion = VoucherConversion.objects.get()
    assert conversion.voucher_id == str(voucher.pk) and voucher.end_date == conversion.valid_until


def test_S5_code_discounts_a_real_checkout(store, member, rewards_api, product):
    code = convert(rewards_api, member, 500)["voucherCode"]
    plain = store.checkout([(product.variants.get(), 3)])
    with_code = store.checkout([(product.variants.get(), 3)], promo_code=code)

    assert store.total(with_code) == store.total(plain) - Decimal("5.00")
    order = run(store, store.pay_legacy, with_code)

    assert order["chargeStatus"] == "FULL"
    assert Decimal(str(order["total"]["gross"]["amount"])) == store.total(plain) - 5
    assert VoucherCode.objects.get(code=code).used == 1


def test_S5_code_is_refused_by_a_second_checkout(store, member, rewards_api, product):
    code = convert(rewards_api, member, 500)["voucherCode"]
    first = store.checkout([(product.variants.get(), 1)], promo_code=code)
    run(store, store.pay_legacy, first)

    second = store.checkout([(product.variants.get(), 1)])

    assert add_code(store, second, code) == ["INVALID"]


def test_S5_code_applied_to_two_checkouts_pays_for_only_the_first_completed(
    store, member, rewards_api, product
):
    code = convert(rewards_api, member, 500)["voucherCode"]
    first = store.checkout([(product.variants.get(), 2)], promo_code=code)
    second = store.checkout([(product.variants.get(), 2)], promo_code=code)
    run(store, store.pay_legacy, first)

    errors = complete_with_payment(store, second)

    assert errors == ["VOUCHER_NOT_APPLICABLE"]
    assert VoucherCode.objects.get(code=code).used == 1


def test_S5_insufficient_balance_creates_nothing(store, member, rewards_api):
    before = ledger_row_counts()

    result = convert(rewards_api, member, 1001)

    assert [e["code"] for e in result["errors"]] == ["INSUFFICIENT_BALANCE"]
    assert result["voucherCode"] is None
    assert not Voucher.objects.exists() and not VoucherConversion.objects.exists()
    assert ledger_row_counts() == before and points(member)["available"] == 1000


def test_S5_debit_is_a_redeem_entry(store, member, rewards_api):
    convert(rewards_api, member, 500)

    assert entries(member) == [("earn", 1000), ("redeem", -500)]


def test_S5_code_expires_after_voucher_valid_days(store, member, rewards_api, product):
    code = convert(rewards_api, member, 500)["voucherCode"]
    start = timezone.now()

    with freeze_time(start + timedelta(days=90) - timedelta(minutes=1)):
        store.customer.user = store.customer.user  # a fresh access token then
        assert add_code(store, store.checkout([(product.variants.get(), 1)]), code) == []
    with freeze_time(start + timedelta(days=90, minutes=1)):
        store.customer.user = store.customer.user
        checkout = store.checkout([(product.variants.get(), 1)])
        assert add_code(store, checkout, code) == ["INVALID"]
