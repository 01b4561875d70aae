"""Membership tiers without Saleor: the default table, consumption, levels (T1-T3, L5)."""

import importlib
from decimal import Decimal

import pytest

from saleor_rewards import config
from saleor_rewards.ledger.errors import AlreadyExists, Conflict, InvalidInput
from saleor_rewards.programs.loyalty.earning import OrderLine, OrderSnapshot
from saleor_rewards.programs.loyalty.models import OrderAward
from saleor_rewards.programs.orders.sync import sync_order
from saleor_rewards.programs.tiers import services as tiers
from saleor_rewards.programs.tiers.editing import TierInput, create_tier, delete_tier, update_tier
from saleor_rewards.programs.tiers.models import MemberTier, Tier

from .helpers import at

D = Decimal
SETTINGS = config.parse({})
ROLLING = config.parse({"tier_window_days": "30"})


def paid(order_id, net, *, customer=7, refunded="0", cancelled=False, verified=True):
    lines = (OrderLine("l-" + order_id, 1, D(net), D(net)),)
    return OrderSnapshot(
        order_id,
        "web-eu",
        "EUR",
        customer,
        lines,
        D(net),
        fully_paid=True,
        refunded_amount=D(refunded),
        cancelled=cancelled,
        customer_verified=verified,
    )


@pytest.fixture
def program(program):
    """The suite's program with the default table, as every program is created."""
    tiers.create_default_tiers(program)
    return program


def level(program, member=7):
    row = MemberTier.objects.select_related("tier").get(program=program, member_id=member)
    return row.tier.name if row.tier else None, row.consumption


# --- T1: the default table ---------------------------------------------------------


def test_T1_a_new_program_gets_the_default_table(program):
    # Unverified members cannot pay with points (0 %, seed 002); the others follow
    # the program's max_redeem_percent (None) until staff set a cap.
    table = [
        (
            t.name,
            t.min_consumption,
            t.discount_percent,
            t.max_redeem_percent,
            t.earn_multiplier,
            t.for_unverified,
        )
        for t in tiers.tiers_of(program)
    ]
    assert table == [
        ("Unverified", D(0), D(0), D(0), D(1), True),
        ("Regular", D(0), D("0.5"), None, D(1), False),
        ("VIP-D", D(200), D(1), None, D(1), False),
        ("VIP-C", D(800), D(2), None, D(1), False),
        ("VIP-B", D(1500), D(3), None, D(1), False),
        ("VIP-A", D(3000), D(4), None, D(1), False),
        ("Top-VIP", D(5000), D(5), None, D(1), False),
    ]
    assert len(tiers.create_default_tiers(program)) == 7  # once


def test_T1_a_program_keeps_its_own_table(program):
    Tier.objects.filter(program=program).exclude(name="Regular").delete()
    assert [t.name for t in tiers.create_default_tiers(program)] == ["Regular"]


def test_T1_reading_the_tiers_creates_none(other_program):
    assert tiers.tiers_of(other_program) == []
    assert tiers.status(other_program, 7, SETTINGS).tier is None
    assert tiers.tier_max_redeem_percent(other_program, 7) is None
    assert not Tier.objects.filter(program=other_program).exists()


@pytest.mark.parametrize(
    ("spent", "name"),
    [
        ("0", "Regular"),
        ("199.999", "Regular"),
        ("200", "VIP-D"),
        ("799.99", "VIP-D"),
        ("800", "VIP-C"),
        ("1500", "VIP-B"),
        ("3000", "VIP-A"),
        ("5000", "Top-VIP"),
        ("99999", "Top-VIP"),
    ],
)
def test_T1_level_is_the_highest_threshold_reached(program, spent, name):
    assert tiers.tier_for(tiers.tiers_of(program), D(spent)).name == name


def test_T1_unverified_member_is_unverified_whatever_they_spent(program):
    assert tiers.tier_for(tiers.tiers_of(program), D(6000), verified=False).name == ("Unverified")


def test_T1_progress_names_the_next_tier_and_what_is_left(program):
    sync_order(program, SETTINGS, paid("o-1", "150.00"), now=at(0))
    status = tiers.status(program, 7, SETTINGS, now=at(1))
    assert (status.tier.name, status.consumption) == ("Regular", D("150.000"))
    assert (status.next_tier.name, status.remaining) == ("VIP-D", D("50.000"))


def test_T1_top_tier_has_no_next(program):
    sync_order(program, SETTINGS, paid("o-1", "5200.00"), now=at(0))
    status = tiers.status(program, 7, SETTINGS, now=at(1))
    assert (status.tier.name, status.next_tier, status.remaining) == ("Top-VIP", None, 0)


# --- T3: upgrade when paid, downgrade on refunds -----------------------------------


def test_T3_paid_order_reaching_200_upgrades_to_VIP_D(program):
    sync_order(program, SETTINGS, paid("o-1", "150.00"), now=at(0))
    assert level(program) == ("Regular", D("150.000"))

    sync_order(program, SETTINGS, paid("o-2", "50.00"), now=at(1))

    assert level(program) == ("VIP-D", D("200.000"))


def test_T3_partial_refund_below_threshold_downgrades(program):
    sync_order(program, SETTINGS, paid("o-1", "250.00"), now=at(0))
    assert level(program)[0] == "VIP-D"

    sync_order(program, SETTINGS, paid("o-1", "250.00", refunded="60.00"), now=at(1))

    assert level(program) == ("Regular", D("190.000"))


def test_T3_cancelled_order_counts_nothing(program):
    sync_order(program, SETTINGS, paid("o-1", "250.00"), now=at(0))

    sync_order(program, SETTINGS, paid("o-1", "250.00", cancelled=True), now=at(1))

    assert level(program) == ("Regular", D(0))


def test_T3_unverified_buyer_stays_unverified(program):
    sync_order(program, SETTINGS, paid("o-1", "250.00", verified=False), now=at(0))
    assert level(program) == ("Unverified", D("250.000"))


def test_T3_replayed_sync_keeps_the_tier_since(program):
    sync_order(program, SETTINGS, paid("o-1", "250.00"), now=at(0))
    sync_order(program, SETTINGS, paid("o-1", "250.00"), now=at(3))
    assert MemberTier.objects.get().since == at(0)


# --- T2 / T3: rolling window, set-based recompute ----------------------------------


def test_T2_rolling_window_counts_only_recent_orders(program):
    sync_order(program, ROLLING, paid("o-1", "150.00"), now=at(0))
    sync_order(program, ROLLING, paid("o-2", "100.00"), now=at(20))
    assert level(program) == ("VIP-D", D("250.000"))

    changed = tiers.recompute_program(program, ROLLING, now=at(35))

    assert changed == [7]
    assert level(program) == ("Regular", D("100.000"))


def test_T3_set_based_recompute_levels_every_member_in_one_statement(
    program, django_assert_num_queries
):
    for member, net in ((7, "250"), (8, "900"), (9, "20")):
        sync_order(program, SETTINGS, paid(f"o-{member}", net, customer=member), now=at(0))
    MemberTier.objects.all().delete()  # as before tiers existed

    with django_assert_num_queries(1):  # one statement
        changed = tiers.recompute_program(program, SETTINGS, now=at(1))

    assert sorted(changed) == [7, 8, 9]
    assert [level(program, m)[0] for m in (7, 8, 9)] == ["VIP-D", "VIP-C", "Regular"]
    assert tiers.recompute_program(program, SETTINGS, now=at(2)) == []  # nothing new


def test_T3_set_based_recompute_takes_the_platform_verified_flag(program):
    sync_order(program, SETTINGS, paid("o-1", "250.00"), now=at(0))

    tiers.recompute_program(program, SETTINGS, now=at(1), unverified=[7])

    assert level(program)[0] == "Unverified"
    tiers.recompute_program(program, SETTINGS, now=at(2), verified=[7])
    assert level(program)[0] == "VIP-D"


def test_T3_recompute_keeps_the_stored_flag_of_members_the_platform_does_not_name(program):
    sync_order(program, SETTINGS, paid("o-1", "250.00"), now=at(0))
    tiers.recompute_program(program, SETTINGS, now=at(1), unverified=[7])

    tiers.recompute_program(program, SETTINGS, now=at(2), verified=[8])

    assert level(program)[0] == "Unverified"


def test_T3_the_program_levels_members_with_a_level_or_a_purchase(program):
    sync_order(program, SETTINGS, paid("o-1", "250.00"), now=at(0))

    assert tiers.member_ids(program) == [7]


# --- L5: tier multiplier ------------------------------------------------------------


def test_L5_tier_multiplier_applies_to_the_next_paid_order(program):
    vip_d = Tier.objects.get(program=program, name="VIP-D")
    vip_d.earn_multiplier = D(2)
    vip_d.save()
    sync_order(program, SETTINGS, paid("o-1", "200.00"), now=at(0))  # 1.0x: 500

    sync_order(program, SETTINGS, paid("o-2", "100.00"), now=at(1))  # 2.0x: 500

    points = dict(OrderAward.objects.values_list("order_id", "points"))
    assert points == {"o-1": 500, "o-2": 500}


# --- S1: the tier's redemption cap --------------------------------------------------


def test_S1_tier_max_redeem_percent_follows_the_program_unless_set(program):
    sync_order(program, SETTINGS, paid("o-1", "250.00"), now=at(0))
    assert tiers.tier_max_redeem_percent(program, 7) is None

    Tier.objects.filter(program=program, name="VIP-D").update(max_redeem_percent=5)

    assert tiers.tier_max_redeem_percent(program, 7) == D(5)
    assert tiers.tier_max_redeem_percent(program, 99) is None  # a new member: Regular


# --- T2: staff edit the table -------------------------------------------------------


def test_T2_new_tier_relevels_members_at_once(program):
    sync_order(program, SETTINGS, paid("o-1", "250.00"), now=at(0))

    create_tier(
        program,
        TierInput(name="VIP-E", min_consumption=D(100), discount_percent=D("0.75")),
        SETTINGS,
        now=at(1),
    )
    update_tier(
        Tier.objects.get(name="VIP-D").id, TierInput(min_consumption=D(300)), SETTINGS, now=at(1)
    )

    assert level(program)[0] == "VIP-E"


def test_T2_tier_names_are_unique_per_channel(program):
    with pytest.raises(AlreadyExists) as error:
        create_tier(program, TierInput(name="vip-d"), SETTINGS)
    assert error.value.field == "name"


@pytest.mark.parametrize(
    ("data", "field"),
    [
        (TierInput(name="X", min_consumption=D(-1)), "minConsumption"),
        (TierInput(name="X", discount_percent=D("100.5")), "discountPercent"),
        (TierInput(name="X", discount_percent=D(-1)), "discountPercent"),
        (TierInput(name="X", max_redeem_percent=D(101)), "maxRedeemPercent"),
        (TierInput(name="X", earn_multiplier=D(-2)), "earnMultiplier"),
        (TierInput(name="  "), "name"),
        (TierInput(), "name"),
    ],
)
def test_T2_invalid_tier_is_refused_naming_the_field(program, data, field):
    with pytest.raises(InvalidInput) as error:
        create_tier(program, data, SETTINGS)
    assert error.value.field == field
    assert not Tier.objects.filter(name="X").exists()


def test_T2_only_one_tier_for_unverified_members(program):
    with pytest.raises(AlreadyExists) as error:
        create_tier(program, TierInput(name="Guests", for_unverified=True), SETTINGS)
    assert error.value.field == "forUnverified"


def test_T2_deleting_a_tier_in_use_moves_its_members(program):
    sync_order(program, SETTINGS, paid("o-1", "900.00"), now=at(0))
    assert level(program)[0] == "VIP-C"

    delete_tier(Tier.objects.get(name="VIP-C").id, SETTINGS, now=at(1))

    assert level(program)[0] == "VIP-D"


def test_T2_the_last_tier_cannot_be_deleted(program):
    for tier in tiers.tiers_of(program)[1:]:
        delete_tier(tier.id, SETTINGS)
    with pytest.raises(Conflict):
        delete_tier(Tier.objects.get().id, SETTINGS)


# --- Programs made before tiers came with them (migration 0008) -----------------------


def test_T1_the_migration_gives_programs_without_tiers_the_default_table(program, other_program):
    from django.apps import apps

    migration = importlib.import_module("saleor_rewards.migrations.0009_default_tiers")
    Tier.objects.filter(program=program, name="Top-VIP").delete()  # staff's own table

    migration.create_default_tiers(apps, None)

    defaults = [
        (t.name, t.min_consumption, t.discount_percent, t.for_unverified)
        for t in tiers.DEFAULT_TIERS
    ]
    assert [
        (t.name, t.min_consumption, t.discount_percent, t.for_unverified)
        for t in tiers.tiers_of(other_program)
    ] == defaults
    assert len(tiers.tiers_of(program)) == 6
