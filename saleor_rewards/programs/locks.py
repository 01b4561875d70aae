"""Every row lock above the ledger, and THE order a transaction takes them in (U7).

Modelled on Saleor's ``lock_objects.py`` modules: each table has one function
returning a queryset that locks (``select_for_update(of=("self",))``, so a
``select_related`` row is read but not locked) in primary-key order; the caller
filters it. No other module of the programs calls ``select_for_update``
(``tests/unit/test_locks.py``).

The order, outermost first. A transaction takes locks only further down this list
(it may skip any; taking again a lock it holds is free); several rows of one table
in ascending primary key:

 0. ``client_request(scope, key)``: a client's idempotency key (advisory), for the
    whole request: a staff adjustment or a voucher conversion, so two requests with
    one key run one after the other and the second sees what the first wrote (I2).
 0b. ``member(member_id)``: a member's privacy change (restriction, erasure, P2, P5),
    advisory, so a replayed erasure and the staff's own request run one after the
    other; erasure then writes the member's rows set-based in the order below
    (tier rows, then Saleor's codes of them; the points the member holds on a
    checkout were released before, each in its own transaction, as S2 does).
 1. ``checkout(token)``: the redemption's lock on one checkout (advisory, by token):
    applying, replacing, removing, capturing and releasing points on it.
 2. Saleor's checkout rows (the redemption's checkout and any other its card is
    on, in primary-key order), then 3. Saleor's gift card row and the card's
    gateway transactions: in the adapter, the only place that imports Saleor
    (``saleor_adapter/shop/locks.py``); Saleor's own order, as its checkout
    completion locks the checkout, then its gift cards.
 4. ``programs()``: a channel's program row (its settings).
 5. ``tiers()``: a tier being edited; then its members' tier rows, set-based.
 6. ``member_tiers()``: a member's tier row (their level, their discount code).
 7. ``referral_codes()``: the sponsor's code row, before counting their friends or
    invitations (R2, R4).
 8. ``referrals()``: the friend's referral row (the sponsor's reward, R6, R7).
 9. ``reviews()``: a review being moderated.
10. ``affiliates()``: an affiliate's row: their application being decided (A1), or
    read by the first sync of an order their link led to, before its commission
    row is inserted (A3), so a suspension and a commission never interleave.
11. ``affiliate_commissions()``: an order's commission row (A3, A4); the order's
    sync takes it in its own transaction, then the affiliate's cash account.
12. ``order_awards()``: an order's award rows.
13. ``redemptions()``: a checkout's or an order's redemption.
14. ``withdrawals()``: a member's withdrawal being decided, or a batch of them in
    ascending id (W5, W6); a new request is serialised by ``client_request``
    ("withdrawal", the member) instead, as its row does not exist yet.
    (Then the expiry reminders' rows, ``rewards_expiry_reminder``: never locked by
    a ``SELECT ... FOR UPDATE``; the reminder pass holds no other lock and inserts a
    lot's row with ``ON CONFLICT DO NOTHING``, so an overlapping run waits on that
    unique key alone. A lock on them would go here, above the accounts.)
15. ``claims()``: a guarantee claim being answered or decided (C2, C3); an approval
    then books the merchant deposit and the buyer's cash, both accounts locked in
    one statement (``ledger.lock_accounts``, ascending id), and asks Saleor for the
    refund last: Saleor's payment and order rows of that refund come after the
    accounts, the one place they do. The gateway's refund cannot be rolled back, so
    it runs only once everything that can refuse the approval has passed; nothing of
    the plugin holds those Saleor rows while it waits for an account.
    ``return_addresses()``: a country's return address being replaced (C5), alone.
16. The member's ledger accounts (and the channel's merchant deposit), last: every
    ledger operation locks its account itself; ``ledger.lock_account`` /
    ``lock_accounts`` (ascending id) for a program that reads, then posts under the
    lock (``ledger/locks.py``).

So, paying with points: checkout, Saleor's checkout and gift card rows, redemption
row, account. An order's points: award row, account. A rewarded friend's order:
referral row, award row, account.

A row the transaction inserts itself is outside the order: nobody else can lock it
before the commit, and a concurrent insert of the same key either waits for it
holding nothing, or is kept out by a lock above. So the first sync of an order,
having found no award, may lock the account (the daily cap) and insert the award
after it; a referral's reward moving to the friend's next order inserts that
order's award under the referral row, after the sponsor's account.
Set-based statements (tier recompute, discount codes) lock what they write in one
statement, with at most a tier row held above. Saleor's voucher rows of the tier
discount are written after the member's tier row, never locked first.
"""

from django.db import connection, transaction
from django.db.models import QuerySet

from ..ledger.models import Program
from .affiliates.models import Affiliate, AffiliateCommission
from .claims.models import Claim, ReturnAddress
from .loyalty.models import OrderAward
from .redemption.models import Redemption
from .referrals.models import Referral, ReferralCode
from .reviews.models import Review
from .tiers.models import MemberTier, Tier
from .withdrawals.models import Withdrawal


def _select_for_update(queryset: QuerySet) -> QuerySet:
    # pk order: the rows of one table always in the same order (Saleor's rule).
    return queryset.order_by("pk").select_for_update(of=("self",))


def client_request(scope: str, key: str) -> None:
    """0. Hold a client's idempotency key until the transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The request lock must be taken inside transaction.atomic().")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"{scope}:{key}"])


def member(member_id: int) -> None:
    """0b. Hold a member's privacy lock until the transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The member lock must be taken inside transaction.atomic().")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"member:{member_id}"])


def checkout(token: str) -> None:
    """1. Hold the checkout's redemption lock until the transaction ends."""
    if not transaction.get_connection().in_atomic_block:
        raise RuntimeError("The checkout lock must be taken inside transaction.atomic().")
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [f"redeem:{token}"])


def programs() -> QuerySet[Program]:
    """4."""
    return _select_for_update(Program.objects.all())


def tiers() -> QuerySet[Tier]:
    """5."""
    return _select_for_update(Tier.objects.all())


def member_tiers() -> QuerySet[MemberTier]:
    """6."""
    return _select_for_update(MemberTier.objects.all())


def referral_codes() -> QuerySet[ReferralCode]:
    """7."""
    return _select_for_update(ReferralCode.objects.all())


def referrals() -> QuerySet[Referral]:
    """8."""
    return _select_for_update(Referral.objects.all())


def reviews() -> QuerySet[Review]:
    """9."""
    return _select_for_update(Review.objects.all())


def affiliates() -> QuerySet[Affiliate]:
    """10."""
    return _select_for_update(Affiliate.objects.all())


def affiliate_commissions() -> QuerySet[AffiliateCommission]:
    """11."""
    return _select_for_update(AffiliateCommission.objects.all())


def order_awards() -> QuerySet[OrderAward]:
    """12."""
    return _select_for_update(OrderAward.objects.all())


def redemptions() -> QuerySet[Redemption]:
    """13."""
    return _select_for_update(Redemption.objects.all())


def withdrawals() -> QuerySet[Withdrawal]:
    """14."""
    return _select_for_update(Withdrawal.objects.all())


def claims() -> QuerySet[Claim]:
    """15."""
    return _select_for_update(Claim.objects.all())


def return_addresses() -> QuerySet[ReturnAddress]:
    """15."""
    return _select_for_update(ReturnAddress.objects.all())
