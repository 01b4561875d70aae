"""SPEC O3 in a real Saleor 3.23: the liability report of a channel populated by real
orders (both payment flows), staff adjustments, a hold and an expiry equals what
``rewards_audit`` recomputes from the entries alone, as API and as command (CSV); its
deposit is the claims' merchant deposit (C3), topped up and drawn by an approved claim.
"""

import csv
import io
from datetime import timedelta
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone
from saleor.core.jwt import create_access_token

from saleor_rewards.ledger import Kind, LotSource, credit, debit, hold, open_account
from saleor_rewards.ledger.audit import channel_totals
from saleor_rewards.ledger.models import Program
from saleor_rewards.programs.claims.deposit import deposit_balance
from saleor_rewards.programs.liability.report import liability

from .helpers import ADJUST_MUTATION, grant, settle_deferred_checks, user_global_id
from .storefront import run
from .test_claims import fulfilled_order, process, submit, top_up

LIABILITY = """query($channel: String!, $days: Int) {
  rewardsLiability(channel: $channel, days: $days) {
    channel at
    points { outstanding pending held debt expiringNext30Days value { amount currency } }
    cash { outstanding { amount currency } pending { amount } held { amount } debt { amount } }
    deposit { amount currency }
    series { date points { outstanding pending expiringNext30Days }
             cash { outstanding { amount } pending { amount } } } } }"""


@pytest.fixture
def populated(
    store,
    product,
    customer_user,
    customer_user2,
    staff_user,
    permission_manage_users,
    permission_manage_gift_card,
    permission_manage_plugins,
    permission_manage_orders,
    rewards_api,
):
    """main (USD, 100 points per USD):
    customer: 2 x 10.00 paid (legacy) and delivered -> 50 available (60 days);
              4 x 10.00 paid (transactions API), not delivered -> 100 pending;
    customer2: staff credit 300 points (10 days) and 12.50 USD; 40 points that
              expired; a checkout holding 30 points (from the 300 lot);
    the merchant's deposit: topped up with 250.00 USD by staff."""
    variant = product.variants.get()
    order = run(store, store.pay_legacy, store.checkout([(variant, 2)]))
    run(store, store.fulfil, order["id"])
    run(store, store.pay_transaction, store.checkout([(variant, 4)]))

    grant(
        staff_user,
        permission_manage_users,
        permission_manage_gift_card,
        permission_manage_plugins,
        permission_manage_orders,
    )
    token = create_access_token(staff_user)
    top_up(rewards_api, token, "250.00")
    for kind, amount, days in (("POINTS", "300", 10), ("CASH", "12.50", None)):
        body = rewards_api.execute(
            ADJUST_MUTATION,
            {
                "userId": user_global_id(customer_user2),
                "channel": "main",
                "kind": kind,
                "amount": amount,
                "reason": "Goodwill",
                "expiresInDays": days,
            },
            token=token,
        )
        assert body["data"]["rewardsBalanceAdjust"]["errors"] == []
    points = open_account(store.channel.slug, customer_user2.pk, Kind.POINTS)
    # credited three days ago for one day: expired by the job's run now
    credit(
        points,
        40,
        key="ops:expiring",
        source=LotSource.BONUS,
        expires_in_days=1,
        now=timezone.now() - timedelta(days=3),
    )
    settle_deferred_checks()
    call_command("rewards_expire", stdout=io.StringIO())
    hold(points, 30, key="ops:checkout", reason="Checkout")
    settle_deferred_checks()
    return token


def test_O3_the_liability_equals_the_audits_recomputation(populated, rewards_api):
    body = rewards_api.execute(LIABILITY, {"channel": "main", "days": 3}, token=populated)

    report = body["data"]["rewardsLiability"]
    recomputed = channel_totals()
    points, cash = recomputed[("main", Kind.POINTS)], recomputed[("main", Kind.CASH)]
    assert report["points"]["outstanding"] == points["available"] == 320
    assert report["points"]["pending"] == points["pending"] == 100
    assert report["points"]["held"] == points["held"] == 30
    assert report["points"]["debt"] == points["debt"] == 0
    assert Decimal(str(report["cash"]["outstanding"]["amount"])) == cash["available"]
    assert cash["available"] == Decimal("12.50")
    assert report["cash"]["pending"]["amount"] == float(cash["pending"]) == 0
    # 300 - 30 held of the lot expiring in 10 days; the 50 expire in 60, the 40 expired
    assert report["points"]["expiringNext30Days"] == 270
    assert report["points"]["value"] == {"amount": 3.2, "currency": "USD"}
    assert report["deposit"] == {"amount": 250.0, "currency": "USD"}
    assert deposit_balance(Program.objects.get(channel_slug="main")).amount == Decimal("250.00")
    # the series ends with today, taken now: the same figures
    assert len(report["series"]) == 3
    today = report["series"][-1]
    assert today["points"] == {"outstanding": 320, "pending": 100, "expiringNext30Days": 270}
    assert today["cash"]["outstanding"]["amount"] == 12.5


def test_O3_the_audit_command_prints_the_same_totals(populated):
    out = io.StringIO()

    call_command("rewards_audit", "--totals", stdout=out)

    assert "TOTAL main points available=320 pending=100 held=30 debt=0" in out.getvalue()
    assert "TOTAL main cash available=12.5 pending=0 held=0 debt=0" in out.getvalue()
    assert "TOTAL main deposit available=250 pending=0 held=0 debt=0" in out.getvalue()


def test_O3_the_command_writes_the_series_as_csv(populated, tmp_path):
    path = tmp_path / "liability.csv"
    out = io.StringIO()

    call_command(
        "rewards_liability", "--channel", "main", "--days", "2", "--csv", str(path), stdout=out
    )

    assert "points outstanding 320 (worth 3.2 USD)" in out.getvalue()
    rows = list(csv.DictReader(path.open()))
    assert len(rows) == 2
    assert rows[-1]["points_outstanding"] == "320"
    assert rows[-1]["points_pending"] == "100"
    assert rows[-1]["points_expiring_next_30_days"] == "270"
    assert rows[-1]["cash_outstanding"] == "12.5"
    assert rows[-1]["currency"] == "USD"


def test_O3_the_deposit_is_the_claims_deposit_after_an_approved_claim(
    store, media_root, product, customer_user, rewards_api, staff_user, permission_manage_plugins
):
    """A 500.00 top-up; a counterfeit claim on 2 x 10.00 (ceiling 105.00) approved:
    20.00 refunded through Saleor, 85.00 compensation paid from the deposit."""
    token = create_access_token(grant(staff_user, permission_manage_plugins))
    top_up(rewards_api, token, "500.00")
    order = fulfilled_order(store, product.variants.get())
    claim = submit(rewards_api, store, create_access_token(customer_user), order)["claim"]
    assert process(rewards_api, token, claim["id"], "APPROVE")["errors"] == []
    settle_deferred_checks()

    report = rewards_api.execute(LIABILITY, {"channel": "main", "days": 1}, token=token)["data"][
        "rewardsLiability"
    ]

    deposit = deposit_balance(Program.objects.get(channel_slug="main"))
    assert deposit.amount == Decimal("415.00")
    assert report["deposit"] == {"amount": 415.0, "currency": "USD"}
    # the compensation is the member's cash now: a liability of the shop
    assert report["cash"]["outstanding"]["amount"] == 85.0
    assert channel_totals()[("main", Kind.CASH)]["available"] == Decimal("85.00")


def test_O3_the_daily_series_follows_the_entries_back_in_time(
    active_rewards_plugin, program, customer_user
):
    now = timezone.now()
    account = open_account(program, customer_user.pk, Kind.POINTS)
    credit(
        account,
        100,
        key="ops:old",
        source=LotSource.BONUS,
        expires_in_days=20,
        now=now - timedelta(days=5),
    )
    debit(account, 30, key="ops:spent", reason="Order", now=now - timedelta(days=2))
    credit(
        account,
        25,
        key="ops:pending",
        source=LotSource.LOYALTY,
        pending=True,
        now=now - timedelta(days=1),
    )
    settle_deferred_checks()

    series = liability(program, points_per_unit=100, days=7, now=now).series

    by_day = [(d.points_outstanding, d.points_pending, d.points_expiring) for d in series]
    assert by_day == [
        (0, 0, 0),  # 6 days ago: nothing yet
        (100, 0, 100),  # credited; it expires 20 days later, within 30
        (100, 0, 100),
        (100, 0, 100),
        (70, 0, 70),  # 30 spent
        (70, 25, 70),  # 25 pending
        (70, 25, 70),  # today, now: what the accounts say
    ]
    assert series[-1].points_outstanding == int(
        liability(program, points_per_unit=100).points.outstanding
    )


def test_O3_reading_the_liability_needs_manage_plugins(
    active_rewards_plugin, program, rewards_api, staff_can_adjust
):
    response = rewards_api.post(
        LIABILITY, {"channel": "main"}, token=create_access_token(staff_can_adjust)
    )

    assert response.json()["errors"][0]["extensions"]["code"] == "PERMISSION_DENIED"


def test_O3_days_out_of_range_is_invalid(populated, rewards_api):
    response = rewards_api.post(LIABILITY, {"channel": "main", "days": 0}, token=populated)

    assert response.json()["errors"][0]["extensions"]["code"] == "INVALID"
