"""C3 and C4 under contention, committed for real, one connection per thread: the
claim row and then the deposit and cash accounts (one statement, ascending id) are
locked, so concurrent approvals never overdraw the deposit, never pay a claim twice
and never deadlock."""

from datetime import timedelta
from decimal import Decimal

import pytest
from django.db import transaction
from django.utils import timezone

from saleor_rewards import config
from saleor_rewards.ledger import Actor, ActorType, Kind
from saleor_rewards.ledger.errors import Conflict, InsufficientBalance
from saleor_rewards.ledger.models import Account
from saleor_rewards.programs.channel.members import Member
from saleor_rewards.programs.claims.deposit import adjust_deposit, deposit_balance
from saleor_rewards.programs.claims.models import ClaimStatus, ClaimType
from saleor_rewards.programs.claims.ports import ClaimedLineFacts, ClaimOrder
from saleor_rewards.programs.claims.services import CostInput, process_claim, submit_claim
from saleor_rewards.programs.loyalty.earning import OrderLine, OrderSnapshot

from ..fakes import FakeClaims
from .test_ledger_concurrency import audit_is_clean, run_at_once

pytestmark = pytest.mark.django_db(transaction=True)
STAFF = Actor(ActorType.STAFF, "77")
D = Decimal


def _order(order_id, member):
    line = OrderLine(f"{order_id}-line", 1, D("20.00"), D("20.00"))
    snapshot = OrderSnapshot(
        order_id=order_id,
        channel_slug="web-eu",
        currency="EUR",
        customer_id=member,
        lines=(line,),
        total_gross=D("20.00"),
        fully_paid=True,
        fulfilled=True,
        fulfilled_at=timezone.now() - timedelta(days=3),
    )
    facts = {line.line_id: ClaimedLineFacts(line.line_id, "Tea", "9", 1)}
    return ClaimOrder(snapshot=snapshot, shipping_country="CN", lines=facts)


def _file(program, shop, order_id, member, claim_type=ClaimType.COUNTERFEIT):
    order = shop.orders.setdefault(order_id, _order(order_id, member))
    return submit_claim(
        Member(program, member),
        order,
        line_ids=[f"{order_id}-line"],
        claim_type=claim_type,
        description="Fake",
        evidence=["file_upload/a_1.jpg"],
        costs={"delivery": CostInput(D("5.00"), "EUR")},
        settings=config.parse({}),
        shop=shop,
    )


def _approver(shop, claim_ids):
    settings = config.parse({})

    def approve(n):
        with transaction.atomic():  # as the mutation runs it
            return process_claim(
                claim_ids[n], "approve", settings=settings, shop=shop, actor=STAFF
            ).id

    return approve


def test_C3_concurrent_approvals_never_overdraw_the_deposit(program):
    shop = FakeClaims()
    # four buyers, four claims of 85.00 compensation each; the deposit covers two
    claims = [_file(program, shop, f"order-{n}", 2001 + n).id for n in range(4)]
    adjust_deposit(program, "170.00", reason="Top-up", actor=STAFF)

    results, errors = run_at_once(4, _approver(shop, claims))

    assert [type(e) for e in errors] == [InsufficientBalance, InsufficientBalance]
    assert len(shop.refunds) == 2
    assert deposit_balance(program).amount == 0
    paid = Account.objects.filter(kind=Kind.CASH, available=D("85.00")).count()
    assert paid == 2 and audit_is_clean()


def test_C4_one_line_is_paid_once_when_both_its_claims_are_approved_at_once(program):
    shop = FakeClaims()
    first = _file(program, shop, "order-x", 3001)
    second = _file(program, shop, "order-x", 3001, ClaimType.NOT_DIRECT_SUPPLY)
    adjust_deposit(program, "500.00", reason="Top-up", actor=STAFF)

    results, errors = run_at_once(2, _approver(shop, [first.id, second.id]))

    assert [type(e) for e in errors] == [Conflict]
    assert len(shop.refunds) == 1
    first.refresh_from_db()
    second.refresh_from_db()
    assert sorted([first.status, second.status]) == [ClaimStatus.APPROVED, ClaimStatus.SUBMITTED]
    assert audit_is_clean()


def test_C4_the_same_claim_approved_twice_at_once_pays_once(program):
    shop = FakeClaims()
    claim = _file(program, shop, "order-y", 4001)
    adjust_deposit(program, "500.00", reason="Top-up", actor=STAFF)

    results, errors = run_at_once(3, _approver(shop, [claim.id] * 3))

    assert [type(e) for e in errors] == [Conflict, Conflict]
    assert len(shop.refunds) == 1
    assert deposit_balance(program).amount == D("415.00") and audit_is_clean()
