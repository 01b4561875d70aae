"""Delivery confirmed, not just shipped (L2; R6 waits for the same moment), without
Saleor: orders are ``OrderSnapshot`` values, the shop's orders the fakes' ``Orders``.
"""

from datetime import timedelta
from decimal import Decimal

import pytest

from saleor_rewards import config
from saleor_rewards.ledger import Kind
from saleor_rewards.ledger.errors import NotEligible, NotFound
from saleor_rewards.ledger.models import Account, Entry, Lot
from saleor_rewards.programs.loyalty.delivery import confirm_delivery, delivered_at
from saleor_rewards.programs.loyalty.earning import OrderLine, OrderSnapshot
from saleor_rewards.programs.loyalty.models import DeliveryConfirmation, OrderAward
from saleor_rewards.programs.loyalty.ports import OrderDeliveryFacts
from saleor_rewards.programs.orders.sync import sync_order
from saleor_rewards.programs.referrals.models import Referral

from .helpers import at, settle
from .test_ledger_concurrency import run_at_once

D = Decimal
LINES = (OrderLine("a", 4, D(40), D(40)),)  # 2.5 % of 40.00 = 100 points


def snapshot(member, order_id="o-1", **state) -> OrderSnapshot:
    return OrderSnapshot(order_id, "web-eu", "EUR", member, LINES, D(40), fully_paid=True, **state)


def facts(member, order_id="o-1", fulfilled=True) -> OrderDeliveryFacts:
    return OrderDeliveryFacts(order_id, member, "web-eu", fulfilled)


def values(**overrides) -> dict:
    return config.parse({name: str(value) for name, value in overrides.items()})


def points(member) -> tuple[int, int]:
    account = Account.objects.filter(member_id=member, kind=Kind.POINTS).first()
    return (int(account.available), int(account.pending)) if account else (0, 0)


def lot_of(order_id="o-1", kind="loyalty") -> Lot:
    return OrderAward.objects.get(order_id=order_id, kind=kind).lot


# --- the setting ----------------------------------------------------------------------


def test_L2_auto_confirm_days_defaults_to_0_and_is_a_day_count():
    assert config.parse({})["auto_confirm_days"] == 0
    assert config.parse({"auto_confirm_days": "365"})["auto_confirm_days"] == 365
    for bad in ("-1", "366", "x"):
        with pytest.raises(config.SettingsError) as error:
            config.parse({"auto_confirm_days": bad})
        assert set(error.value.errors) == {"auto_confirm_days"}


# --- when an order counts as delivered ------------------------------------------------


def test_L2_delivered_at_fulfilment_by_default_after_auto_confirm_days_else():
    shipped = snapshot(7, fulfilled=True, fulfilled_at=at(1))
    assert delivered_at(snapshot(7), values(), at(2)) is None  # not shipped yet
    assert delivered_at(shipped, values(), at(2)) == at(2)  # 0: as the sync sees it
    assert delivered_at(shipped, values(auto_confirm_days=7), at(2)) == at(8)


def test_L2_a_confirmation_is_the_moment_whatever_the_setting():
    confirmed = snapshot(7, fulfilled=True, fulfilled_at=at(1), delivery_confirmed_at=at(3))
    assert delivered_at(confirmed, values(auto_confirm_days=7), at(5)) == at(3)
    assert delivered_at(confirmed, values(), at(5)) == at(3)


# --- the sync -------------------------------------------------------------------------


def test_L2_with_auto_confirm_days_fulfilment_dates_the_lot_instead_of_activating(program, member):
    settings_ = values(auto_confirm_days=7, hold_days=2)
    sync_order(program, settings_, snapshot(member), now=at(0))

    for _ in range(3):  # U6: replays, later ones too, keep the first date
        sync_order(
            program, settings_, snapshot(member, fulfilled=True, fulfilled_at=at(1)), now=at(2)
        )

    settle()
    assert points(member) == (0, 100)
    assert lot_of().available_at == at(10)  # shipped + 7 + hold 2


def test_L2_an_automatic_date_already_past_activates_at_once(program, member):
    settings_ = values(auto_confirm_days=7)
    shipped_long_ago = snapshot(member, fulfilled=True, fulfilled_at=at(0))

    sync_order(program, settings_, shipped_long_ago, now=at(9))

    settle()
    assert points(member) == (100, 0)


def test_L2_the_sync_reads_a_confirmation_and_brings_the_date_forward(program, member):
    settings_ = values(auto_confirm_days=7, hold_days=2)
    shipped = snapshot(member, fulfilled=True, fulfilled_at=at(1))
    sync_order(program, settings_, shipped, now=at(1))
    assert lot_of().available_at == at(10)

    confirmed = snapshot(member, fulfilled=True, fulfilled_at=at(1), delivery_confirmed_at=at(2))
    sync_order(program, settings_, confirmed, now=at(2))

    settle()
    assert lot_of().available_at == at(4)  # confirmed + hold 2
    assert points(member) == (0, 100)


# --- the customer's confirmation ------------------------------------------------------


def test_L2_the_customer_confirms_and_the_points_are_available_at_once(program, member):
    settings_ = values(auto_confirm_days=7)
    sync_order(program, settings_, snapshot(member, fulfilled=True, fulfilled_at=at(1)), now=at(1))

    confirmation = confirm_delivery(program, settings_, facts(member), member, now=at(2))

    settle()
    assert (confirmation.order_id, confirmation.member_id) == ("o-1", member)
    assert confirmation.confirmed_at == at(2)
    assert points(member) == (100, 0)


def test_L2_confirming_again_returns_the_first_confirmation_and_posts_nothing(program, member):
    settings_ = values(auto_confirm_days=7)
    sync_order(program, settings_, snapshot(member, fulfilled=True), now=at(1))
    first = confirm_delivery(program, settings_, facts(member), member, now=at(2))

    again = confirm_delivery(program, settings_, facts(member), member, now=at(3))

    settle()
    assert (again.id, again.confirmed_at) == (first.id, at(2))
    assert [e.type for e in Entry.objects.order_by("id")] == ["earn", "activate"]


def test_L2_someone_elses_or_an_unknown_order_is_not_found(program, member, new_member):
    settings_ = values(auto_confirm_days=7)
    sync_order(program, settings_, snapshot(member, fulfilled=True), now=at(1))

    with pytest.raises(NotFound) as theirs:
        confirm_delivery(program, settings_, facts(member), new_member(), now=at(2))
    with pytest.raises(NotFound) as guest:
        confirm_delivery(program, settings_, facts(None), member, now=at(2))

    assert theirs.value.message == guest.value.message
    assert not DeliveryConfirmation.objects.exists()
    assert points(member) == (0, 100)


def test_L2_an_order_not_shipped_in_full_is_not_eligible(program, member):
    with pytest.raises(NotEligible):
        confirm_delivery(program, values(), facts(member, fulfilled=False), member, now=at(1))

    assert not DeliveryConfirmation.objects.exists()


def test_L2_an_order_confirmed_before_it_is_seen_paid_is_delivered_when_it_is(program, member):
    settings_ = values(auto_confirm_days=7)
    confirm_delivery(program, settings_, facts(member), member, now=at(1))

    sync_order(
        program,
        settings_,
        snapshot(member, fulfilled=True, fulfilled_at=at(0), delivery_confirmed_at=at(1)),
        now=at(2),
    )

    settle()
    assert points(member) == (100, 0)


def test_L2_a_cancelled_order_is_not_delivered_by_a_confirmation(program, member):
    settings_ = values(auto_confirm_days=7)
    sync_order(program, settings_, snapshot(member, fulfilled=True), now=at(1))
    sync_order(program, settings_, snapshot(member, cancelled=True), now=at(2))

    confirm_delivery(program, settings_, facts(member), member, now=at(3))

    settle()
    assert points(member) == (0, 0)
    assert [e.type for e in Entry.objects.order_by("id")] == ["earn", "void"]


# --- the sponsor's reward (R6, R7) ----------------------------------------------------


def test_R6_the_sponsors_reward_is_delivered_by_the_friends_confirmation(program, new_member):
    sponsor, friend = new_member(), new_member()
    Referral.objects.create(sponsor_id=sponsor, friend_id=friend, source="claim")
    settings_ = values(auto_confirm_days=7)
    sync_order(program, settings_, snapshot(friend, fulfilled=True, fulfilled_at=at(1)), now=at(1))
    assert points(sponsor) == (0, 40)  # 1 % of 40.00
    assert lot_of(kind="referral").available_at == at(8)

    confirm_delivery(program, settings_, facts(friend), friend, now=at(2))

    settle()
    assert points(sponsor) == (40, 0)
    assert points(friend) == (100, 0)


def test_R7_a_reward_passed_on_to_a_dated_order_takes_its_date(program, new_member):
    sponsor, friend = new_member(), new_member()
    Referral.objects.create(sponsor_id=sponsor, friend_id=friend, source="claim")
    settings_ = values(auto_confirm_days=7)
    sync_order(program, settings_, snapshot(friend), now=at(0))
    second = snapshot(friend, "o-2", fulfilled=True, fulfilled_at=at(1))
    sync_order(program, settings_, second, now=at(1))  # shipped, due at(8)

    # when the first order is cancelled, the second takes the reward over
    sync_order(program, settings_, snapshot(friend, cancelled=True), now=at(2))

    settle()
    assert points(sponsor) == (0, 40)
    assert lot_of("o-2", "referral").available_at == lot_of("o-2").available_at == at(8)


# --- contention -----------------------------------------------------------------------


@pytest.mark.django_db(transaction=True)
def test_U7_confirmations_racing_the_orders_sync_deliver_once_without_deadlock(program, new_member):
    sponsor, friend = new_member(), new_member()
    Referral.objects.create(sponsor_id=sponsor, friend_id=friend, source="claim")
    settings_ = values(auto_confirm_days=7, referee_signup_bonus_points=30)
    sync_order(program, settings_, snapshot(friend, fulfilled=True, fulfilled_at=at(1)), now=at(1))
    confirmed = snapshot(friend, fulfilled=True, fulfilled_at=at(1), delivery_confirmed_at=at(2))

    def work(n):
        if n % 2:
            return confirm_delivery(program, settings_, facts(friend), friend, now=at(2))
        return sync_order(program, settings_, confirmed, now=at(2) + timedelta(minutes=n))

    results, errors = run_at_once(6, work)

    assert errors == []
    assert DeliveryConfirmation.objects.count() == 1
    assert points(friend) == (130, 0) and points(sponsor) == (40, 0)
    assert Entry.objects.filter(type="activate").count() == 3  # one per award
