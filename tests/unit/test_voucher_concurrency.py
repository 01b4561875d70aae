"""S5 under contention: conversions at once, committed for real, one connection per
thread. The debit's account lock serialises them; a request that finds its key
already used returns the conversion committed before it."""

import pytest
from django.db import transaction

from saleor_rewards import config
from saleor_rewards.ledger import Kind, LotSource, balance, credit, open_account
from saleor_rewards.ledger.errors import InsufficientBalance
from saleor_rewards.programs.vouchers.models import VoucherConversion
from saleor_rewards.programs.vouchers.services import convert_to_voucher

from ..fakes import FakeVouchers
from .helpers import T0, at
from .test_ledger_concurrency import audit_is_clean, run_at_once

pytestmark = pytest.mark.django_db(transaction=True)


@pytest.fixture
def points(program):
    account = open_account(program, 1, Kind.POINTS)
    credit(account, 1000, key="seed", source=LotSource.LOYALTY, now=T0)
    return account


def converter(program, shop, points_, key=None):
    settings = config.parse({})

    def convert(n):
        with transaction.atomic():  # as the mutation runs it
            return convert_to_voucher(
                program, 1, points_, shop, settings, idempotency_key=key, now=at(1)
            ).code

    return convert


def test_S5_concurrent_requests_with_one_key_make_one_voucher(program, points):
    shop = FakeVouchers()

    results, errors = run_at_once(4, converter(program, shop, 300, key="req-1"))

    assert errors == []
    assert len(set(results)) == 1 and [v.code for v in shop.vouchers] == results[:1]
    assert balance(points, now=at(1)).available == 700
    assert VoucherConversion.objects.count() == 1 and audit_is_clean()


def test_S5_concurrent_conversions_never_overspend(program, points):
    shop = FakeVouchers()

    results, errors = run_at_once(4, converter(program, shop, 400))

    assert [type(e) for e in errors] == [InsufficientBalance, InsufficientBalance]
    assert len(shop.vouchers) == 2 and VoucherConversion.objects.count() == 2
    assert balance(points, now=at(1)).available == 200 and audit_is_clean()
