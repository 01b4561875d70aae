"""Saleor behind guarantee claims (the ``ClaimShop`` port, C1-C6).

Facts from Saleor 3.23.28:

- ``fileUpload`` (``graphql/core/mutations.py``) saves into the public
  ``default_storage`` as ``file_upload/<name>_<hash><ext>`` and answers that path
  (as a URL). It is open to staff and Apps only, so a storefront uploads through its
  App token for the buyer. A claim takes the file out of public storage at once: it
  is copied into Saleor's private storage (``saleor.core.private_storage``, the
  ``PRIVATE_FILE_STORAGE`` setting, where Saleor keeps webhook payloads) and deleted
  from the public one.
- The refund of claimed lines goes the order's own way: an order paid through the
  legacy payments API gets ``create_refund_fulfillment`` (what
  ``orderFulfillmentRefundProducts`` runs) for the lines' shipped units with the
  refund amount, which the gateway refunds at once; an order paid through the
  transactions API gets a granted refund for the lines on its money transaction
  (what ``orderGrantRefundCreate`` writes), which staff send to the payment App from
  the Dashboard. Either way Saleor's order hooks then run the plugin's order sync,
  which takes back the points of refunded lines (L3, S4).
- Traceability (C6) is the variant's public metadata under
  ``saleor_rewards.traceability`` (a JSON object, or its text).
"""

import json
import logging
import mimetypes
import re
from collections.abc import Mapping
from decimal import Decimal
from urllib.parse import unquote, urlsplit
from uuid import UUID

from django.conf import settings
from django.contrib.sites.models import Site
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.core.mail import send_mail
from django.db.models import Sum
from saleor.account.models import User
from saleor.app.models import App
from saleor.core import private_storage
from saleor.order import FulfillmentLineData, FulfillmentStatus, OrderStatus
from saleor.order.actions import create_refund_fulfillment
from saleor.order.models import FulfillmentLine, Order, OrderGrantedRefundLine
from saleor.order.utils import update_order_charge_data
from saleor.payment import PaymentError
from saleor.plugins.manager import get_plugins_manager

from ...ledger import Actor, ActorType
from ...ledger.errors import Conflict, InvalidInput, NotEligible
from ...money import new_code
from ...programs.claims.ports import ClaimedLineFacts, ClaimOrder, ShopRefund, StoredDocument
from .orders import order_snapshot

logger = logging.getLogger(__name__)

TRACEABILITY_KEY = "saleor_rewards.traceability"
TRACEABILITY_FIELDS = (
    "originCountry",
    "departureCountry",
    "importPort",
    "customsDeclaration",
    "importer",
)
UPLOAD_NAME = re.compile(r"file_upload/[A-Za-z0-9._-]{1,200}")
MAX_DOCUMENT_BYTES = 20 * 1024 * 1024
ZERO = Decimal(0)


def traceability(variant) -> dict | None:
    """The variant's traceability record (C6), its known fields as text."""
    if variant is None:
        return None
    raw = (variant.metadata or {}).get(TRACEABILITY_KEY)
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return None
    if not isinstance(raw, dict):
        return None
    record = {name: str(raw[name]) for name in TRACEABILITY_FIELDS if raw.get(name)}
    return record or None


def claim_order(order_id: str) -> ClaimOrder | None:
    try:
        pk = UUID(order_id)
    except (TypeError, ValueError):
        return None
    snapshot = order_snapshot(pk)
    if snapshot is None:
        return None
    order = (
        Order.objects.select_related("shipping_address")
        .prefetch_related("lines__variant")
        .get(pk=pk)
    )
    address = order.shipping_address
    lines = {
        str(line.pk): ClaimedLineFacts(
            line_id=str(line.pk),
            product_name=" ".join(part for part in (line.product_name, line.variant_name) if part),
            variant_id=str(line.variant_id or ""),
            fulfilled_quantity=line.quantity_fulfilled,
            traceability=traceability(line.variant),
        )
        for line in order.lines.all()
    }
    return ClaimOrder(
        snapshot=snapshot,
        shipping_country=address.country.code if address and address.country else "",
        lines=lines,
    )


def _upload_name(uploaded: str) -> str:
    """The storage name of a ``fileUpload`` result (its path or its URL)."""
    path = unquote(urlsplit(uploaded.strip()).path) if isinstance(uploaded, str) else ""
    start = path.find("file_upload/")
    name = path[start:] if start >= 0 else ""
    if not UPLOAD_NAME.fullmatch(name) or ".." in name:
        raise InvalidInput(
            f"{uploaded!r} is not a file uploaded through the shop's fileUpload.",
            field="evidenceUrls",
        )
    return name


def check_evidence(uploaded: str) -> str:
    """The upload's storage name, when a claim may take it."""
    name = _upload_name(uploaded)
    if not default_storage.exists(name):
        raise InvalidInput(
            f"{uploaded!r} is not a file uploaded through the shop's fileUpload "
            "(or it was used by a claim already).",
            field="evidenceUrls",
        )
    if default_storage.size(name) > MAX_DOCUMENT_BYTES:
        raise InvalidInput("A document may have at most 20 MB.", field="evidenceUrls")
    return name


def keep_evidence(uploaded: str, claim_id: int) -> StoredDocument:
    name = check_evidence(uploaded)
    with default_storage.open(name, "rb") as file:
        content = file.read()
    filename = name.rsplit("/", 1)[-1]
    stored = private_storage.save(
        f"saleor_rewards/claims/{claim_id}/{new_code(12)}_{filename}",
        ContentFile(content),
    )
    default_storage.delete(name)  # never left public
    return StoredDocument(
        storage_name=stored,
        filename=filename,
        content_type=mimetypes.guess_type(filename)[0] or "application/octet-stream",
        size=len(content),
    )


def open_evidence(storage_name: str):
    """The stored document's file, for the plugin's evidence route."""
    return private_storage.open(storage_name, "rb")


def _requestor(actor: Actor):
    if actor.type == ActorType.STAFF and actor.id:
        return User.objects.filter(pk=int(actor.id)).first(), None
    if actor.type == ActorType.APP and actor.id:
        return None, App.objects.filter(pk=int(actor.id)).first()
    return None, None


def _shipped_lines(order: Order, quantities: Mapping[str, int]) -> list[FulfillmentLineData]:
    """The shipped units of the claimed lines, from the order's fulfillments."""
    wanted = dict(quantities)
    found = []
    lines = (
        FulfillmentLine.objects.filter(
            fulfillment__order=order,
            fulfillment__status=FulfillmentStatus.FULFILLED,
            order_line_id__in=[UUID(line_id) for line_id in wanted],
        )
        .select_related("order_line")
        .order_by("pk")
    )
    for line in lines:
        key = str(line.order_line_id)
        take = min(line.quantity, wanted.get(key, 0))
        if take > 0:
            found.append(FulfillmentLineData(line=line, quantity=take))
            wanted[key] -= take
    return found


def _refund_legacy(order, payment, quantities, amount, user, app) -> ShopRefund:
    if amount > payment.captured_amount:
        raise NotEligible(
            f"Only {payment.captured_amount} {order.currency} of the payment can be refunded.",
            field="compensation",
        )
    lines = _shipped_lines(order, quantities)
    if not lines:
        raise NotEligible("The claimed lines have no shipped units left.", field="id")
    manager = get_plugins_manager(allow_replica=False)
    try:
        fulfillment = create_refund_fulfillment(
            user,
            app,
            order,
            payment,
            [],
            lines,
            manager,
            Site.objects.get_current().settings,
            amount=amount,
            refund_shipping_costs=False,
        )
    except PaymentError as error:
        raise Conflict(f"The payment gateway refused the refund: {error}", field="id") from None
    return ShopRefund(f"fulfillment:{fulfillment.pk}", fulfillment.total_refund_amount)


def _refund_granted(order, quantities, amount, reason, user, app) -> ShopRefund:
    from saleor.payment.models import TransactionItem

    item = (
        TransactionItem.objects.filter(order_id=order.pk, gift_card__isnull=True)
        .order_by("-charged_value", "pk")
        .first()
    )
    if item is None or item.charged_value < amount:
        raise NotEligible(
            "The order has no payment that can take this refund.", field="compensation"
        )
    granted_before = dict(
        OrderGrantedRefundLine.objects.filter(granted_refund__order=order)
        .values_list("order_line_id")
        .annotate(total=Sum("quantity"))
    )
    order_lines = {str(line.pk): line for line in order.lines.all()}
    granted = order.granted_refunds.create(
        amount_value=amount,
        currency=order.currency,
        reason=reason,
        user=user,
        app=app,
        shipping_costs_included=False,
        transaction_item=item,
    )
    rows = []
    for line_id, quantity in quantities.items():
        line = order_lines[line_id]
        left = line.quantity - granted_before.get(line.pk, 0)
        if min(quantity, left) > 0:
            rows.append(
                OrderGrantedRefundLine(
                    granted_refund=granted,
                    order_line=line,
                    quantity=min(quantity, left),
                    reason=reason,
                )
            )
    OrderGrantedRefundLine.objects.bulk_create(rows)
    update_order_charge_data(order)
    return ShopRefund(f"granted_refund:{granted.pk}", granted.amount_value)


def refund_lines(order_id, quantities, amount, *, reason: str, actor: Actor) -> ShopRefund:
    order = Order.objects.select_related("channel").get(pk=UUID(order_id))
    if order.status in (OrderStatus.DRAFT, OrderStatus.CANCELED):
        raise NotEligible("The order cannot be refunded.", field="id")
    user, app = _requestor(actor)
    payment = order.get_last_payment()
    if payment is not None and payment.captured_amount > 0:
        return _refund_legacy(order, payment, quantities, amount, user, app)
    return _refund_granted(order, quantities, amount, reason, user, app)


def mail_buyer(order_id: str, subject: str, body: str) -> None:
    """Through Django's mail backend as Saleor configures it (``EMAIL_URL``)."""
    try:
        order = Order.objects.filter(pk=UUID(order_id)).first()
        to = order.get_customer_email() if order else None
        if not to or not settings.EMAIL_BACKEND:
            return
        sender = Site.objects.get_current().settings.default_from_email
        send_mail(subject, body, sender, [to])
    except Exception:  # noqa: BLE001 - a mail must never undo a decision
        logger.exception("saleor-rewards could not mail the buyer of order %s", order_id)
