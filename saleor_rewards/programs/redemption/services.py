"""Paying with points (S1-S4): hold the points, let a gift card carry their value.

Applying points to a checkout is a two-phase ledger hold (TigerBeetle's pending
transfer) plus a shop gift card of the same value restricted to the customer. The
order that uses the card captures the hold (the ledger spends the soonest-expiring
lots first); a removed, replaced, lowered or abandoned redemption releases it — but
only when its card paid nothing anywhere (S6, ``_close``): the shop lets the
customer take the card to other checkouts of theirs, and refusing it there (the
adapter, at completion) must not be the only guard. Cancelled orders give
everything back, refunds what Saleor's money did not pay back of what is returned
(``refunds``) — to the lots the points came from, with lots that expired meanwhile
shown as expired (the ledger's ``return_debit``). The member's cap (``cap.py``) is
checked when points are applied, and a redemption that no longer fits a changed
checkout is lowered to it (``fit_to_cap``). The shop side (checkouts, gift cards)
comes in through ``CheckoutFacts`` and a ``GiftCards`` port (``ports.py``), so
nothing here imports Saleor.

Locks (``programs/locks.py``): the checkout's lock, then the shop's checkout and
gift card rows (``GiftCards.lock_gift_card``), then the redemption row, then the
member's account(s).
"""

from datetime import datetime, timedelta
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from ... import ledger
from ...ledger import SYSTEM, Actor, ActorType, EntryType, Kind, Reference, ReferenceType
from ...ledger.errors import (
    Conflict,
    InsufficientBalance,
    InvalidInput,
    LimitExceeded,
    NotFound,
    PermissionDenied,
    ProgramDisabled,
)
from ...ledger.models import Entry, Program
from ...money import money_for_points
from .. import locks
from ..channel.restrictions import refuse_if_restricted
from ..loyalty.earning import OrderSnapshot
from .amounts import ZERO, cash_amount, largest_within, units_to_return, units_used
from .cap import checkout_cap, refuse_ineligible
from .models import Redemption, RedemptionStatus
from .ports import CheckoutFacts, GiftCards
from .refunds import returned_share


def _own_checkout(checkout: CheckoutFacts | None, member_id: int) -> CheckoutFacts:
    if checkout is None:
        raise NotFound("There is no such checkout.", field="checkoutId")
    if checkout.owner_id is None or checkout.owner_id != member_id:
        raise PermissionDenied("You can only pay your own checkout.", field="checkoutId")
    return checkout


def _open_redemption(
    token: str, cards: GiftCards, program: Program | None = None
) -> Redemption | None:
    """The checkout's open redemption, locked after the shop's checkout and card rows.

    Runs under ``locks.checkout(token)``, which every change of a redemption's
    ``held`` status takes: the open redemption read here unlocked is still the
    open one once the locks above it are held.
    """
    found = Redemption.objects.filter(checkout_token=token, status=RedemptionStatus.HELD)
    if program is not None:
        found = found.filter(program=program)
    found = found.first()
    cards.lock_gift_card(found.gift_card_id if found else None, token)
    if found is None:
        return None
    return locks.redemptions().filter(id=found.id, status=RedemptionStatus.HELD).first()


def _in_flight() -> Conflict:
    return Conflict(
        "These points are paying an order the shop has not charged yet; they cannot "
        "be taken off now.",
        field="checkoutId",
    )


def _points_per_unit(redemption: Redemption) -> int:
    """The rate the card was issued at: its points over its value (exact, S1)."""
    if redemption.kind != Kind.POINTS:
        return 1
    return int(redemption.units / redemption.amount)


def _close(
    redemption: Redemption,
    cards: GiftCards,
    now: datetime,
    reason: str,
    actor: Actor = ledger.SYSTEM,
    accounts=(),
) -> bool:
    """Settle an open redemption by what its card did anywhere (S6).

    Under the locks ``_open_redemption`` takes (checkouts, card, redemption row), so
    no order takes the card's value while this decides. The card paid some order,
    this checkout's or another's: what it paid is captured (soonest-expiring lots
    first), the rest released, whoever asked for a release. It paid nothing: all of
    it is released (``reason``). Either way the card is emptied and its checkout
    authorisations voided, so nothing looks paid by it any more. An order the shop
    may still charge it for (the gift card gateway charges at confirmation): nothing
    changes and this returns False; that order's sync settles it.

    The shop's rows (the card, its checkouts' authorisations) are written before
    the ledger's: ``accounts`` are locked after them, before either is posted to.
    """
    use = cards.card_use(redemption.gift_card_id)
    if use.promised:
        return False
    cards.withdraw_gift_card(redemption.gift_card_id, redemption.checkout_token)
    ledger.lock_accounts([redemption.hold.account_id, *accounts])
    used = min(use.total, redemption.amount)
    if used > 0:
        units = units_used(
            used, redemption.amount, redemption.units, redemption.kind, _points_per_unit(redemption)
        )
        paid = use.paid[0]
        ledger.capture(redemption.hold_id, units, reason=f"Paid on order {paid.label}", now=now)
        redemption.status = RedemptionStatus.CAPTURED
        redemption.captured = units
        redemption.used_amount = used
        redemption.order_id = paid.order_id
    else:
        ledger.release(redemption.hold_id, reason=reason, actor=actor, now=now)
        redemption.status = RedemptionStatus.RELEASED
    redemption.closed_at = now
    redemption.save(
        update_fields=["status", "captured", "used_amount", "order_id", "closed_at", "updated_at"]
    )
    return True


def redeem(
    program: Program,
    settings: dict,
    checkout: CheckoutFacts | None,
    member_id: int,
    *,
    cards: GiftCards,
    points: int | None = None,
    cash: Decimal | str | None = None,
    now: datetime | None = None,
) -> Redemption:
    """Apply points (or cash balance) to the member's own checkout (S1).

    Refuses while the program is off, on someone else's checkout, above the cap and
    beyond the balance, holding nothing. Applying again replaces the earlier amount.
    """
    now = now or timezone.now()
    if not settings["program_enabled"]:
        raise ProgramDisabled("The rewards program is switched off in this channel.")
    checkout = _own_checkout(checkout, member_id)
    refuse_if_restricted(member_id, field="points" if points is not None else "cashAmount")
    if (points is None) == (cash is None):
        raise InvalidInput("Give either points or cashAmount.", field="points")
    currency = program.currency
    if points is not None:
        kind, field = Kind.POINTS, "points"
        amount = money_for_points(points, settings["points_per_unit"], currency)
        units = Decimal(points)
    else:
        kind, field = Kind.CASH, "cashAmount"
        amount = units = cash_amount(cash, currency)
    cap = checkout_cap(program, settings, checkout)
    refuse_ineligible(cap.member, field)
    if amount > cap.for_cards:
        raise LimitExceeded(f"{cap.describe()}; {amount} {currency} asked.", field=field)
    actor = Actor(ActorType.CUSTOMER, str(member_id))
    with transaction.atomic():
        locks.checkout(checkout.token)
        previous = _open_redemption(checkout.token, cards)
        return _apply(
            program,
            settings,
            checkout,
            member_id,
            kind,
            units,
            amount,
            cards=cards,
            previous=previous,
            replaced="Replaced by a new amount",
            actor=actor,
            now=now,
            field=field,
        )


def _apply(
    program: Program,
    settings: dict,
    checkout: CheckoutFacts,
    member_id: int,
    kind: str,
    units: Decimal,
    amount: Decimal,
    *,
    cards: GiftCards,
    previous: Redemption | None,
    replaced: str,
    actor: Actor,
    now: datetime,
    field: str,
    reason: str = "Applied to a checkout",
) -> Redemption:
    """Hold ``units`` and issue a card of ``amount``, after releasing ``previous``.

    Runs under the checkout's locks (``_open_redemption`` found ``previous``).
    """
    account = ledger.open_account(program, member_id, kind)
    # Points may replace cash (or the other way): both balances are locked at once,
    # in id order, before either is posted to (``accounts``). A previous card that
    # paid something is captured, not released (S6); one an order may still charge
    # cannot be replaced.
    if previous and not _close(previous, cards, now, replaced, actor, accounts=[account]):
        raise _in_flight()
    attempt = Redemption.objects.filter(checkout_token=checkout.token).count() + 1
    try:
        posting = ledger.hold(
            account,
            units,
            key=f"redemption:{checkout.token}:{attempt}",
            reference=Reference(ReferenceType.CHECKOUT, checkout.token),
            expires_at=now + timedelta(hours=settings["redemption_hold_hours"]),
            actor=actor,
            reason=reason,
            now=now,
        )
    except InsufficientBalance as error:
        raise InsufficientBalance(
            f"Not enough {'points' if kind == Kind.POINTS else 'cash'}: {error.message}",
            field=field,
        ) from error
    card_id, code = cards.issue_gift_card(checkout, member_id, amount, program.currency)
    return Redemption.objects.create(
        program=program,
        member_id=member_id,
        checkout_token=checkout.token,
        kind=kind,
        hold_id=posting.hold_id,
        units=units,
        amount=amount,
        currency=program.currency,
        gift_card_id=card_id,
        gift_card_code=code,
        created_at=now,
    )


def fit_to_cap(
    program: Program,
    settings: dict,
    checkout: CheckoutFacts,
    *,
    cards: GiftCards,
    now: datetime | None = None,
) -> Redemption | None:
    """Lower the checkout's open redemption to what the cap allows now (S1).

    The checkout changed after the points were applied (lines removed, a voucher
    added): the excess goes back to the member and a card of the lower value
    replaces the old one — or none, when nothing fits any more (or the lower amount
    is no longer there: points that expired while held). Returns the open
    redemption afterwards. The caller makes sure nobody is paying the checkout (its
    total must not change under a payment); completion refuses whatever is still
    above the cap (``cap.refuse_above_cap``).
    """
    now = now or timezone.now()
    with transaction.atomic():
        locks.checkout(checkout.token)
        current = _open_redemption(checkout.token, cards, program)
        if current is None:
            return None
        use = cards.card_use(current.gift_card_id)
        if use.promised or use.total > 0:
            # The card is paying an order already (S6): capture what it paid, or
            # leave it to the order's sync; completion checked the cap.
            _close(current, cards, now, "Its card paid an order")
            return current if current.status == RedemptionStatus.HELD else None
        cap = checkout_cap(program, settings, checkout, current.member_id)
        if current.amount <= cap.for_cards:
            return current
        units, amount = largest_within(
            cap.for_cards, current.kind, settings["points_per_unit"], current.currency
        )
        reason = f"Lowered to the checkout's cap of {cap.for_cards} {cap.currency}"
        if units > 0:
            try:
                with transaction.atomic():
                    return _apply(
                        program,
                        settings,
                        checkout,
                        current.member_id,
                        current.kind,
                        units,
                        amount,
                        cards=cards,
                        previous=current,
                        replaced=reason,
                        actor=SYSTEM,
                        now=now,
                        field="points",
                        reason=reason,
                    )
            except InsufficientBalance:
                pass  # points that expired while held came back expired: release them all
        _close(current, cards, now, reason)
        return None


def remove(
    checkout: CheckoutFacts | None, member_id: int, *, cards: GiftCards, now: datetime | None = None
) -> Redemption | None:
    """Take the applied amount off the member's checkout (S1); None when there was none."""
    now = now or timezone.now()
    checkout = _own_checkout(checkout, member_id)
    with transaction.atomic():
        locks.checkout(checkout.token)
        redemption = _open_redemption(checkout.token, cards)
        if redemption is not None:
            actor = Actor(ActorType.CUSTOMER, str(member_id))
            if not _close(redemption, cards, now, "Removed from the checkout", actor):
                raise _in_flight()
        return redemption


def open_redemption(checkout_token: str) -> Redemption | None:
    return Redemption.objects.filter(
        checkout_token=checkout_token, status=RedemptionStatus.HELD
    ).first()


# --- The order (S1 capture, S3, S4) ----------------------------------------------


def capture_for_order(
    program: Program,
    checkout_token: str,
    order_id: str,
    *,
    cards: GiftCards,
    now: datetime | None = None,
    order_label: str = "",
) -> Redemption | None:
    """An order was placed from the checkout: settle its hold by what the card did.

    Captures what the card paid (soonest-expiring lots first) and releases the rest;
    the card is emptied and deactivated, so its value lives only in the ledger from
    now on (``_close``). While the shop may still charge the card for the order
    (confirmation pending), the hold and the card stay. Idempotent: a redemption
    already settled is returned as it is.
    """
    now = now or timezone.now()
    with transaction.atomic():
        locks.checkout(checkout_token)
        redemption = _open_redemption(checkout_token, cards, program)
        if redemption is None:
            return Redemption.objects.filter(program=program, order_id=order_id).first()
        _close(redemption, cards, now, f"Order {order_label or order_id} did not use it")
        if redemption.status == RedemptionStatus.RELEASED:
            redemption.order_id = order_id  # the order that did not use it
            redemption.save(update_fields=["order_id", "updated_at"])
        return redemption


def settle_card(
    redemption_id: int, *, cards: GiftCards, now: datetime | None = None
) -> Redemption | None:
    """An order, maybe of another checkout, touched the redemption's card: if the
    card paid anything, settle the redemption by it (S6); else it stays on its
    checkout. Returns the redemption as it is afterwards."""
    now = now or timezone.now()
    with transaction.atomic():
        redemption = Redemption.objects.filter(id=redemption_id).first()
        if redemption is None or redemption.status != RedemptionStatus.HELD:
            return redemption
        locks.checkout(redemption.checkout_token)
        held = _open_redemption(redemption.checkout_token, cards)
        if held is None or held.id != redemption_id:
            return Redemption.objects.get(id=redemption_id)
        if cards.card_use(held.gift_card_id).total > 0:
            _close(held, cards, now, "Its card paid nothing")
        return held


def settle_order(program: Program, order: OrderSnapshot, *, now: datetime | None = None) -> Decimal:
    """Give back what cancellation (S3) or refunds (S4) took off the order so far:
    for refunds, only what Saleor's money did not pay back (``refunds``).

    Returns the units given back by this call. The key names the cumulative amount,
    so a repeated sync gives nothing twice (U6).
    """
    now = now or timezone.now()
    with transaction.atomic():
        redemption = (
            locks.redemptions()
            .filter(program=program, order_id=order.order_id)
            .filter(status__in=[RedemptionStatus.CAPTURED, RedemptionStatus.RETURNED])
            .first()
        )
        if redemption is None:
            return ZERO
        target = units_to_return(
            redemption.captured, returned_share(order), redemption.kind, redemption.currency
        )
        give = target - redemption.returned
        if give <= 0:
            return ZERO
        hold_entry = Entry.objects.get(hold_id=redemption.hold_id, type=EntryType.HOLD)
        what = "cancelled" if order.cancelled else "refunded"
        ledger.return_debit(
            hold_entry.id,
            give,
            key=f"redemption:{redemption.id}:return:{target}",
            reference=Reference(ReferenceType.ORDER, order.order_id),
            reason=f"Order {order.label} {what}",
            now=now,
        )
        redemption.returned = target
        if target == redemption.captured:
            redemption.status = RedemptionStatus.RETURNED
        redemption.save(update_fields=["returned", "status", "updated_at"])
        return give


def paid_with_rewards(order_id: str) -> Decimal:
    """What the plugin's gift cards paid of the order (L1 earns nothing on it)."""
    return sum(rewards_cards_of_order(order_id).values(), ZERO)


def rewards_cards_of_order(order_id: str) -> dict[int, Decimal]:
    """The plugin's gift cards that paid the order: card id -> what it paid (S4)."""
    rows = Redemption.objects.filter(order_id=order_id).values_list("gift_card_id", "used_amount")
    cards: dict[int, Decimal] = {}
    for card_id, used in rows:
        cards[card_id] = cards.get(card_id, ZERO) + used
    return cards


# --- Abandoned checkouts (S2) ------------------------------------------------------


def stale_redemption_ids(now: datetime | None = None, limit: int = 500) -> list[int]:
    """Open redemptions whose hold ran past ``redemption_hold_hours``, oldest first."""
    now = now or timezone.now()
    return list(
        Redemption.objects.filter(status=RedemptionStatus.HELD, hold__expires_at__lte=now)
        .order_by("id")
        .values_list("id", flat=True)[:limit]
    )


def release_abandoned(redemption_id: int, *, cards: GiftCards, now: datetime | None = None) -> bool:
    """Release a stale redemption (S2); False when it was settled meanwhile, or its
    card turned out to have paid an order (then it is captured for it, S6)."""
    now = now or timezone.now()
    with transaction.atomic():
        redemption = Redemption.objects.filter(id=redemption_id).first()
        if redemption is None:
            return False
        locks.checkout(redemption.checkout_token)
        redemption = _open_redemption(redemption.checkout_token, cards)
        if redemption is None or redemption.id != redemption_id:
            return False
        _close(redemption, cards, now, "Checkout abandoned")
        return redemption.status == RedemptionStatus.RELEASED
