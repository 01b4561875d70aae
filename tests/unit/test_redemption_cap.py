"""The member's cap on paying with rewards, without Saleor (S1, S5, T1).

The same rules run against real Saleor checkouts, orders and vouchers in
tests/integration/test_redemption_cap.py.
"""

import importlib
from dataclasses import replace
from decimal import Decimal

import pytest

from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.ledger.errors import LimitExceeded, NotEligible
from saleor_rewards.programs.redemption import cap
from saleor_rewards.programs.redemption import services as redemption
from saleor_rewards.programs.redemption.amounts import largest_within
from saleor_rewards.programs.redemption.models import Redemption, RedemptionStatus
from saleor_rewards.programs.redemption.ports import CheckoutFacts
from saleor_rewards.programs.tiers import services as tiers
from saleor_rewards.programs.tiers.models import Tier
from saleor_rewards.programs.vouchers.services import convert_to_voucher

from ..fakes import FakeCheckouts, FakeVouchers, fake_shop
from .helpers import at, columns, settle
from .referral_helpers import settings

pytestmark = pytest.mark.django_db

MEMBER = 51
D = Decimal


@pytest.fixture
def program(program):
    """The suite's EUR program with the default tiers, as every program is created."""
    tiers.create_default_tiers(program)
    return program


@pytest.fixture
def checkout(program):
    return CheckoutFacts("tok-1", MEMBER, program.channel_slug, "EUR", D("30.00"))


@pytest.fixture
def shop(checkout):
    return fake_shop(checkouts=FakeCheckouts([checkout]))


@pytest.fixture
def points(program):
    account = open_account(program, MEMBER, Kind.POINTS)
    credit(account, 1600, key="seed", source=LotSource.LOYALTY, expires_in_days=50, now=at(0))
    return account


def apply(program, shop, checkout, points=None, cash=None, **values):
    return redemption.redeem(
        program,
        settings(**values),
        checkout,
        MEMBER,
        cards=shop.gift_cards,
        points=points,
        cash=cash,
        now=at(1),
    )


def fit(program, shop, checkout, **values):
    return redemption.fit_to_cap(
        program, settings(**values), checkout, cards=shop.gift_cards, now=at(2)
    )


# --- T1: Unverified 0 %, the others the program's cap ---------------------------------


def test_T1_unverified_member_cannot_pay_with_points(program, shop, checkout, points):
    with pytest.raises(NotEligible) as error:
        apply(program, shop, replace(checkout, owner_verified=False), points=100)

    assert error.value.field == "points"
    assert error.value.message == "Verify your e-mail address to pay with rewards."
    assert columns(points).held == 0 and not shop.gift_cards.cards


def test_T1_verified_members_follow_the_program_cap(program):
    assert cap.redeem_cap_percent(program, MEMBER, settings(), verified=True) == D(50)
    assert cap.redeem_cap_percent(program, MEMBER, settings(), verified=False) == D(0)
    assert cap.redeem_cap_percent(program, MEMBER, settings(max_redeem_percent="20")) == D(20)


def test_T1_a_tier_at_0_percent_is_not_eligible_naming_it(program, shop, checkout, points):
    Tier.objects.filter(name="Regular").update(max_redeem_percent=0)

    with pytest.raises(NotEligible) as error:
        apply(program, shop, checkout, points=100)

    assert error.value.message == "Members of the Regular tier cannot pay with rewards."


def test_T1_the_migration_gives_unverified_tiers_without_a_cap_0_percent(program, other_program):
    from django.apps import apps

    migration = importlib.import_module("saleor_rewards.migrations.0012_redeem_caps")
    Tier.objects.filter(program=program, for_unverified=True).update(max_redeem_percent=None)
    tiers.create_default_tiers(other_program)
    Tier.objects.filter(program=other_program, for_unverified=True).update(
        max_redeem_percent=3
    )  # staff's own choice stays

    migration.unverified_cannot_redeem(apps, None)

    caps = dict(
        Tier.objects.filter(for_unverified=True).values_list("program", "max_redeem_percent")
    )
    assert caps == {program.id: D(0), other_program.id: D(3)}
    assert Tier.objects.filter(for_unverified=False, max_redeem_percent__isnull=False).count() == 0


# --- S1: the cap of the checkout as it is now ----------------------------------------


def test_S1_a_points_voucher_on_the_checkout_counts_against_the_cap(
    program, shop, checkout, points
):
    # 30.00 of products before a 5.00 points voucher: rewards may pay 15.00, 10.00 of it
    # with points
    with_voucher = replace(checkout, product_subtotal=D("25.00"), rewards_discount=D("5.00"))

    with pytest.raises(LimitExceeded) as error:
        apply(program, shop, with_voucher, points=1001)
    assert "15.00 EUR (50 % of the products)" in error.value.message
    assert apply(program, shop, with_voucher, points=1000).amount == D("10.00")
    settle()


def test_S1_a_redemption_that_fits_is_kept(program, shop, checkout, points):
    applied = apply(program, shop, checkout, points=1500)

    assert fit(program, shop, checkout).id == applied.id
    assert columns(points).held == 1500
    settle()


def test_S1_a_smaller_checkout_lowers_the_redemption_to_its_cap(program, shop, checkout, points):
    applied = apply(program, shop, checkout, points=1500)

    lowered = fit(program, shop, replace(checkout, product_subtotal=D("10.00")))

    assert (lowered.units, lowered.amount, lowered.status) == (500, D("5.00"), "held")
    applied.refresh_from_db()
    assert applied.status == RedemptionStatus.RELEASED
    assert shop.gift_cards.cards[applied.gift_card_id].balance == 0
    assert shop.gift_cards.cards[lowered.gift_card_id].balance == D("5.00")
    assert columns(points).held == 500 and columns(points).available == 1100
    settle()


def test_S1_lowering_keeps_points_that_convert_exactly(program, shop, checkout, points):
    # 150 points per euro: only multiples of 3 points are whole cents
    apply(program, shop, checkout, points=1500, points_per_unit="150")  # 10.00

    lowered = fit(
        program, shop, replace(checkout, product_subtotal=D("18.03")), points_per_unit="150"
    )

    assert (lowered.units, lowered.amount) == (1350, D("9.00"))  # cap 9.01: 1351.5 points
    assert largest_within(D("10.01"), Kind.POINTS, 150, "EUR") == (1500, D("10.00"))
    assert largest_within(D("10.02"), Kind.POINTS, 150, "EUR") == (1503, D("10.02"))
    assert largest_within(D("7.25"), Kind.CASH, 150, "EUR") == (D("7.25"), D("7.25"))
    assert largest_within(D(0), Kind.POINTS, 100, "EUR") == (0, 0)
    settle()


def test_S1_nothing_fits_any_more_releases_the_redemption(program, shop, checkout, points):
    apply(program, shop, checkout, points=1500)
    Tier.objects.update(max_redeem_percent=D("0.01"))  # 0.01 % of 30.00 < 0.01

    assert fit(program, shop, checkout) is None

    assert Redemption.objects.get().status == RedemptionStatus.RELEASED
    assert columns(points).held == 0 and columns(points).available == 1600
    settle()


def test_S1_cards_above_the_cap_at_completion_are_refused(program, checkout):
    smaller = replace(checkout, product_subtotal=D("10.00"))

    cap.refuse_above_cap(program, settings(), smaller, D("5.00"))  # at the cap
    with pytest.raises(LimitExceeded) as error:
        cap.refuse_above_cap(program, settings(), smaller, D("5.01"))

    assert error.value.field == "giftCards"
    assert error.value.message.startswith(
        "At most 5.00 EUR (50 % of the products) of this checkout can be paid with rewards, "
        "but its rewards gift cards carry 5.01 EUR"
    )
    assert "Apply your points again" in error.value.message


# --- S5: vouchers carry the cap as their minimum spend -------------------------------


def convert(program, points_, *, verified=None, **values):
    shop = FakeVouchers()
    conversion = convert_to_voucher(
        program, MEMBER, points_, shop, settings(**values), now=at(1), verified=verified
    )
    return conversion, shop.vouchers[-1]


def test_S5_voucher_min_spend_is_value_x_100_over_cap(program, points):
    conversion, voucher = convert(program, 500)

    assert (conversion.min_spent, voucher.min_spent) == (D("10.00"), D("10.00"))  # 5 / 50 %


def test_S5_the_tier_cap_raises_the_min_spend_rounded_up(program, points):
    Tier.objects.filter(for_unverified=False).update(max_redeem_percent=3)

    conversion, _ = convert(program, 500)

    assert conversion.min_spent == D("166.67")  # 5.00 x 100 / 3 = 166.666...


def test_S5_a_cap_of_0_cannot_convert(program, points):
    with pytest.raises(NotEligible):
        convert(program, 500, verified=False)
    assert columns(points).available == 1600


def test_S1_lowering_held_points_that_expired_meanwhile_releases_them(program, shop, checkout):
    account = open_account(program, MEMBER, Kind.POINTS)
    credit(account, 1500, key="short", source=LotSource.LOYALTY, expires_in_days=3, now=at(0))
    apply(program, shop, checkout, points=1500)

    after_expiry = redemption.fit_to_cap(
        program,
        settings(),
        replace(checkout, product_subtotal=D("10.00")),
        cards=shop.gift_cards,
        now=at(5),
    )

    assert after_expiry is None
    assert Redemption.objects.get().status == RedemptionStatus.RELEASED
    assert (columns(account).held, columns(account).available) == (0, 0)
    settle()
