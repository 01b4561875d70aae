"""Guarantee claims (C1-C4): filed by the buyer, answered, decided once by staff.

Filing (C1): the order's own customer, on fulfilled lines of the order, within
``claim_window_days`` of its fulfilment, with a description, at least one evidence
document (moved from the shop's upload into private storage) and their costs in the
order's currency. One open claim per line and type (C4).

Deciding (C2): staff request information (the buyer answers, ``respond_claim``),
approve (at most the ceiling, less only with a reason) or reject. A decision is final.
An approval recomputes what was paid from the order as it is then (a refund since
filing lowers it), pays the compensation into the buyer's cash balance against the
merchant deposit, and asks the shop for the refund part last, so a refusal by the
shop undoes everything (C3). Each staff step writes one audit event (P4).

Lock order (``programs/locks.py``): the claim row, then the deposit and the buyer's
cash account together (ascending id), then Saleor's refund.
"""

from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.utils import timezone

from ...events.claims import (
    claim_approved_event,
    claim_info_requested_event,
    claim_rejected_event,
)
from ...ledger import (
    SYSTEM,
    Actor,
    ActorType,
    EntryType,
    Kind,
    LotSource,
    Reference,
    ReferenceType,
    credit,
    lock_accounts,
    open_account,
    open_deposit,
)
from ...ledger.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    LimitExceeded,
    NotEligible,
    NotFound,
    PermissionDenied,
    WindowClosed,
)
from ...ledger.models import Program
from ...money import fits
from .. import locks
from ..channel.members import Member
from . import rules
from .deposit import draw_for_claim
from .models import (
    Claim,
    ClaimDocument,
    ClaimEvent,
    ClaimEventType,
    ClaimLine,
    ClaimStatus,
    ClaimType,
)
from .ports import ClaimOrder, ClaimShop

MAX_TEXT_CHARS = 5000
MAX_DOCUMENTS = 10
MAX_LINES = 50
ZERO = Decimal(0)


class ClaimAction:
    REQUEST_INFO = "request_info"
    APPROVE = "approve"
    REJECT = "reject"
    CHOICES = [(REQUEST_INFO, "Request information"), (APPROVE, "Approve"), (REJECT, "Reject")]


@dataclass(frozen=True)
class CostInput:
    amount: Decimal
    currency: str


def _text(value, field: str, *, required: bool = True) -> str:
    if not isinstance(value, str) or (required and not value.strip()):
        raise InvalidInput(f"{field} is required.", field=field)
    if len(value) > MAX_TEXT_CHARS:
        raise InvalidInput(f"{field} must be at most {MAX_TEXT_CHARS} characters.", field=field)
    return value.strip()


def _documents(urls, field: str = "evidenceUrls", *, required: bool) -> list[str]:
    urls = [url for url in (urls or []) if isinstance(url, str) and url.strip()]
    if required and not urls:
        raise InvalidInput("At least one evidence document is required (C1).", field=field)
    if len(urls) > MAX_DOCUMENTS:
        raise InvalidInput(f"At most {MAX_DOCUMENTS} documents.", field=field)
    if len(set(urls)) != len(urls):
        raise InvalidInput("A document is listed twice.", field=field)
    return urls


def _cost(value: CostInput | None, currency: str, field: str) -> Decimal:
    if value is None:
        return ZERO
    if value.currency.upper() != currency:
        raise InvalidInput(f"{field} must be in the order's currency {currency}.", field=field)
    amount = Decimal(value.amount)
    if not amount.is_finite() or amount < 0 or not fits(amount, currency):
        raise InvalidInput(f"{field} must be a non-negative amount of {currency}.", field=field)
    return amount


def _costs(costs: dict, currency: str) -> rules.Costs:
    return rules.Costs(
        delivery=_cost(costs.get("delivery"), currency, "deliveryCost"),
        logistics=_cost(costs.get("logistics"), currency, "logisticsCost"),
        other=_cost(costs.get("other"), currency, "otherCosts"),
    )


def _own_order(member: Member, order: ClaimOrder | None) -> ClaimOrder:
    snapshot = order.snapshot if order else None
    if (
        snapshot is None
        or snapshot.customer_id != member.member_id
        or snapshot.channel_slug != member.program.channel_slug
    ):
        # Someone else's order looks like no order at all (I3).
        raise NotFound("Order not found among your orders.", field="orderId")
    return order


def _claimable_lines(order: ClaimOrder, line_ids) -> list[str]:
    line_ids = list(dict.fromkeys(line_ids or []))
    if not line_ids:
        raise InvalidInput("Name at least one line of the order.", field="lineIds")
    if len(line_ids) > MAX_LINES:
        raise InvalidInput(f"At most {MAX_LINES} lines.", field="lineIds")
    known = {line.line_id for line in order.snapshot.lines}
    for line_id in line_ids:
        if line_id not in known:
            raise NotFound("Order line not found in this order.", field="lineIds")
        facts = order.lines.get(line_id)
        if facts is None or facts.fulfilled_quantity <= 0:
            raise NotEligible("Only lines that were shipped can be claimed.", field="lineIds")
    if ClaimLine.objects.filter(order_line_id__in=line_ids, approved=True).exists():
        raise NotEligible(
            "A line of this claim was compensated already by an approved claim.",
            field="lineIds",
        )
    return line_ids


def submit_claim(
    member: Member,
    order: ClaimOrder | None,
    *,
    line_ids,
    claim_type: str,
    description: str,
    evidence,
    costs: dict,
    settings: dict,
    shop: ClaimShop,
) -> Claim:
    """File a claim (C1); the documents move into private storage last."""
    if claim_type not in dict(ClaimType.CHOICES):
        raise InvalidInput(f"Unknown claim type {claim_type!r}.", field="type")
    description = _text(description, "description")
    urls = _documents(evidence, required=True)
    order = _own_order(member, order)
    snapshot = order.snapshot
    if not snapshot.fulfilled or snapshot.cancelled:
        raise NotEligible("Only a fulfilled order can be claimed.", field="orderId")
    now = member.at
    if not rules.within_window(order.completed_at, now, settings["claim_window_days"]):
        raise WindowClosed(
            f"Claims are accepted within {settings['claim_window_days']} days of "
            "the order's fulfilment.",
            field="orderId",
        )
    line_ids = _claimable_lines(order, line_ids)
    claim_costs = _costs(costs, snapshot.currency)
    for url in urls:  # all of them, before the first one moves
        shop.check_evidence(url)
    paid = {line_id: rules.paid_for_line(snapshot, line_id) for line_id in line_ids}
    total = sum(paid.values(), ZERO)
    if total <= 0:
        raise NotEligible("Nothing paid for these lines is left to claim.", field="lineIds")
    if ClaimLine.objects.filter(order_line_id__in=line_ids, type=claim_type, open=True).exists():
        raise AlreadyExists(
            "A line of this claim has an open claim of this type already (C4).",
            field="lineIds",
        )
    refunded = snapshot.refunded_quantities
    quantities = {line.line_id: line.quantity for line in snapshot.lines}
    try:
        with transaction.atomic():
            claim = Claim.objects.create(
                program=member.program,
                member_id=member.member_id,
                order_id=snapshot.order_id,
                type=claim_type,
                description=description,
                currency=snapshot.currency,
                delivery_cost=claim_costs.delivery,
                logistics_cost=claim_costs.logistics,
                other_costs=claim_costs.other,
                paid=total,
                ceiling=rules.ceiling(claim_type, total, claim_costs),
                shipping_country=order.shipping_country,
                created_at=now,
            )
            ClaimLine.objects.bulk_create(
                ClaimLine(
                    claim=claim,
                    order_line_id=line_id,
                    type=claim_type,
                    quantity=quantities[line_id] - refunded.get(line_id, 0),
                    paid=paid[line_id],
                    product_name=order.lines[line_id].product_name[:386],
                    variant_id=order.lines[line_id].variant_id,
                )
                for line_id in line_ids
            )
    except IntegrityError:  # the same line and type filed at the same moment
        raise AlreadyExists(
            "A line of this claim has an open claim of this type already (C4).",
            field="lineIds",
        ) from None
    event = ClaimEvent.objects.create(
        claim=claim,
        type=ClaimEventType.SUBMITTED,
        message=description,
        actor=f"customer:{member.member_id}",
        created_at=now,
    )
    _keep_documents(claim, event, urls, shop, now)
    return claim


def _keep_documents(claim: Claim, event: ClaimEvent, urls, shop: ClaimShop, now) -> None:
    for url in urls:
        stored = shop.keep_evidence(url, claim.id)
        ClaimDocument.objects.create(
            claim=claim,
            event=event,
            storage_name=stored.storage_name,
            filename=stored.filename,
            content_type=stored.content_type,
            size=stored.size,
            created_at=now,
        )


def respond_claim(
    member_id: int,
    claim_id: int,
    message: str,
    evidence=None,
    *,
    shop: ClaimShop,
    now: datetime | None = None,
) -> Claim:
    """The buyer answers a request for information (C2): text and documents."""
    message = _text(message, "message")
    urls = _documents(evidence, required=False)
    now = now or timezone.now()
    with transaction.atomic():
        claim = locks.claims().filter(id=claim_id, member_id=member_id).first()
        if claim is None:
            raise NotFound("Claim not found among your claims.", field="id")
        if claim.status != ClaimStatus.INFO_REQUESTED:
            raise Conflict("The shop has not asked for more information.", field="id")
        for url in urls:
            shop.check_evidence(url)
        claim.status = ClaimStatus.SUBMITTED
        claim.save(update_fields=["status"])
        event = ClaimEvent.objects.create(
            claim=claim,
            type=ClaimEventType.RESPONDED,
            message=message,
            actor=f"customer:{member_id}",
            created_at=now,
        )
        _keep_documents(claim, event, urls, shop, now)
        return claim


def _state(claim: Claim) -> dict:
    return {"status": claim.status, "ceiling": format(claim.ceiling.normalize(), "f")}


def _actor_label(actor: Actor) -> str:
    return f"{actor.type}:{actor.id}" if actor.id else actor.type


def process_claim(
    claim_id: int,
    action: str,
    *,
    settings: dict,
    shop: ClaimShop,
    note: str = "",
    compensation: Decimal | None = None,
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> Claim:
    """Staff's step on an open claim: request information, approve or reject (C2).

    Nobody decides their own claim. A decided claim is final (CONFLICT).
    """
    if action not in dict(ClaimAction.CHOICES):
        raise InvalidInput(f"Unknown action {action!r}.", field="action")
    note = _text(note or "", "note", required=False)
    now = now or timezone.now()
    with transaction.atomic():
        claim = locks.claims().select_related("program").filter(id=claim_id).first()
        if claim is None:
            raise NotFound(f"Claim {claim_id} does not exist.", field="id")
        if actor.type == ActorType.STAFF and actor.id == str(claim.member_id):
            raise PermissionDenied("Nobody decides their own claim.", field="id")
        if claim.status in ClaimStatus.DECIDED:
            raise Conflict(f"This claim was {claim.status} already; it is final.", field="id")
        before = _state(claim)
        if action == ClaimAction.REQUEST_INFO:
            if not note:
                raise InvalidInput("Say what information is needed.", field="note")
            claim.status = ClaimStatus.INFO_REQUESTED
            claim.save(update_fields=["status"])
            _event(claim, ClaimEventType.INFO_REQUESTED, note, actor, now)
            claim_info_requested_event(
                claim.program, claim.id, before, note=note, actor=actor, at=now
            )
            return claim
        if action == ClaimAction.REJECT:
            claim.status = ClaimStatus.REJECTED
            _decided(claim, note, actor, now)
            claim.lines.update(open=False)
            _event(claim, ClaimEventType.REJECTED, note, actor, now)
            claim_rejected_event(claim.program, claim.id, before, note=note, actor=actor, at=now)
            return claim
        _approve(claim, compensation, note, settings, shop, actor, now)
        claim_approved_event(
            claim.program,
            claim.id,
            before,
            {
                "granted": format(claim.granted.normalize(), "f"),
                "refund": format(claim.refund_amount.normalize(), "f"),
                "compensation": format(claim.compensation_amount.normalize(), "f"),
                "ceiling": format(claim.ceiling.normalize(), "f"),
                "refund_reference": claim.refund_reference,
                "note": note,
            },
            actor=actor,
            at=now,
        )
        return claim


def _event(claim: Claim, event_type: str, message: str, actor: Actor, now) -> ClaimEvent:
    return ClaimEvent.objects.create(
        claim=claim, type=event_type, message=message, actor=_actor_label(actor), created_at=now
    )


def _decided(claim: Claim, note: str, actor: Actor, now) -> None:
    claim.note = note
    claim.decided_by = _actor_label(actor)
    claim.decided_at = now
    claim.save(update_fields=["status", "note", "decided_by", "decided_at"])


def current_ceiling(claim: Claim, order: ClaimOrder | None) -> tuple[Decimal, dict]:
    """(ceiling now, paid per line now): refunds since filing lower what was paid."""
    if order is None:
        raise NotFound("The claim's order no longer exists.", field="id")
    lines = list(claim.lines.all())
    paid = {
        line.order_line_id: min(line.paid, rules.paid_for_line(order.snapshot, line.order_line_id))
        for line in lines
    }
    costs = rules.Costs(claim.delivery_cost, claim.logistics_cost, claim.other_costs)
    total = sum(paid.values(), ZERO)
    return min(claim.ceiling, rules.ceiling(claim.type, total, costs)), paid


def _approve(claim, compensation, note, settings, shop: ClaimShop, actor, now) -> None:
    order = shop.claim_order(claim.order_id)
    ceiling, paid = current_ceiling(claim, order)
    granted = ceiling if compensation is None else Decimal(compensation)
    if not granted.is_finite() or granted <= 0 or not fits(granted, claim.currency):
        raise InvalidInput(
            f"compensation must be a positive amount of {claim.currency}.", field="compensation"
        )
    if granted > ceiling:
        raise LimitExceeded(
            f"At most {ceiling} {claim.currency} can be granted on this claim (C2).",
            field="compensation",
        )
    if granted < ceiling and not note:
        raise InvalidInput("Granting less than the ceiling needs a reason.", field="note")
    if claim.member_id is None:
        raise NotEligible("The buyer's data was erased; nobody to pay.", field="id")
    refund, cash = rules.split(granted, sum(paid.values(), ZERO))
    program: Program = claim.program
    reference = Reference(ReferenceType.CLAIM, str(claim.id))
    if cash > 0:
        deposit = open_deposit(program)
        account = open_account(program, claim.member_id, Kind.CASH)
        lock_accounts([deposit, account])
        draw_for_claim(
            deposit,
            claim.id,
            cash,
            allow_negative=settings["allow_negative_deposit"],
            actor=actor,
            now=now,
        )
        credit(
            account,
            cash,
            key=f"claim:{claim.id}:compensation",
            source=LotSource.CLAIM,
            entry_type=EntryType.COMPENSATE,
            reference=reference,
            actor=actor,
            reason="Guarantee claim compensation",
            now=now,
        )
    claim.status = ClaimStatus.APPROVED
    claim.granted, claim.refund_amount, claim.compensation_amount = granted, refund, cash
    claim.ceiling = ceiling
    try:
        with transaction.atomic():
            claim.lines.update(open=False, approved=True)
    except IntegrityError:
        raise Conflict(
            "A line of this claim was compensated by another claim meanwhile.", field="id"
        ) from None
    if refund > 0:
        quantities = {
            line.order_line_id: line.quantity
            for line in claim.lines.all()
            if paid.get(line.order_line_id, ZERO) > 0
        }
        done = shop.refund_lines(
            claim.order_id,
            quantities,
            refund,
            reason=f"Guarantee claim {claim.id}",
            actor=actor,
        )
        claim.refund_reference = done.reference
    claim.save(
        update_fields=[
            "granted",
            "refund_amount",
            "compensation_amount",
            "ceiling",
            "refund_reference",
        ]
    )
    _decided(claim, note, actor, now)
    _event(claim, ClaimEventType.APPROVED, note, actor, now)
