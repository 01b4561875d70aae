"""SPEC S5 voucher codes in the domain, with the in-memory ``FakeVouchers`` (tests/fakes.py)."""

from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_rewards import config
from saleor_rewards.ledger import (
    EntryType,
    Kind,
    LotSource,
    ReferenceType,
    balance,
    credit,
    open_account,
)
from saleor_rewards.ledger.errors import (
    Conflict,
    InsufficientBalance,
    InvalidInput,
    ProgramDisabled,
)
from saleor_rewards.ledger.models import Entry
from saleor_rewards.money import CODE_ALPHABET, money_for_points
from saleor_rewards.programs.vouchers.models import VoucherConversion
from saleor_rewards.programs.vouchers.services import (
    CODE_PREFIX,
    convert_to_voucher,
    new_code,
)

from ..fakes import FakeVouchers
from .helpers import T0, at, ledger_snapshot, settle

pytestmark = pytest.mark.django_db

MEMBER = 7


def settings_with(**values):
    return config.parse({name: str(value) for name, value in values.items()})


@pytest.fixture
def shop():
    return FakeVouchers()


@pytest.fixture
def points(program):
    """1000 points expiring in 60 days, then 500 expiring in 10 days (EUR program)."""
    account = open_account(program, MEMBER, Kind.POINTS)
    credit(account, 1000, key="seed:late", source=LotSource.LOYALTY, expires_in_days=60, now=T0)
    credit(account, 500, key="seed:soon", source=LotSource.BONUS, expires_in_days=10, now=T0)
    settle()
    return account


def convert(program, shop, points_, *, key=None, now=None, **settings):
    return convert_to_voucher(
        program,
        MEMBER,
        points_,
        shop,
        settings_with(**settings),
        idempotency_key=key,
        now=now or at(1),
    )


def available(account) -> int:
    return int(balance(account, now=at(1)).available)


# --- arithmetic -----------------------------------------------------------------


# The value of points is the one conversion in saleor_rewards.money (precision 2
# for EUR, 0 for JPY, 3 for KWD).
@pytest.mark.parametrize(
    ("points", "per_unit", "currency", "precision", "value"),
    [
        (500, 100, "EUR", 2, Decimal("5.00")),
        (1, 100, "EUR", 2, Decimal("0.01")),
        (3, 3, "EUR", 2, Decimal("1.00")),
        (250, 1, "JPY", 0, Decimal("250")),
        (7, 1000, "KWD", 3, Decimal("0.007")),
    ],
)
def test_S5_value_is_points_over_points_per_unit(points, per_unit, currency, precision, value):
    amount = money_for_points(points, per_unit, currency)
    assert amount == value and amount.as_tuple().exponent == -precision


@pytest.mark.parametrize(
    ("points", "per_unit", "currency", "step"),
    [(1, 300, "EUR", "3"), (150, 100, "JPY", "100"), (5, 1000, "EUR", "10")],
)
def test_S5_value_that_needs_rounding_is_invalid(points, per_unit, currency, step):
    with pytest.raises(InvalidInput, match=f"multiple of {step} points") as error:
        money_for_points(points, per_unit, currency)
    assert error.value.field == "points"


@pytest.mark.parametrize("points", [0, -5, True, 1.5, "100", None])
def test_S5_points_must_be_a_positive_whole_number(points):
    with pytest.raises(InvalidInput) as error:
        money_for_points(points, 100, "EUR")
    assert error.value.field == "points"


def test_S5_codes_are_long_random_and_distinct():
    codes = {new_code() for _ in range(1000)}
    assert len(codes) == 1000
    assert all(code.startswith(CODE_PREFIX) and len(code) == 23 for code in codes)
    assert all(set(code.removeprefix(CODE_PREFIX)) <= set(CODE_ALPHABET) for code in codes)


# --- conversion -----------------------------------------------------------------


def test_S5_conversion_debits_and_creates_a_voucher_of_that_value(program, shop, points):
    conversion = convert(program, shop, 700)

    assert available(points) == 800
    [voucher] = shop.vouchers
    assert (voucher.amount, voucher.currency) == (Decimal("7.00"), "EUR")
    assert voucher.code == conversion.code and voucher.channel_slug == "web-eu"
    assert voucher.valid_until == at(1) + timedelta(days=90)
    assert conversion.voucher_id == "stand-in-1"


def test_S5_debit_is_a_redeem_entry_referencing_the_conversion(program, shop, points):
    conversion = convert(program, shop, 700)

    entry = Entry.objects.get(type=EntryType.REDEEM)
    assert entry.id == conversion.entry_id and entry.available_delta == -700
    assert (entry.reference_type, entry.reference_id) == (
        ReferenceType.VOUCHER,
        str(conversion.id),
    )


def test_S5_soonest_expiring_points_are_spent_first(program, shop, points):
    convert(program, shop, 600)

    remaining = dict(points.lots.values_list("source", "remaining"))
    assert remaining == {LotSource.BONUS: 0, LotSource.LOYALTY: 900}


def test_S5_validity_follows_the_setting(program, shop, points):
    conversion = convert(program, shop, 100, voucher_valid_days=7)
    assert conversion.valid_until == at(1) + timedelta(days=7)


def test_S5_insufficient_balance_debits_nothing_and_creates_no_voucher(program, shop, points):
    before = ledger_snapshot()

    with pytest.raises(InsufficientBalance):
        convert(program, shop, 1600)

    assert ledger_snapshot() == before
    assert shop.vouchers == [] and not VoucherConversion.objects.exists()


def test_S5_program_disabled_is_refused(program, shop, points):
    with pytest.raises(ProgramDisabled):
        convert(program, shop, 100, program_enabled="false")
    assert available(points) == 1500 and shop.vouchers == []


def test_S5_inexact_money_is_refused_before_anything_is_written(program, shop, points):
    with pytest.raises(InvalidInput, match="multiple of 3 points"):
        convert(program, shop, 100, points_per_unit=300)
    assert available(points) == 1500 and shop.vouchers == []


class BrokenShop(FakeVouchers):
    def create_voucher(self, voucher):
        raise RuntimeError("the shop's database refused the voucher")


def test_S5_no_voucher_means_no_debit(program, points):
    before = ledger_snapshot()

    with pytest.raises(RuntimeError):
        convert(program, BrokenShop(), 700)

    assert ledger_snapshot() == before
    assert not VoucherConversion.objects.exists()


# --- idempotency ----------------------------------------------------------------


def test_S5_same_key_returns_the_same_voucher_without_a_second_debit(program, shop, points):
    first = convert(program, shop, 700, key="req-1")
    again = convert(program, shop, 700, key="req-1")

    assert again.code == first.code and again.id == first.id
    assert available(points) == 800 and len(shop.vouchers) == 1


def test_S5_without_a_key_each_request_is_a_new_voucher(program, shop, points):
    first = convert(program, shop, 100)
    second = convert(program, shop, 100)

    assert first.code != second.code
    assert available(points) == 1300 and len(shop.vouchers) == 2


def test_S5_same_key_with_other_points_is_a_conflict(program, shop, points):
    convert(program, shop, 700, key="req-1")

    with pytest.raises(Conflict) as error:
        convert(program, shop, 300, key="req-1")

    assert error.value.field == "idempotencyKey"
    assert available(points) == 800 and len(shop.vouchers) == 1


def test_S5_keys_are_per_member(program, shop, points):
    other = open_account(program, MEMBER + 1, Kind.POINTS)
    credit(other, 100, key="seed", source=LotSource.LOYALTY, now=T0)
    convert(program, shop, 100, key="req-1")

    theirs = convert_to_voucher(
        program,
        MEMBER + 1,
        100,
        shop,
        settings_with(),
        idempotency_key="req-1",
        now=at(1),
    )

    assert theirs.member_id == MEMBER + 1 and len(shop.vouchers) == 2


@pytest.mark.parametrize("key", ["", "   ", "k" * 101])
def test_S5_bad_idempotency_key_is_invalid(program, shop, points, key):
    with pytest.raises(InvalidInput) as error:
        convert(program, shop, 100, key=key)
    assert error.value.field == "idempotencyKey"
