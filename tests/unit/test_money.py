"""The one money module (U2, S1, S5, R1, U6): precision as Saleor has it, rounding as
the caller says, points <-> money, the code alphabet, the idempotency key length."""

import pathlib
import string
from decimal import ROUND_CEILING, ROUND_FLOOR, ROUND_HALF_UP, Decimal
from math import gcd

import pytest
from babel.numbers import get_currency_precision
from hypothesis import given
from hypothesis import strategies as st

import saleor_rewards
from saleor_rewards import money
from saleor_rewards.ledger.errors import InvalidInput
from saleor_rewards.ledger.models import Entry
from saleor_rewards.programs.vouchers.models import VoucherConversion

# --- precision --------------------------------------------------------------------


@pytest.mark.parametrize(
    ("currency", "precision"), [("EUR", 2), ("USD", 2), ("JPY", 0), ("KWD", 3), ("BHD", 3)]
)
def test_U2_precision_is_babels_as_in_saleors_quantize_price(currency, precision):
    assert money.currency_precision(currency) == precision
    assert money.currency_precision(currency) == get_currency_precision(currency)


def test_U2_precision_follows_saleor_where_iso_4217_differs():
    # ISO 4217 gives IQD 3 decimals, CLDR (babel, so Saleor's prices) none: a card
    # of ours must carry what Saleor would charge.
    assert money.currency_precision("IQD") == get_currency_precision("IQD") == 0


def test_U2_precision_ignores_case_and_defaults_to_two():
    assert money.currency_precision("jpy") == 0
    assert money.currency_precision("XYZ") == 2


def test_U2_quantum_is_the_smallest_unit():
    assert money.quantum("EUR") == Decimal("0.01")
    assert money.quantum("JPY") == Decimal(1)
    assert money.quantum("KWD") == Decimal("0.001")


# --- rounding is the caller's ------------------------------------------------------


def test_S1_quantize_rounds_as_the_caller_says():
    amount = Decimal("4.995")
    assert money.quantize(amount, "EUR", rounding=ROUND_FLOOR) == Decimal("4.99")
    assert money.quantize(amount, "EUR", rounding=ROUND_HALF_UP) == Decimal("5.00")
    assert money.quantize(Decimal("2.5"), "JPY", rounding=ROUND_FLOOR) == Decimal(2)
    assert money.quantize(Decimal("1.0005"), "KWD", rounding=ROUND_CEILING) == Decimal("1.001")


def test_S1_quantize_has_no_default_rounding():
    with pytest.raises(TypeError):
        money.quantize(Decimal("1.005"), "EUR")


def test_S1_an_amount_fits_the_currency_only_without_rounding():
    assert money.fits(Decimal("12.50"), "USD") and money.fits(Decimal("12.5"), "USD")
    assert not money.fits(Decimal("12.505"), "USD")
    assert money.fits(Decimal("3"), "JPY") and not money.fits(Decimal("3.5"), "JPY")
    assert money.fits(Decimal("0.125"), "KWD")


# --- points <-> money ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("points", "per_unit", "currency", "amount"),
    [
        (1234, 100, "USD", Decimal("12.34")),
        (300, 100, "JPY", Decimal("3")),
        (1, 100, "KWD", Decimal("0.010")),
        (7, 1000, "BHD", Decimal("0.007")),
        (3, 3, "EUR", Decimal("1.00")),
    ],
)
def test_U2_points_convert_exactly_in_the_currencys_precision(points, per_unit, currency, amount):
    value = money.money_for_points(points, per_unit, currency)
    assert value == amount
    assert value.as_tuple().exponent == -money.currency_precision(currency)


@given(
    multiple=st.integers(min_value=1, max_value=10**9),
    per_unit=st.integers(min_value=1, max_value=100_000),
    currency=st.sampled_from(["EUR", "JPY", "KWD", "BHD"]),
)
def test_U2_points_to_money_and_back_is_the_same_points(multiple, per_unit, currency):
    # Points that convert at all come back whole, whichever way the return rounds.
    step = per_unit // gcd(per_unit, 10 ** money.currency_precision(currency))
    points = multiple * step
    amount = money.money_for_points(points, per_unit, currency)
    for rounding in (ROUND_FLOOR, ROUND_CEILING):
        assert money.points_for_money(amount, per_unit, rounding=rounding) == points


@pytest.mark.parametrize(
    ("points", "per_unit", "currency", "step"),
    [(1, 300, "EUR", 3), (150, 100, "JPY", 100), (1005, 1000, "USD", 10), (1, 10_000, "KWD", 10)],
)
def test_S1_S5_points_that_do_not_convert_exactly_are_refused(points, per_unit, currency, step):
    with pytest.raises(InvalidInput) as error:
        money.money_for_points(points, per_unit, currency)
    assert error.value.field == "points"
    assert f"use a multiple of {step} points" in error.value.message
    assert money.money_for_points(step, per_unit, currency) > 0  # the multiple works


@pytest.mark.parametrize("points", [0, -5, True, 1.5, "100", None])
def test_S1_S5_points_must_be_a_positive_whole_number(points):
    with pytest.raises(InvalidInput) as error:
        money.money_for_points(points, 100, "EUR")
    assert error.value.field == "points"


def test_L1_S1_money_to_points_rounds_as_the_caller_says():
    # L1: 2.5 % of 21.60 at 100 per unit is 54 points; S1: 0.015 used is 1.5 -> 2.
    assert money.points_for_money(Decimal("0.54"), 100, rounding=ROUND_FLOOR) == 54
    assert money.points_for_money(Decimal("0.015"), 100, rounding=ROUND_FLOOR) == 1
    assert money.points_for_money(Decimal("0.015"), 100, rounding=ROUND_CEILING) == 2
    with pytest.raises(TypeError):
        money.points_for_money(Decimal("0.015"), 100)


# --- codes ----------------------------------------------------------------------------


def test_R1_S5_the_alphabet_has_no_look_alikes():
    assert not set(money.CODE_ALPHABET) & set("0O1I")
    assert len(set(money.CODE_ALPHABET)) == len(money.CODE_ALPHABET) == 32
    assert set(money.CODE_ALPHABET) <= set(string.ascii_uppercase + string.digits)


@pytest.mark.parametrize("length", [4, 8, 12, 20])
def test_R1_S5_codes_have_the_length_asked_from_the_alphabet(length):
    codes = {money.new_code(length) for _ in range(200)}
    assert all(len(code) == length and set(code) <= set(money.CODE_ALPHABET) for code in codes)
    assert len(codes) == 200  # random: 200 draws of at least 20 bits do not repeat here


# --- idempotency keys -------------------------------------------------------------------


def test_U6_the_ledger_stores_what_money_allows():
    assert Entry._meta.get_field("idempotency_key").max_length == money.MAX_KEY_LENGTH
    assert VoucherConversion._meta.get_field("idempotency_key").max_length == money.MAX_KEY_LENGTH
    # a client's key with the house's prefix still fits the ledger's column
    assert len("voucher:") + money.MAX_CLIENT_KEY_LENGTH <= money.MAX_KEY_LENGTH


def test_U6_a_client_key_is_trimmed_and_prefixed():
    assert money.client_key("voucher:", "  req-1 ") == "voucher:req-1"
    longest = "k" * money.MAX_CLIENT_KEY_LENGTH
    assert money.client_key("adjust:", longest) == "adjust:" + longest


def test_U6_without_a_client_key_every_request_is_new():
    first, second = money.client_key("voucher:", None), money.client_key("voucher:", None)
    assert first.startswith("voucher:") and first != second


@pytest.mark.parametrize("key", ["", "   ", "k" * 101, 42])
def test_U6_a_bad_client_key_is_invalid(key):
    with pytest.raises(InvalidInput) as error:
        money.client_key("voucher:", key)
    assert error.value.field == "idempotencyKey"


# --- one place ----------------------------------------------------------------------------


@pytest.mark.parametrize("needle", ["get_currency_precision", "secrets.", "ISO_4217"])
def test_precision_and_random_codes_live_only_in_money(needle):
    root = pathlib.Path(saleor_rewards.__file__).parent
    holders = {
        str(path.relative_to(root))
        for path in root.rglob("*.py")
        if needle in path.read_text() and "migrations" not in path.parts
    }
    assert holders <= {"money.py"}
