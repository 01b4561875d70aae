"""S1, S4 arithmetic of paying with points: cap, conversion, rounding (no database)."""

from decimal import Decimal

import pytest

from saleor_rewards.ledger.errors import InvalidInput
from saleor_rewards.money import currency_precision, money_for_points
from saleor_rewards.programs.loyalty.earning import OrderLine, OrderSnapshot
from saleor_rewards.programs.redemption.amounts import (
    cash_amount,
    redeem_cap,
    units_to_return,
    units_used,
)
from saleor_rewards.programs.redemption.refunds import returned_share, rewards_value_to_return


def test_U2_points_convert_at_points_per_unit():
    assert money_for_points(1234, 100, "USD") == Decimal("12.34")


def test_U2_one_point_is_one_cent_at_the_default_rate():
    assert money_for_points(1, 100, "EUR") == Decimal("0.01")


def test_S1_points_that_are_not_a_whole_cent_are_refused_not_rounded():
    # 1,000 points per unit: 5 points would be 0.005 USD
    with pytest.raises(InvalidInput) as error:
        money_for_points(1005, 1000, "USD")
    assert error.value.field == "points"
    assert "multiple of 10 points" in error.value.message


def test_S1_points_follow_the_currency_precision():
    assert currency_precision("JPY") == 0 and currency_precision("KWD") == 3
    assert money_for_points(300, 100, "JPY") == Decimal(3)
    with pytest.raises(InvalidInput):
        money_for_points(150, 100, "JPY")  # 1.5 yen
    assert money_for_points(1, 100, "KWD") == Decimal("0.010")


@pytest.mark.parametrize("points", [0, -5, True, 1.5, "10"])
def test_S1_points_must_be_a_positive_whole_number(points):
    with pytest.raises(InvalidInput):
        money_for_points(points, 100, "USD")


def test_S1_cash_amount_must_fit_the_currency():
    assert cash_amount("12.50", "USD") == Decimal("12.50")
    with pytest.raises(InvalidInput) as error:
        cash_amount("12.505", "USD")
    assert error.value.field == "cashAmount"
    with pytest.raises(InvalidInput):
        cash_amount("0", "USD")


def test_S1_cap_is_the_percent_of_the_subtotal_rounded_down():
    assert redeem_cap(Decimal("30.00"), Decimal(50), "USD") == Decimal("15.00")
    assert redeem_cap(Decimal("10.01"), Decimal(50), "USD") == Decimal("5.00")
    assert redeem_cap(Decimal("99.99"), Decimal(5), "USD") == Decimal("4.99")
    assert redeem_cap(Decimal("0"), Decimal(50), "USD") == Decimal(0)


def test_S1_an_order_that_used_the_whole_card_takes_all_the_points():
    assert units_used(Decimal("10.00"), Decimal("10.00"), Decimal(1000), "points", 100) == 1000


def test_S1_part_of_a_card_rounds_the_points_up_never_past_the_hold():
    # 0.015 USD at 100 points per unit is 1.5 points: 2 are spent
    assert units_used(Decimal("3.015"), Decimal("10.00"), Decimal(1000), "points", 100) == 302
    assert units_used(Decimal("9.999"), Decimal("10.00"), Decimal(1000), "points", 100) == 1000
    assert units_used(Decimal("0"), Decimal("10.00"), Decimal(1000), "points", 100) == 0


def test_S1_cash_used_is_exact():
    used = units_used(Decimal("2.50"), Decimal("4.00"), Decimal("4.00"), "cash", 100)
    assert used == Decimal("2.50")


def test_S4_a_refunded_share_gives_back_points_rounded_down():
    assert units_to_return(Decimal(1000), Decimal(1) / 3, "points", "USD") == 333
    assert units_to_return(Decimal(1000), Decimal(1), "points", "USD") == 1000
    assert units_to_return(Decimal("7.00"), Decimal(1) / 3, "cash", "USD") == Decimal("2.33")
    assert units_to_return(Decimal(1000), Decimal(0), "points", "USD") == 0


# --- S4: what a refund gives back of the points (redemption.refunds) ---------------


def _paid_partly_with_points(**refunds) -> OrderSnapshot:
    """4 x 10.00 + 10.00 shipping; 10.00 paid with points, 40.00 in money."""
    return OrderSnapshot(
        "o-1",
        "main",
        "USD",
        7,
        (OrderLine("a", 4, Decimal(40), Decimal(40)),),
        total_gross=Decimal(40),
        paid_with_rewards=Decimal(10),
        **refunds,
    )


def _lines(quantity, money, shipping="0") -> dict:
    """``quantity`` units refunded with their line for ``money`` (``shipping`` of it)."""
    return {
        "refunded_quantities": {"a": quantity},
        "refunded_amount": Decimal(money),
        "refunded_with_lines": Decimal(money),
        "refunded_shipping": Decimal(shipping),
    }


@pytest.mark.parametrize(
    "refunds, value",
    [
        ({}, "0"),
        # a unit refunded at its full price in money: no points on top
        (_lines(1, "10"), "0"),
        # a unit refunded with 6.00 of money: the points make up the other 4.00
        (_lines(1, "6"), "4"),
        # two units for 30.00 of which 10.00 paid back shipping: 20.00 for 20.00
        (_lines(2, "30", shipping="10"), "0"),
        # everything, shipping too, with the 40.00 of money there was: 10.00 of points
        (_lines(4, "40", shipping="10"), "10"),
        # never more than the points paid, whatever the money
        (_lines(4, "0"), "10"),
        # half the money back without lines: half of the points
        ({"refunded_amount": Decimal(20)}, "5"),
        # all the money back without lines: the whole order
        ({"refunded_amount": Decimal(40)}, "10"),
        # a unit at full price, then half the money left without lines: half the points
        ({**_lines(1, "10"), "refunded_amount": Decimal(25)}, "5"),
        # 4.00 refunded onto the points' card: those 4.00 come back as points
        ({"refunded_to_rewards": Decimal(4)}, "4"),
        # ... and half the money too: half of the other 6.00 of points
        ({"refunded_to_rewards": Decimal(4), "refunded_amount": Decimal(20)}, "7"),
    ],
)
def test_S4_money_refunded_plus_points_returned_is_the_value_paid(refunds, value):
    assert rewards_value_to_return(_paid_partly_with_points(**refunds)) == Decimal(value)


def test_S3_S4_a_cancelled_order_gives_every_point_back():
    assert returned_share(_paid_partly_with_points(cancelled=True)) == 1
    assert returned_share(_paid_partly_with_points(**_lines(1, "6"))) == Decimal("0.4")
