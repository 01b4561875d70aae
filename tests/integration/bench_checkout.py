"""Checkout overhead of the plugin, through Saleor's real API (issue 14).

Not part of the suite (no ``test_`` file name); ``make bench-checkout`` runs it:

    pytest --ds=saleor.tests.settings tests/integration/bench_checkout.py --reuse-db -s

Same shop, same data, same run: a member with a tier (Top-VIP, 5 % off, so that
the bench's own orders cannot lift them to another) and points. Each round builds
three checkouts of the same lines, in an order that rotates from round to round, and
times Saleor's ``checkoutLinesAdd`` and
``checkoutComplete`` (with the after-commit hooks they trigger, as a request runs
them):

- **active**: the plugin on. Its hook puts the member's tier code on the checkout;
  the member applies points (``rewardsCheckoutRedeem``, not timed: Saleor's
  mutations are what the shop waits on), so completion pays part with the points'
  gift card and the order earns points.
- **by hand**: the plugin switched off (its PluginConfiguration ``active`` false, as
  ``pluginUpdate`` leaves it), and the same discount and card put on by hand, as a
  shop without the plugin does it today: the member's tier code and a gift card of
  the same amount, both through Saleor's ``checkoutAddPromoCode`` (not timed). Same
  checkout, same total, same payment: the difference is the plugin's own work. The
  target (at most 10 % on each mutation) is checked against this side.
- **plain**: the plugin switched off and nothing put on: no discount, no card. The
  difference to it is printed too: it adds what Saleor's own voucher and gift card
  handling costs a checkout that carries them.

The time of the Celery tasks a mutation queues (eager in tests; a worker's job in a
shop) is taken out and printed apart. The median of each side gives the overhead.
``rewardsMe`` is counted in SQL queries for a member with 10 and with 1,000 history
entries: the count must not grow. Figures go to ``bench/results/checkout_<time>.json``.
"""

import cProfile
import json
import os
import statistics
import time
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path

from celery.signals import task_postrun, task_prerun
from django.db import connection
from django.test.utils import CaptureQueriesContext
from saleor.checkout.models import Checkout
from saleor.core.jwt import create_access_token
from saleor.giftcard.models import GiftCard
from saleor.graphql.core.utils import from_global_id_or_error
from saleor.plugins.models import PluginConfiguration

from saleor_rewards import ledger
from saleor_rewards.ledger import Kind, LotSource
from saleor_rewards.programs.loyalty.models import AwardKind, OrderAward
from saleor_rewards.programs.tiers import services as tiers
from saleor_rewards.saleor_adapter.settings import program_settings
from saleor_rewards.saleor_adapter.shop.tier_discounts import sync_member_discount

from .helpers import PLUGIN_ID
from .storefront import PROMO_CODE, TRANSACTION_CREATE, _data, gid, points

ROUNDS = int(os.environ.get("REWARDS_BENCH_CHECKOUT_ROUNDS", "24"))
TARGET = 0.10
ACTIVE, BY_HAND, PLAIN = "active", "by hand", "plain"
SIDES = (ACTIVE, BY_HAND, PLAIN)
# REWARDS_BENCH_PROFILE=path: cProfile of the timed mutations, one file per mutation and
# side (``<path>.complete.active``, ``<path>.complete.by_hand``, ``<path>.add.plain``, ...).
PROFILE = (
    {(name, side): cProfile.Profile() for name in ("add", "complete") for side in SIDES}
    if os.environ.get("REWARDS_BENCH_PROFILE")
    else None
)
RESULTS = Path(__file__).resolve().parents[2] / "bench" / "results"

LINES_ADD = """
mutation Add($id: ID!, $lines: [CheckoutLineInput!]!) {
  checkoutLinesAdd(id: $id, lines: $lines) {
    errors { field code message }
    checkout { totalPrice { gross { amount } } }
  }
}
"""

REDEEM = """
mutation Redeem($id: ID!, $points: Int) {
  rewardsCheckoutRedeem(checkoutId: $id, points: $points) {
    redemption { points status }
    errors { field code message }
  }
}
"""

ME = """query Me($channel: String!) { rewardsMe(channel: $channel) {
  points { available pending held expiringSoon { points expiresAt } }
  tier { name progress { nextTier remaining { amount } } }
  history(first: 50) { totalCount edges { node { type amount expiresAt
    reference { type id } } } }
} }"""


def _loadavg() -> list[float]:
    with open("/proc/loadavg") as f:
        return [float(x) for x in f.read().split()[:3]]


def _switch(active: bool) -> None:
    assert PluginConfiguration.objects.filter(identifier=PLUGIN_ID).update(active=active) == 1


class _Tasks:
    """Time spent in Celery tasks (eager in the tests; a worker runs them in a shop,
    after the customer's request): taken out of the request's time."""

    ms = 0.0
    _started: dict = {}

    @classmethod
    def prerun(cls, task_id=None, **kwargs):
        cls._started[task_id] = time.perf_counter()

    @classmethod
    def postrun(cls, task_id=None, **kwargs):
        if (started := cls._started.pop(task_id, None)) is not None:
            cls.ms += (time.perf_counter() - started) * 1000


task_prerun.connect(_Tasks.prerun, weak=False)
task_postrun.connect(_Tasks.postrun, weak=False)


def _timed(call, tasks: list, profile: tuple) -> float:
    """Milliseconds of ``call`` without the Celery tasks it ran (appended to ``tasks``);
    ``profile`` (mutation, active) names its cProfile when REWARDS_BENCH_PROFILE is set."""
    profiler = PROFILE[profile] if PROFILE is not None else None
    before = _Tasks.ms
    started = time.perf_counter()
    if profiler is not None:
        profiler.enable()
    call()
    if profiler is not None:
        profiler.disable()
    total = (time.perf_counter() - started) * 1000
    tasks.append(_Tasks.ms - before)
    return total - tasks[-1]


def _promo(store, checkout, code) -> None:
    _data(
        store.customer.post_graphql(PROMO_CODE, {"id": checkout, "code": code}),
        "checkoutAddPromoCode",
    )


def _card_by_hand(customer, amount, currency) -> str:
    """A gift card for the member, as staff issue one in the Dashboard (Saleor's
    model, the fields the plugin's card has; no plugin involved)."""
    card = GiftCard.objects.create(
        code=f"BENCH-{GiftCard.objects.count() + 1:06d}",
        currency=currency,
        initial_balance_amount=amount,
        current_balance_amount=amount,
        assigned_to=customer,
        assigned_to_email=customer.email,
        is_active=True,
    )
    return card.code


def _round(store, rewards_api, customer, variant, side: str, tasks: list, shared: dict):
    """One checkout: (ms of checkoutLinesAdd, ms of checkoutComplete, amount paid by
    the transaction), each time without the Celery tasks it queued (their ms go to
    ``tasks``). ``shared``: the tier code and the last active side's card amount."""
    active = side == ACTIVE
    _switch(active)
    checkout = store.checkout([(variant, 2)])
    if side == BY_HAND:
        _promo(store, checkout, shared["tier_code"])
    lines = [{"variantId": gid("ProductVariant", variant.pk), "quantity": 1}]

    def add():
        _data(
            store.customer.post_graphql(LINES_ADD, {"id": checkout, "lines": lines}),
            "checkoutLinesAdd",
        )

    add_ms = _timed(add, tasks, ("add", side))
    token = from_global_id_or_error(checkout, "Checkout")[1]
    if active:
        body = rewards_api.execute(
            REDEEM, {"id": checkout, "points": 500}, token=create_access_token(customer)
        )
        assert body["data"]["rewardsCheckoutRedeem"]["errors"] == [], body
        (card,) = Checkout.objects.get(token=token).gift_cards.all()
        shared["card_amount"] = card.initial_balance_amount
    elif side == BY_HAND:
        code = _card_by_hand(customer, shared["card_amount"], store.channel.currency_code)
        _promo(store, checkout, code)
    saleor_checkout = Checkout.objects.get(token=token)
    carries = (saleor_checkout.voucher_code is not None, saleor_checkout.gift_cards.count())
    assert carries == ((False, 0) if side == PLAIN else (True, 1)), (side, carries)
    amount = store.total(checkout)
    _data(
        store.app.post_graphql(
            TRANSACTION_CREATE,
            {
                "id": checkout,
                "transaction": {
                    "name": "Credit card",
                    "pspReference": f"psp-{checkout[-8:]}",
                    "availableActions": ["REFUND"],
                    "amountCharged": {
                        "amount": str(amount),
                        "currency": store.channel.currency_code,
                    },
                },
            },
        ),
        "transactionCreate",
    )
    pending = points(customer)["pending"]

    def complete():
        with store.capture(execute=True):
            store._complete(checkout)

    complete_ms = _timed(complete, tasks, ("complete", side))
    # the plugin did its work when active, and none when switched off
    assert (points(customer)["pending"] > pending) is active
    return add_ms, complete_ms, amount


def _rewards_me_queries(rewards_api, program, user, channel, entries: int) -> dict:
    account = ledger.open_account(program, user.pk, Kind.POINTS)
    for i in range(entries):
        ledger.credit(
            account,
            10,
            key=f"bench-{user.pk}-{i}",
            source=LotSource.LOYALTY,
            expires_in_days=30,
            reference=ledger.Reference("ORDER", str(i)),
        )
    token = create_access_token(user)
    rewards_api.execute(ME, {"channel": channel.slug}, token=token)  # Saleor's caches
    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        body = rewards_api.execute(ME, {"channel": channel.slug}, token=token)
        ms = (time.perf_counter() - started) * 1000
    assert "errors" not in body, body
    assert body["data"]["rewardsMe"]["history"]["totalCount"] == entries
    return {"entries": entries, "queries": len(captured.captured_queries), "ms": ms}


def test_checkout_overhead(
    tiered_store, rewards_api, program, customer_user, customer_user2, product, channel_USD
):
    store = tiered_store
    variant = product.variants.get()
    stock = variant.stocks.first()
    stock.quantity = 100_000
    stock.save()
    account = ledger.open_account(program, customer_user.pk, Kind.POINTS)
    ledger.credit(account, 1_000_000, key="bench-wallet", source=LotSource.BONUS)
    # Past orders put the member in the top tier, so the bench's own orders cannot move
    # them to another tier (and another discount) halfway through the rounds.
    OrderAward.objects.create(
        program=program,
        order_id="bench-history",
        kind=AwardKind.LOYALTY,
        member_id=customer_user.pk,
        basis=Decimal(6000),
        percent=Decimal(1),
        points=0,
    )
    tier = tiers.recompute_member(
        program, customer_user.pk, program_settings(program), verified=True
    )
    assert tier.tier is not None and tier.tier.name == "Top-VIP"

    code = sync_member_discount(program, customer_user.pk)  # what the hook would do first
    assert code is not None and code.is_active
    shared = {"tier_code": code.code}
    times = {side: {"add": [], "complete": []} for side in SIDES}
    tasks = {side: [] for side in SIDES}
    paid = {side: [] for side in SIDES}
    load_before = _loadavg()
    for number in range(ROUNDS + 1):
        # the active side first in the warm-up round: the by-hand side copies its card
        order = SIDES[number % 3 :] + SIDES[: number % 3]
        for side in order:
            add_ms, complete_ms, amount = _round(
                store, rewards_api, customer_user, variant, side, tasks[side], shared
            )
            paid[side].append(amount)
            if number:  # the first round warms Saleor's and the plugin's caches
                times[side]["add"].append(add_ms)
                times[side]["complete"].append(complete_ms)
    load_after = _loadavg()
    _switch(True)
    # like for like: the by-hand checkouts paid what the active ones did
    assert sorted(paid[ACTIVE]) == sorted(paid[BY_HAND]), paid
    assert not set(paid[PLAIN]) & set(paid[ACTIVE]), paid

    mutations = {}
    for name, mutation in (("add", "checkoutLinesAdd"), ("complete", "checkoutComplete")):
        on = statistics.median(times[ACTIVE][name])
        by_hand = statistics.median(times[BY_HAND][name])
        plain = statistics.median(times[PLAIN][name])
        mutations[mutation] = {
            "active_ms": on,
            "by_hand_ms": by_hand,
            "plain_ms": plain,
            "overhead": on / by_hand - 1,
            "overhead_vs_plain": on / plain - 1,
            "pass": on / by_hand - 1 <= TARGET,
            **{f"{side.replace(' ', '_')}_all_ms": times[side][name] for side in SIDES},
        }
    me = [
        _rewards_me_queries(rewards_api, program, customer_user2, channel_USD, 10),
    ]
    other = customer_user2.__class__.objects.create(email="bench-1000@example.com")
    me.append(_rewards_me_queries(rewards_api, program, other, channel_USD, 1000))
    summary = {
        "finished": datetime.now(UTC).isoformat(timespec="seconds"),
        "rounds": ROUNDS,
        "target_overhead": TARGET,
        "loadavg": {"before": load_before, "after": load_after},
        "mutations": mutations,
        "paid": {side: [str(amount) for amount in paid[side]] for side in SIDES},
        "celery_tasks_ms_median": {side: statistics.median(tasks[side]) for side in SIDES},
        "rewards_me": me,
        "rewards_me_bounded": me[0]["queries"] == me[1]["queries"],
    }
    RESULTS.mkdir(parents=True, exist_ok=True)
    if PROFILE is not None:
        for (name, side), profiler in PROFILE.items():
            side = side.replace(" ", "_")
            profiler.dump_stats(f"{os.environ['REWARDS_BENCH_PROFILE']}.{name}.{side}")
    path = RESULTS / f"checkout_{datetime.now(UTC):%Y%m%dT%H%M%S}.json"
    path.write_text(json.dumps(summary, indent=2) + "\n")

    print(
        f"\ncheckout overhead, medians of {ROUNDS} rounds (load {load_before} -> {load_after});"
        f" paid by the transaction: {', '.join(sorted(set(summary['paid'][ACTIVE])))} active and"
        f" by hand, {', '.join(sorted(set(summary['paid'][PLAIN])))} plain"
    )
    for mutation, m in mutations.items():
        print(
            f"  {mutation:<18} active {m['active_ms']:7.1f} ms  by hand {m['by_hand_ms']:7.1f}"
            f" ms  overhead {m['overhead']:+6.1%} (target <= {TARGET:.0%}): "
            f"{'PASS' if m['pass'] else 'FAIL'}"
        )
        print(
            f"  {'':<18} plain  {m['plain_ms']:7.1f} ms (no discount, no card): active"
            f" {m['overhead_vs_plain']:+6.1%}, Saleor's voucher and gift card included"
        )
    print(
        "  (Celery tasks, run after the request by a worker in a shop, not counted: "
        f"median {summary['celery_tasks_ms_median'][ACTIVE]:.1f} ms per mutation active)"
    )
    for row in me:
        print(
            f"  rewardsMe, {row['entries']:>5} history entries: {row['queries']} queries, "
            f"{row['ms']:.1f} ms"
        )
    print(f"  rewardsMe bounded: {'PASS' if summary['rewards_me_bounded'] else 'FAIL'}")
    print(f"  results {path.relative_to(RESULTS.parents[1])}")
    assert summary["rewards_me_bounded"]
