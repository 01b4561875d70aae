"""Earning on orders without Saleor: the arithmetic of L1, L3, R6 and the order sync.

Orders are ``OrderSnapshot`` values, as the Saleor adapter builds them; the sync
runs against the real ledger on PostgreSQL.
"""

from decimal import Decimal

import pytest

from saleor_rewards import config
from saleor_rewards.ledger import Kind
from saleor_rewards.ledger.models import Account, Entry
from saleor_rewards.programs.loyalty.earning import (
    OrderLine,
    OrderSnapshot,
    earn_basis,
    points_for,
    refunded_basis,
    standing_points,
)
from saleor_rewards.programs.loyalty.models import OrderAward
from saleor_rewards.programs.orders.sync import sync_order
from saleor_rewards.programs.referrals.models import Referral

from .helpers import at, settle

D = Decimal


def line(line_id, net, gross=None, quantity=1, **flags) -> OrderLine:
    return OrderLine(line_id, quantity, D(net), D(gross if gross is not None else net), **flags)


def order(lines, *, customer=7, total=None, **state) -> OrderSnapshot:
    lines = tuple(lines)
    total = D(total) if total is not None else sum((ln.gross_total for ln in lines), D(0))
    return OrderSnapshot("o-1", "web-eu", "EUR", customer, lines, total, **state)


# --- L1 -------------------------------------------------------------------------------


def test_L1_basis_is_net_product_lines_after_discounts():
    snapshot = order([line("a", "21.60", "27.00"), line("b", "8.00", "10.00")], total="47")
    assert earn_basis(snapshot) == D("29.600")


def test_L1_gift_card_and_free_gift_lines_earn_nothing():
    snapshot = order(
        [
            line("a", "30.00"),
            line("gift-card", "100.00", is_gift_card=True),
            line("free", "0.00", is_free_gift=True),
        ]
    )
    assert earn_basis(snapshot) == D("30.000")


def test_L1_the_part_paid_with_rewards_earns_nothing():
    # 40.00 gross products (32.00 net); 10.00 paid with the plugin's gift card
    snapshot = order([line("a", "32.00", "40.00")], paid_with_rewards=D("10.00"))
    assert earn_basis(snapshot) == D("24.000")


def test_L1_points_are_percent_of_basis_rounded_down():
    assert points_for(D("100"), D("2.5"), 100) == 250
    assert points_for(D("21.60"), D("2.5"), 100) == 54
    assert points_for(D("0.39"), D("2.5"), 100) == 0  # 0.975 points
    assert points_for(D("10"), D("2.5"), 1) == 0  # 0.25 of a point


def test_L5_multiplier_scales_points():
    assert points_for(D("100"), D("2.5"), 100, D("1.5")) == 375


# --- L3 -------------------------------------------------------------------------------


def test_L3_full_refund_takes_back_the_whole_basis():
    snapshot = order([line("a", "40")], total="50", refunded_amount=D("50"))
    assert refunded_basis(snapshot, D("40")) == D("40")


def test_L3_refund_naming_lines_takes_their_share():
    snapshot = order(
        [line("a", "40", quantity=4), line("b", "60")],
        total="110",
        refunded_quantities={"a": 1},
        refunded_amount=D("10"),
        refunded_with_lines=D("10"),
    )
    assert refunded_basis(snapshot, D("100")) == D("10.000")


def test_L3_money_refunded_without_lines_takes_its_share_of_the_total():
    snapshot = order([line("a", "40")], total="50", refunded_amount=D("10"))
    assert refunded_basis(snapshot, D("40")) == D("8.000")


def test_L3_money_refunded_without_lines_after_lines_takes_its_share_of_the_rest():
    # a unit of 10.00 refunded with its line, then 20.00 of the 40.00 left, no lines
    snapshot = order(
        [line("a", "40", quantity=4)],
        total="50",
        refunded_quantities={"a": 1},
        refunded_with_lines=D("10"),
        refunded_amount=D("30"),
    )
    # a quarter, then half of the other three quarters
    assert refunded_basis(snapshot, D("40")) == D("25.000")


def test_L3_all_the_money_paid_back_is_a_full_refund_when_points_paid_part():
    # 50.00 of which 10.00 paid with points: the order cost 40.00 in money
    snapshot = order(
        [line("a", "40")], total="40", paid_with_rewards=D("10"), refunded_amount=D("40")
    )
    assert snapshot.fully_refunded
    assert refunded_basis(snapshot, D("30")) == D("30")


def test_L3_standing_points_round_the_refunded_share_up():
    assert standing_points(100, D("40"), D("8")) == 80
    assert standing_points(75, D("30"), D("10")) == 50
    assert standing_points(7, D("3"), D("1")) == 4  # 4.67 stays as 4
    assert standing_points(100, D("40"), D("40")) == 0


# --- the sync against the ledger ------------------------------------------------------


@pytest.fixture
def settings_():
    return config.parse({})


def _points(member) -> tuple[int, int]:
    account = Account.objects.filter(member_id=member, kind=Kind.POINTS).first()
    return (int(account.available), int(account.pending)) if account else (0, 0)


def test_L2_paid_then_delivered_then_partly_refunded(program, member, settings_):
    paid = order([line("a", "40", quantity=4)], customer=member, total="50", fully_paid=True)

    sync_order(program, settings_, paid, now=at(0))
    assert _points(member) == (0, 100)

    delivered = order(paid.lines, customer=member, total="50", fully_paid=True, fulfilled=True)
    sync_order(program, settings_, delivered, now=at(1))
    assert _points(member) == (100, 0)

    refunded = order(
        paid.lines,
        customer=member,
        total="50",
        fully_paid=True,
        fulfilled=True,
        refunded_amount=D("10"),
    )
    for _ in range(3):  # U6: replays change nothing
        sync_order(program, settings_, refunded, now=at(2))
    settle()
    assert _points(member) == (80, 0)
    assert [e.type for e in Entry.objects.order_by("id")] == ["earn", "activate", "revoke"]


def test_L3_payment_failed_after_payment_takes_everything_back_for_good(program, member, settings_):
    paid = order([line("a", "40", quantity=4)], customer=member, total="50", fully_paid=True)
    sync_order(program, settings_, paid, now=at(0))
    delivered = order(paid.lines, customer=member, total="50", fully_paid=True, fulfilled=True)
    sync_order(program, settings_, delivered, now=at(1))
    assert _points(member) == (100, 0)

    # a charge-back: no longer fully paid, no refund to explain it
    failed = order(paid.lines, customer=member, total="50", fulfilled=True, payment_failed=True)
    for _ in range(2):  # U6
        sync_order(program, settings_, failed, now=at(2))
    assert _points(member) == (0, 0)
    assert OrderAward.objects.get().reversed

    # charged in full again: nothing is awarded twice
    sync_order(program, settings_, delivered, now=at(3))
    settle()
    assert _points(member) == (0, 0)
    assert [e.type for e in Entry.objects.order_by("id")] == ["earn", "activate", "revoke"]


def test_L3_cancelled_before_payment_is_seen_earns_nothing(program, member, settings_):
    cancelled = order([line("a", "40")], customer=member, fully_paid=True, cancelled=True)
    sync_order(program, settings_, cancelled, now=at(0))
    assert OrderAward.objects.count() == 0


def test_program_disabled_earns_nothing(program, member, settings_):
    paid = order([line("a", "40")], customer=member, fully_paid=True)
    sync_order(program, {**settings_, "program_enabled": False}, paid, now=at(0))
    assert _points(member) == (0, 0)


# --- R6, R7 -------------------------------------------------------------------------------


def test_R6_sponsor_earns_one_percent_of_the_first_order(program, new_member, settings_):
    sponsor, friend = new_member(), new_member()
    Referral.objects.create(sponsor_id=sponsor, friend_id=friend, source="claim")
    first = order([line("a", "250")], customer=friend, fully_paid=True)

    result = sync_order(program, settings_, first, now=at(0))

    assert (result.loyalty_points, result.referral_points) == (625, 250)  # 2.5 %, 1 %
    assert _points(sponsor) == (0, 250)
    assert Referral.objects.get().rewarded_order_id == "o-1"


def test_R6_only_the_first_order_counts(program, new_member, settings_):
    sponsor, friend = new_member(), new_member()
    Referral.objects.create(sponsor_id=sponsor, friend_id=friend, source="claim")
    sync_order(
        program, settings_, order([line("a", "100")], customer=friend, fully_paid=True), now=at(0)
    )
    second = OrderSnapshot(
        "o-2", "web-eu", "EUR", friend, (line("a", "100"),), D(100), fully_paid=True
    )

    assert sync_order(program, settings_, second, now=at(1)).referral_points == 0
    assert _points(sponsor) == (0, 100)


def test_R7_cancelled_first_order_lets_the_next_one_count(program, new_member, settings_):
    sponsor, friend = new_member(), new_member()
    Referral.objects.create(sponsor_id=sponsor, friend_id=friend, source="claim")
    lines = (line("a", "100"),)
    sync_order(program, settings_, order(lines, customer=friend, fully_paid=True), now=at(0))
    sync_order(
        program,
        settings_,
        order(lines, customer=friend, fully_paid=True, cancelled=True),
        now=at(1),
    )
    assert _points(sponsor) == (0, 0)

    second = OrderSnapshot(
        "o-2", "web-eu", "EUR", friend, (line("a", "300"),), D(300), fully_paid=True
    )
    sync_order(program, settings_, second, now=at(2))

    settle()
    assert _points(sponsor) == (0, 300)
    assert Referral.objects.get().rewarded_order_id == "o-2"


def test_R7_partial_refund_takes_back_the_sponsors_share(program, new_member, settings_):
    sponsor, friend = new_member(), new_member()
    Referral.objects.create(sponsor_id=sponsor, friend_id=friend, source="claim")
    lines = (line("a", "100", quantity=2),)
    sync_order(program, settings_, order(lines, customer=friend, fully_paid=True), now=at(0))

    refunded = order(
        lines,
        customer=friend,
        fully_paid=True,
        refunded_quantities={"a": 1},
        refunded_amount=D("50"),
        refunded_with_lines=D("50"),
    )
    sync_order(program, settings_, refunded, now=at(1))

    assert _points(sponsor) == (0, 50)
    assert Referral.objects.get().rewarded_order_id == "o-1"  # still the first order


# --- B3 ---------------------------------------------------------------------------------


def test_B3_purchase_points_are_outside_the_daily_cap_by_default(program, member, settings_):
    from saleor_rewards.ledger import LotSource, credit, open_account

    credit(
        open_account(program, member, Kind.POINTS),
        30,
        key="bonus",
        source=LotSource.BONUS,
        now=at(0),
    )
    capped = {**settings_, "daily_points_cap": 100}

    sync_order(
        program, capped, order([line("a", "100")], customer=member, fully_paid=True), now=at(0)
    )

    assert _points(member) == (30, 250)


def test_B3_purchase_points_cut_by_the_cap_when_the_merchant_includes_them(
    program, member, settings_
):
    from saleor_rewards.ledger import LotSource, credit, open_account

    credit(
        open_account(program, member, Kind.POINTS),
        30,
        key="bonus",
        source=LotSource.BONUS,
        now=at(0),
    )
    capped = {**settings_, "daily_points_cap": 100, "daily_cap_includes_purchases": True}

    sync_order(
        program, capped, order([line("a", "100")], customer=member, fully_paid=True), now=at(0)
    )

    # 250 points cut to the 70 left of today's 100
    assert _points(member) == (30, 70)
    assert OrderAward.objects.get().points == 70


def test_R6_the_friends_welcome_bonus_comes_with_the_sponsors_reward(
    program, new_member, settings_
):
    sponsor, friend = new_member(), new_member()
    Referral.objects.create(sponsor_id=sponsor, friend_id=friend, source="claim")
    welcome = {**settings_, "referee_signup_bonus_points": 300}
    lines = (line("a", "100"),)

    sync_order(program, welcome, order(lines, customer=friend, fully_paid=True), now=at(0))

    # the friend: 250 purchase points + 300 welcome, pending until delivery
    assert _points(friend) == (0, 550)
    sync_order(
        program, welcome, order(lines, customer=friend, fully_paid=True, fulfilled=True), now=at(1)
    )
    assert _points(friend) == (550, 0)
    settle()


def test_R6_no_welcome_bonus_by_default_nor_without_a_sponsor(program, new_member, settings_):
    friend, loner = new_member(), new_member()
    Referral.objects.create(sponsor_id=new_member(), friend_id=friend, source="claim")
    welcome = {**settings_, "referee_signup_bonus_points": 300}

    sync_order(
        program, settings_, order([line("a", "100")], customer=friend, fully_paid=True), now=at(0)
    )
    sync_order(
        program,
        welcome,
        OrderSnapshot("o-2", "web-eu", "EUR", loner, (line("a", "100"),), D(100), fully_paid=True),
        now=at(0),
    )

    assert _points(friend) == (0, 250) and _points(loner) == (0, 250)


def test_R7_the_welcome_bonus_goes_with_a_cancelled_first_order(program, new_member, settings_):
    sponsor, friend = new_member(), new_member()
    Referral.objects.create(sponsor_id=sponsor, friend_id=friend, source="claim")
    welcome = {**settings_, "referee_signup_bonus_points": 300}
    lines = (line("a", "100"),)
    sync_order(program, welcome, order(lines, customer=friend, fully_paid=True), now=at(0))

    sync_order(
        program, welcome, order(lines, customer=friend, fully_paid=True, cancelled=True), now=at(1)
    )

    assert _points(friend) == (0, 0) and _points(sponsor) == (0, 0)
    settle()


def test_R7_an_order_paid_before_the_first_was_cancelled_takes_the_reward_over(
    program, new_member, settings_
):
    sponsor, friend = new_member(), new_member()
    Referral.objects.create(sponsor_id=sponsor, friend_id=friend, source="claim")
    first = (line("a", "100"),)
    second = OrderSnapshot(
        "o-2", "web-eu", "EUR", friend, (line("b", "300"),), D(300), fully_paid=True, fulfilled=True
    )
    sync_order(program, settings_, order(first, customer=friend, fully_paid=True), now=at(0))
    sync_order(program, settings_, second, now=at(1))  # paid and delivered meanwhile
    assert _points(sponsor) == (0, 100)

    # when the first order is cancelled (the second will not be synced again)
    sync_order(
        program,
        settings_,
        order(first, customer=friend, fully_paid=True, cancelled=True),
        now=at(2),
    )

    # then the second order's reward stands, available as that order was delivered
    settle()
    assert _points(sponsor) == (300, 0)
    assert Referral.objects.get().rewarded_order_id == "o-2"

    # and syncing the second order again changes nothing
    sync_order(program, settings_, second, now=at(3))
    settle()
    assert _points(sponsor) == (300, 0)
