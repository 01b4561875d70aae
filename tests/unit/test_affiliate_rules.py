"""The affiliate program without Saleor: the arithmetic of A3/A4, and the order sync,
applications, visits and tokens against the real ledger on PostgreSQL (A1-A4)."""

from decimal import Decimal

import pytest
from django.core.cache import cache

from saleor_rewards import config
from saleor_rewards.events.models import AuditEvent
from saleor_rewards.ledger import Kind
from saleor_rewards.ledger.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    LimitExceeded,
    NotEligible,
    NotFound,
)
from saleor_rewards.ledger.models import Account
from saleor_rewards.programs.affiliates import rules, services
from saleor_rewards.programs.affiliates.commissions import sync_commission
from saleor_rewards.programs.affiliates.models import AffiliateCommission
from saleor_rewards.programs.affiliates.ports import CheckoutParty
from saleor_rewards.programs.loyalty.earning import OrderLine, OrderSnapshot
from saleor_rewards.programs.orders.sync import sync_order
from tests.fakes import FakeAffiliateShop

from .helpers import at, settle

D = Decimal
SETTINGS = config.parse({})
BUYER = 7


def line(line_id, net, product="1", quantity=1, gross=None, **flags) -> OrderLine:
    return OrderLine(line_id, quantity, D(net), D(gross or net), product_id=product, **flags)


def order(lines, *, attribution="", customer=BUYER, order_id="o-1", **state) -> OrderSnapshot:
    lines = tuple(lines)
    total = sum((ln.gross_total for ln in lines), D(0))
    return OrderSnapshot(
        order_id,
        "web-eu",
        "EUR",
        customer,
        lines,
        total,
        affiliate_attribution=attribution,
        **state,
    )


@pytest.fixture(autouse=True)
def fresh_cache():
    cache.clear()
    yield
    cache.clear()


# --- arithmetic ------------------------------------------------------------------


def test_A3_the_referred_product_and_collection_products_count():
    snapshot = order(
        [
            line("a", "30.00", product="1"),
            line("b", "20.00", product="2", collections=frozenset({"aff"})),
            line("c", "30.00", product="3", collections=frozenset({"other"})),
            line("g", "50.00", product="4", is_gift_card=True, collections=frozenset({"aff"})),
        ]
    )
    lines = rules.affiliate_lines(snapshot, "1", "aff")
    assert [ln.line_id for ln in lines] == ["a", "b"]
    assert rules.lines_basis(snapshot, lines) == D("50.000")
    assert [ln.line_id for ln in rules.affiliate_lines(snapshot, "1", "")] == ["a", "b", "c"]


def test_A3_commission_rounds_down_to_the_cent():
    assert rules.commission_for(D("30.000"), D(1), "EUR") == D("0.30")
    assert rules.commission_for(D("33.330"), D(1), "EUR") == D("0.33")
    assert rules.commission_for(D("999.000"), D(1), "JPY") == D("9")


def test_A3_the_part_paid_with_rewards_earns_nothing():
    snapshot = order(
        [line("a", "40.00"), line("b", "60.00", product="2")], paid_with_rewards=D("50.00")
    )
    lines = rules.affiliate_lines(snapshot, "1", "nothing")
    assert rules.lines_basis(snapshot, lines) == D("20.000")


def test_A4_a_refund_of_another_line_takes_nothing_back():
    snapshot = order(
        [line("a", "30.00", quantity=3), line("b", "20.00", product="2")],
        refunded_quantities={"b": 1},
        refunded_with_lines=D("20.00"),
        refunded_amount=D("20.00"),
    )
    assert rules.refunded_basis(snapshot, D("30.000"), ["a"]) == D(0)
    refunded_a = order(
        [line("a", "30.00", quantity=3)],
        refunded_quantities={"a": 1},
        refunded_with_lines=D("10.00"),
        refunded_amount=D("10.00"),
    )
    assert rules.refunded_basis(refunded_a, D("30.000"), ["a"]) == D("10.000")
    assert rules.standing_amount(D("0.33"), D("30.000"), D("10.000"), "EUR") == D("0.22")


def test_A2_window():
    assert rules.within_window(at(0), at(30), 30)
    assert not rules.within_window(at(0), at(30.01), 30)


# --- services and the sync against the ledger ----------------------------------------


@pytest.fixture
def affiliate(program, new_member):
    member_id = new_member()
    applied = services.apply(
        program,
        member_id,
        services.Application(website="https://a.example/"),
        settings=SETTINGS,
        email="aff@example.com",
        now=at(0),
    )
    return services.review(applied.id, "approve", now=at(0))


@pytest.fixture
def shop():
    return FakeAffiliateShop(
        products=("1", "2"),
        checkouts=(CheckoutParty("c-1", "web-eu", BUYER, "buyer@example.com"),),
    )


def tracked(affiliate, shop, *, now=None, checkout="c-1") -> str:
    now = now or at(1)
    clicked = services.track_visit(
        affiliate.code,
        "1",
        shop=shop,
        client_ip="10.0.0.1",
        settings_for=lambda p: SETTINGS,
        now=now,
    )
    tied = services.track_visit(
        affiliate.code,
        "1",
        shop=shop,
        client_ip="10.0.0.1",
        checkout_token=checkout,
        token=clicked.token,
        settings_for=lambda p: SETTINGS,
        now=now,
    )
    # the same visit (the token is signed again: its timestamp may be a second later)
    assert tied.attributed
    visit = services.visit_of_token(clicked.token)
    assert visit is not None and services.visit_of_token(tied.token) == visit
    return shop.attributions[checkout]


def cash_of(program, member_id):
    account = Account.objects.filter(program=program, member_id=member_id, kind=Kind.CASH).first()
    return (account.available, account.pending) if account else (D(0), D(0))


def test_A1_apply_twice_and_decisions(program, new_member):
    member_id = new_member()
    application = services.Application(social_profiles=("https://s.example/@me",))
    applied = services.apply(program, member_id, application, settings=SETTINGS)
    with pytest.raises(AlreadyExists):
        services.apply(program, member_id, application, settings=SETTINGS)
    with pytest.raises(Conflict):
        services.review(applied.id, "suspend")
    rejected = services.review(applied.id, "reject", note="Not now")
    assert rejected.code is None and rejected.status == "rejected"
    again = services.apply(program, member_id, application, settings=SETTINGS)
    assert again.id == applied.id and again.status == "pending" and again.note == ""
    assert AuditEvent.objects.filter(subject_id=str(applied.id)).count() == 1


def test_A1_an_application_needs_a_website_or_a_profile(program, member):
    with pytest.raises(InvalidInput):
        services.apply(program, member, services.Application(), settings=SETTINGS)
    with pytest.raises(InvalidInput):
        services.apply(
            program,
            member,
            services.Application(website="javascript:alert(1)"),
            settings=SETTINGS,
        )


def test_A1_commission_percent_is_checked(affiliate):
    services.review(affiliate.id, "suspend")
    with pytest.raises(InvalidInput):
        services.review(affiliate.id, "approve", commission_percent="101")
    with pytest.raises(InvalidInput):
        services.review(affiliate.id, "approve", commission_percent="-1")


def test_A1_only_approved_affiliates_have_links(program, affiliate, member):
    settings = {**SETTINGS, "storefront_affiliate_url": "https://s.example/{product}?a={code}"}
    assert services.link(program, affiliate.member_id, "UHJvZHVjdDox", settings) == (
        f"https://s.example/UHJvZHVjdDox?a={affiliate.code}"
    )
    with pytest.raises(NotEligible):
        services.link(program, member, "UHJvZHVjdDox", settings)


def test_A2_unknown_products_and_checkouts_are_not_found(affiliate, shop):
    with pytest.raises(NotFound):
        services.track_visit(
            affiliate.code, "99", shop=shop, client_ip="1.2.3.4", settings_for=lambda p: SETTINGS
        )
    with pytest.raises(NotFound):
        services.track_visit(
            affiliate.code,
            "1",
            shop=shop,
            client_ip="1.2.3.4",
            checkout_token="nope",
            settings_for=lambda p: SETTINGS,
        )


def test_A2_rate_limit_is_per_client(affiliate, shop):
    for _ in range(services.VISITS_PER_WINDOW):
        services.track_visit(
            affiliate.code, "1", shop=shop, client_ip="1.1.1.1", settings_for=lambda p: SETTINGS
        )
    with pytest.raises(LimitExceeded):
        services.track_visit(
            affiliate.code, "1", shop=shop, client_ip="1.1.1.1", settings_for=lambda p: SETTINGS
        )
    services.track_visit(
        affiliate.code, "1", shop=shop, client_ip="2.2.2.2", settings_for=lambda p: SETTINGS
    )


def test_A2_the_affiliates_own_checkout_is_not_attributed(affiliate, program):
    shop = FakeAffiliateShop(checkouts=(CheckoutParty("mine", "web-eu", None, "AFF@example.com"),))
    tied = services.track_visit(
        affiliate.code,
        "1",
        shop=shop,
        client_ip="1.1.1.1",
        checkout_token="mine",
        settings_for=lambda p: SETTINGS,
    )
    assert not tied.attributed and not shop.attributions


def test_A3_A4_paid_earns_pending_delivered_available_replay_once(program, affiliate, shop):
    token = tracked(affiliate, shop)
    paid = order([line("a", "30.00", quantity=3)], attribution=token, fully_paid=True)

    sync_order(program, SETTINGS, paid, now=at(2))
    sync_order(program, SETTINGS, paid, now=at(2))
    settle()
    assert cash_of(program, affiliate.member_id) == (D(0), D("0.30"))

    delivered = order(
        [line("a", "30.00", quantity=3)], attribution=token, fully_paid=True, fulfilled=True
    )
    result = sync_order(program, SETTINGS, delivered, now=at(3))
    settle()
    assert cash_of(program, affiliate.member_id) == (D("0.30"), D(0))
    assert result.commission == D("0.300")


def test_A4_a_refund_after_delivery_revokes_the_share(program, affiliate, shop):
    token = tracked(affiliate, shop)
    lines = [line("a", "30.00", quantity=3)]
    sync_order(
        program,
        SETTINGS,
        order(lines, attribution=token, fully_paid=True, fulfilled=True),
        now=at(2),
    )
    refunded = order(
        lines,
        attribution=token,
        fully_paid=True,
        fulfilled=True,
        refunded_quantities={"a": 2},
        refunded_with_lines=D("20.00"),
        refunded_amount=D("20.00"),
    )

    result = sync_order(program, SETTINGS, refunded, now=at(3))
    settle()

    assert result.commission_taken_back == D("0.20")
    assert cash_of(program, affiliate.member_id) == (D("0.10"), D(0))


def test_A3_no_commission_beyond_the_window_or_for_the_buyer_affiliate(program, affiliate, shop):
    token = tracked(affiliate, shop, now=at(0))
    late = order([line("a", "30.00")], attribution=token, fully_paid=True)
    sync_commission(program, SETTINGS, late, at(31))
    own = order(
        [line("a", "30.00")],
        attribution=token,
        fully_paid=True,
        customer=affiliate.member_id,
        order_id="o-2",
    )
    sync_commission(program, SETTINGS, own, at(1))
    guest = order(
        [line("a", "30.00")],
        attribution=token,
        fully_paid=True,
        customer=None,
        customer_email="aff+x@example.com",
        order_id="o-3",
    )
    sync_commission(program, SETTINGS, guest, at(1))
    settle()

    assert list(
        AffiliateCommission.objects.order_by("order_id").values_list("amount", flat=True)
    ) == [D(0), D(0), D(0)]
    assert cash_of(program, affiliate.member_id) == (D(0), D(0))


def test_A3_a_forged_attribution_earns_nothing(program, affiliate):
    forged = order([line("a", "30.00")], attribution="eyJ2IjoxfQ:forged", fully_paid=True)
    sync_commission(program, SETTINGS, forged, at(1))
    assert not AffiliateCommission.objects.exists()


@pytest.mark.django_db(transaction=True)
def test_U6_concurrent_syncs_of_one_paid_order_credit_one_commission(program, affiliate, shop):
    from .test_ledger_concurrency import run_at_once

    token = tracked(affiliate, shop)
    paid = order([line("a", "30.00", quantity=3)], attribution=token, fully_paid=True)

    results, errors = run_at_once(4, lambda n: sync_commission(program, SETTINGS, paid, at(2)))

    assert errors == []
    assert AffiliateCommission.objects.count() == 1
    assert cash_of(program, affiliate.member_id) == (D(0), D("0.30"))


@pytest.mark.django_db(transaction=True)
def test_A1_a_suspension_racing_the_first_sync_never_earns_after_it(program, affiliate, shop):
    from .test_ledger_concurrency import run_at_once

    token = tracked(affiliate, shop)
    paid = order([line("a", "30.00", quantity=3)], attribution=token, fully_paid=True)

    def step(n):
        if n == 0:
            return services.review(affiliate.id, "suspend")
        return sync_commission(program, SETTINGS, paid, at(2))

    results, errors = run_at_once(2, step)

    assert errors == []
    commission = AffiliateCommission.objects.get()
    suspended_first = commission.amount == 0
    assert commission.amount in (D(0), D("0.300"))
    assert cash_of(program, affiliate.member_id)[1] == (D(0) if suspended_first else D("0.30"))


def test_P5_a_restricted_affiliate_earns_no_commission(program, affiliate, shop):
    from saleor_rewards.ledger import Actor
    from saleor_rewards.programs.channel.restrictions import restrict_member

    restrict_member(affiliate.member_id, True, reason="asked (P5)", actor=Actor("staff", "9"))
    token = tracked(affiliate, shop)
    paid = order([line("a", "30.00", quantity=3)], attribution=token, fully_paid=True)
    sync_order(program, SETTINGS, paid, now=at(2))
    settle()
    assert cash_of(program, affiliate.member_id) == (D(0), D(0))
