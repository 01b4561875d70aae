"""S1 + U7: concurrent redemptions on one balance never overspend.

Commits for real (``transaction=True``): each thread has its own connection."""

from decimal import Decimal

import pytest

from saleor_rewards.ledger import Kind, LotSource, credit, open_account
from saleor_rewards.ledger.errors import InsufficientBalance
from saleor_rewards.ledger.models import Account
from saleor_rewards.programs.redemption import services as redemption
from saleor_rewards.programs.redemption.models import Redemption
from saleor_rewards.programs.redemption.ports import CheckoutFacts

from ..fakes import FakeCheckouts, FakeGiftCards
from .referral_helpers import settings
from .test_ledger_concurrency import audit_is_clean, run_at_once

pytestmark = pytest.mark.django_db(transaction=True)

MEMBER = 77


def test_S1_concurrent_redemptions_on_one_balance_never_overspend(program):
    # given 1,000 points and six checkouts of the same member
    account = open_account(program, MEMBER, Kind.POINTS)
    credit(account, 1000, key="seed", source=LotSource.LOYALTY, expires_in_days=30)
    checkouts = FakeCheckouts(
        CheckoutFacts(f"tok-{n}", MEMBER, program.channel_slug, "EUR", Decimal(100))
        for n in range(6)
    )
    cards = FakeGiftCards()

    # when each applies 400 points at the same moment
    def redeem(n):
        return redemption.redeem(
            program, settings(), checkouts.checkout(f"tok-{n}"), MEMBER, cards=cards, points=400
        )

    results, errors = run_at_once(6, redeem)

    # then two got their hold (800), the others were refused, nothing overspent
    assert sum(result is not None for result in results) == 2
    assert len(errors) == 4 and all(isinstance(e, InsufficientBalance) for e in errors)
    account = Account.objects.get(pk=account.pk)
    assert (account.available, account.held) == (200, 800)
    assert Redemption.objects.count() == 2
    assert audit_is_clean()


def test_U7_points_and_cash_swapped_on_two_checkouts_at_once_never_deadlock(program):
    # given points and cash, points applied to one checkout and cash to another
    points = open_account(program, MEMBER, Kind.POINTS)
    credit(points, 10_000, key="seed-points", source=LotSource.LOYALTY, expires_in_days=30)
    cash = open_account(program, MEMBER, Kind.CASH)
    credit(cash, "500", key="seed-cash", source=LotSource.AFFILIATE, expires_in_days=30)
    checkouts = FakeCheckouts(
        CheckoutFacts(token, MEMBER, program.channel_slug, "EUR", Decimal(100))
        for token in ("tok-a", "tok-b")
    )
    cards = FakeGiftCards()

    def apply(token, kind):
        value = {"points": 100} if kind == Kind.POINTS else {"cash": Decimal(1)}
        return redemption.redeem(
            program, settings(), checkouts.checkout(token), MEMBER, cards=cards, **value
        )

    apply("tok-a", Kind.POINTS)
    apply("tok-b", Kind.CASH)

    # when, again and again, each checkout swaps to the other balance at the same
    # moment (one releases points and holds cash, the other the other way round)
    for round_ in range(12):
        kinds = [Kind.CASH, Kind.POINTS] if round_ % 2 == 0 else [Kind.POINTS, Kind.CASH]
        results, errors = run_at_once(
            2, lambda n, kinds=kinds: apply(("tok-a", "tok-b")[n], kinds[n])
        )

        # then both swaps go through: the two balances are locked in one order
        assert errors == []
        assert {r.kind for r in results} == {Kind.POINTS, Kind.CASH}
    points, cash = Account.objects.get(pk=points.pk), Account.objects.get(pk=cash.pk)
    assert (points.held, cash.held) == (100, 1)
    assert audit_is_clean()
