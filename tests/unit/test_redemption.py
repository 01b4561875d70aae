"""S1-S4 in the domain: holds, the stand-in gift cards, capture and returns.

The Saleor side is the in-memory fakes of ``tests/fakes.py`` (checkouts and gift
cards); the same flows run against real Saleor in tests/integration/test_redemption.py.
"""

from decimal import Decimal

import pytest

from saleor_rewards.ledger import HoldStatus, Kind, LotSource, credit, open_account
from saleor_rewards.ledger.errors import (
    Conflict,
    InsufficientBalance,
    LimitExceeded,
    PermissionDenied,
    ProgramDisabled,
)
from saleor_rewards.ledger.models import Hold
from saleor_rewards.programs.loyalty.earning import OrderLine, OrderSnapshot
from saleor_rewards.programs.redemption import services as redemption
from saleor_rewards.programs.redemption.models import Redemption, RedemptionStatus
from saleor_rewards.programs.redemption.ports import CheckoutFacts

from ..fakes import FakeCheckouts, fake_shop
from .helpers import at, columns, settle
from .referral_helpers import settings

pytestmark = pytest.mark.django_db

MEMBER = 51


@pytest.fixture
def shop(program):
    checkout = CheckoutFacts("tok-1", MEMBER, program.channel_slug, "EUR", Decimal("30.00"))
    return fake_shop(checkouts=FakeCheckouts([checkout]))


@pytest.fixture
def points(program):
    account = open_account(program, MEMBER, Kind.POINTS)
    credit(account, 600, key="soon", source=LotSource.LOYALTY, expires_in_days=5, now=at(0))
    credit(account, 1000, key="late", source=LotSource.BONUS, expires_in_days=50, now=at(0))
    return account


def apply(program, shop, points=None, cash=None, token="tok-1", member=MEMBER, **values):
    return redemption.redeem(
        program,
        settings(**values),
        shop.checkouts.checkout(token),
        member,
        cards=shop.gift_cards,
        points=points,
        cash=cash,
        now=at(1),
    )


def test_S1_redeem_holds_points_and_issues_a_card_of_their_value(program, shop, points):
    applied = apply(program, shop, points=1200)

    assert applied.amount == Decimal("12.00") and applied.status == RedemptionStatus.HELD
    assert columns(points).held == 1200
    card = shop.gift_cards.cards[applied.gift_card_id]
    assert (card.balance, card.member_id) == (Decimal("12.00"), MEMBER)
    assert card.checkout_token == "tok-1"
    assert Hold.objects.get(pk=applied.hold_id).expires_at == at(1, hours=24)
    settle()


def test_S1_above_the_cap_holds_nothing(program, shop, points):
    with pytest.raises(LimitExceeded) as error:
        apply(program, shop, points=1501)  # cap: 50 % of 30.00 = 15.00
    assert error.value.field == "points"
    assert columns(points).held == 0 and not shop.gift_cards.cards


def test_S1_a_tier_cap_below_the_program_cap_applies(program, shop, points):
    with pytest.raises(LimitExceeded):
        apply(program, shop, points=200, max_redeem_percent="5")  # 5 % of 30 = 1.50


def test_T1_the_members_tier_lowers_the_redemption_cap(program, shop, points):
    from saleor_rewards.programs.tiers.services import create_default_tiers

    # given every tier caps paying with points at 5 % (the seed-002 preset)
    for tier in create_default_tiers(program):
        tier.max_redeem_percent = Decimal(5)
        tier.save()

    # then the program's 50 % no longer applies: 5 % of 30.00 = 1.50 = 150 points
    with pytest.raises(LimitExceeded):
        apply(program, shop, points=151)
    assert apply(program, shop, points=150).amount == Decimal("1.50")
    settle()


def test_S1_more_than_the_balance_holds_nothing(program, shop, points):
    shop.checkouts.by_token["tok-1"] = CheckoutFacts("tok-1", MEMBER, "web-eu", "EUR", Decimal(100))
    with pytest.raises(InsufficientBalance) as error:
        apply(program, shop, points=1700)
    assert error.value.field == "points"
    assert columns(points).held == 0 and not shop.gift_cards.cards


def test_S1_someone_elses_checkout_is_refused(program, shop, points):
    with pytest.raises(PermissionDenied):
        apply(program, shop, points=100, member=MEMBER + 1)


def test_S1_program_off_is_refused(program, shop, points):
    with pytest.raises(ProgramDisabled):
        apply(program, shop, points=100, program_enabled="false")


def test_S1_applying_again_replaces_the_hold_and_the_card(program, shop, points):
    first = apply(program, shop, points=1000)
    second = apply(program, shop, points=1500)  # only fits once the first is released

    first.refresh_from_db()
    assert first.status == RedemptionStatus.RELEASED
    assert Hold.objects.get(pk=first.hold_id).status == HoldStatus.RELEASED
    assert not shop.gift_cards.cards[first.gift_card_id].active
    assert shop.gift_cards.cards[second.gift_card_id].balance == Decimal("15.00")
    assert columns(points).held == 1500
    settle()


def test_S1_remove_releases_hold_and_card(program, shop, points):
    applied = apply(program, shop, points=1000)

    removed = redemption.remove(
        shop.checkouts.checkout("tok-1"), MEMBER, cards=shop.gift_cards, now=at(1)
    )

    assert removed.id == applied.id and removed.status == RedemptionStatus.RELEASED
    assert columns(points).held == 0 and columns(points).available == 1600
    assert shop.gift_cards.cards[applied.gift_card_id].balance == 0
    settle()


def test_S1_cash_balance_pays_too(program, shop):
    cash = open_account(program, MEMBER, Kind.CASH)
    credit(cash, "20.00", key="commission", source=LotSource.AFFILIATE, now=at(0))

    applied = apply(program, shop, cash="7.50")

    assert applied.kind == Kind.CASH and applied.points is None
    assert columns(cash).held == Decimal("7.50")
    settle()


def _order(cancelled=False, refunded_quantities=None, **refunds):
    """3 x 10.00 + 5.00 shipping, 10.00 of it paid with points: 25.00 in money."""
    line = OrderLine("line-1", 3, Decimal("30.00"), Decimal("30.00"))
    return OrderSnapshot(
        order_id="order-1",
        channel_slug="web-eu",
        currency="EUR",
        customer_id=MEMBER,
        lines=(line,),
        total_gross=Decimal("25.00"),
        cancelled=cancelled,
        refunded_quantities=refunded_quantities or {},
        paid_with_rewards=Decimal(10),
        **refunds,
    )


def test_S1_capture_takes_what_the_order_used_soonest_expiring_first(program, shop, points):
    applied = apply(program, shop, points=1000)
    shop.gift_cards.pay(applied.gift_card_id, "order-1", Decimal("8.00"))

    captured = redemption.capture_for_order(
        program, "tok-1", "order-1", cards=shop.gift_cards, now=at(2)
    )

    assert captured.status == RedemptionStatus.CAPTURED and captured.captured == 800
    assert columns(points).held == 0 and columns(points).available == 800
    soon, late = points.lots.order_by("expires_at")
    assert (soon.remaining, late.remaining) == (0, 800)
    assert redemption.paid_with_rewards("order-1") == Decimal("8.00")
    settle()


def test_S3_cancel_returns_everything_once(program, shop, points):
    applied = apply(program, shop, points=1000)
    shop.gift_cards.pay(applied.gift_card_id, "order-1", Decimal(10))
    redemption.capture_for_order(program, "tok-1", "order-1", cards=shop.gift_cards, now=at(2))

    given = redemption.settle_order(program, _order(cancelled=True), now=at(3))
    again = redemption.settle_order(program, _order(cancelled=True), now=at(3))

    assert (given, again) == (1000, 0)
    assert columns(points).available == 1600
    assert Redemption.objects.get().status == RedemptionStatus.RETURNED
    settle()


def test_S4_refund_of_a_line_returns_what_its_money_did_not_pay_back(program, shop, points):
    applied = apply(program, shop, points=1000)
    shop.gift_cards.pay(applied.gift_card_id, "order-1", Decimal(10))
    redemption.capture_for_order(program, "tok-1", "order-1", cards=shop.gift_cards, now=at(2))

    # one 10.00 unit refunded with 7.00 of money: 3.00 comes back as points, once
    refunded = _order(
        refunded_quantities={"line-1": 1},
        refunded_amount=Decimal(7),
        refunded_with_lines=Decimal(7),
    )
    given = redemption.settle_order(program, refunded, now=at(3))
    again = redemption.settle_order(program, refunded, now=at(3))

    assert (given, again) == (300, 0)
    assert Redemption.objects.get().returned == 300
    assert columns(points).available == 900
    settle()


def test_S2_stale_redemptions_are_found_and_released(program, shop, points):
    applied = apply(program, shop, points=1000)
    assert redemption.stale_redemption_ids(at(1, hours=23)) == []
    assert redemption.stale_redemption_ids(at(1, hours=24)) == [applied.id]

    assert redemption.release_abandoned(applied.id, cards=shop.gift_cards, now=at(2)) is True
    assert redemption.release_abandoned(applied.id, cards=shop.gift_cards, now=at(2)) is False
    assert columns(points).held == 0
    settle()


# --- S6: points come back only when their card paid nothing anywhere ---------------


def test_S6_remove_after_the_card_paid_another_order_captures_instead(program, shop, points):
    # given the card of checkout tok-1 paid 8.00 of an order placed elsewhere
    applied = apply(program, shop, points=1000)
    shop.gift_cards.pay(applied.gift_card_id, "order-elsewhere", Decimal("8.00"))

    # when the customer removes the points from tok-1
    removed = redemption.remove(
        shop.checkouts.checkout("tok-1"), MEMBER, cards=shop.gift_cards, now=at(1)
    )

    # then the 800 points it paid stay spent, on that order; 200 come back
    assert (removed.status, removed.captured) == (RedemptionStatus.CAPTURED, 800)
    assert (removed.order_id, removed.used_amount) == ("order-elsewhere", Decimal("8.00"))
    assert columns(points).held == 0 and columns(points).available == 800
    assert shop.gift_cards.cards[applied.gift_card_id].active is False
    settle()


@pytest.mark.parametrize("release", ["replace", "stale"])
def test_S6_replace_and_stale_release_capture_what_the_card_paid(program, shop, points, release):
    applied = apply(program, shop, points=1000)
    shop.gift_cards.pay(applied.gift_card_id, "order-elsewhere", Decimal(10))

    if release == "replace":
        apply(program, shop, points=500)
    else:
        assert redemption.release_abandoned(applied.id, cards=shop.gift_cards, now=at(2)) is False

    applied.refresh_from_db()
    assert (applied.status, applied.captured) == (RedemptionStatus.CAPTURED, 1000)
    assert columns(points).available == (100 if release == "replace" else 600)
    settle()


def test_S6_an_order_that_may_still_charge_the_card_keeps_hold_and_card(program, shop, points):
    # given the card authorised on an order the shop charges at confirmation
    applied = apply(program, shop, points=1000)
    shop.gift_cards.authorise(applied.gift_card_id, "order-1")

    # then the sync at order creation changes nothing, and nobody can take it off
    kept = redemption.capture_for_order(program, "tok-1", "order-1", cards=shop.gift_cards)
    assert kept.status == RedemptionStatus.HELD
    with pytest.raises(Conflict):
        redemption.remove(shop.checkouts.checkout("tok-1"), MEMBER, cards=shop.gift_cards)
    with pytest.raises(Conflict):
        apply(program, shop, points=500)
    assert redemption.release_abandoned(applied.id, cards=shop.gift_cards, now=at(2)) is False
    card = shop.gift_cards.cards[applied.gift_card_id]
    assert (card.balance, card.active) == (Decimal("10.00"), True)
    assert columns(points).held == 1000

    # when the shop charges it, the next sync captures
    card.promised.clear()
    shop.gift_cards.pay(applied.gift_card_id, "order-1", Decimal(10))
    captured = redemption.capture_for_order(program, "tok-1", "order-1", cards=shop.gift_cards)
    assert (captured.status, captured.captured) == (RedemptionStatus.CAPTURED, 1000)
    settle()


def test_S6_settle_card_captures_a_redemption_whose_card_paid_another_order(program, shop, points):
    # given a card another order touched without paying: it stays on its checkout
    applied = apply(program, shop, points=1000)
    kept = redemption.settle_card(applied.id, cards=shop.gift_cards)
    assert kept.status == RedemptionStatus.HELD and columns(points).held == 1000

    # when that order has it pay 10.00
    shop.gift_cards.pay(applied.gift_card_id, "order-2", Decimal(10))

    settled = redemption.settle_card(applied.id, cards=shop.gift_cards, now=at(2))

    assert (settled.status, settled.order_id) == (RedemptionStatus.CAPTURED, "order-2")
    assert redemption.paid_with_rewards("order-2") == Decimal(10)
    settle()
