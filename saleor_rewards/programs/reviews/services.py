"""Reviews of received products (B2): submitted by the buyer, decided by staff.

A customer reviews a line of one of their own fulfilled orders, once per line.
Staff (or an App) approve or reject it once; approval awards ``review_points`` for a
text of at least ``review_min_chars`` characters (leading and trailing spaces do not
count) plus ``review_photo_points`` with at least one photo, cut by the daily cap
(B3). The points the member got are stored on the review. An approval while the
program is off awards nothing (the decision stands). Each decision writes its audit
event (P4) in the same transaction.

Lock order: the review row, then (through the ledger) the member's account.
"""

from datetime import datetime
from urllib.parse import urlsplit

from django.db import IntegrityError, transaction
from django.utils import timezone

from ...events.events import review_approved_event, review_rejected_event
from ...ledger import SYSTEM, Actor, ActorType, LotSource, Reference, ReferenceType
from ...ledger.errors import (
    AlreadyExists,
    Conflict,
    InvalidInput,
    NotEligible,
    NotFound,
    PermissionDenied,
    ProgramDisabled,
)
from .. import locks
from ..channel.members import Member
from ..loyalty.daily_cap import credit_activity
from .models import Review, ReviewStatus
from .ports import OrderLineInfo

MAX_TEXT_CHARS = 5000
MAX_PHOTOS = 10
MAX_URL_CHARS = 2000


class ReviewAction:
    APPROVE = "approve"
    REJECT = "reject"
    CHOICES = [(APPROVE, "Approve"), (REJECT, "Reject")]


def review_points(text: str, photo_count: int, settings: dict) -> int:
    """Points an approved review earns before the daily cap (B2)."""
    points = 0
    if len(text.strip()) >= settings["review_min_chars"]:
        points += settings["review_points"]
    if photo_count > 0:
        points += settings["review_photo_points"]
    return max(points, 0)


def clean_text(text) -> str:
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("text is required.", field="text")
    if len(text) > MAX_TEXT_CHARS:
        raise InvalidInput(f"text must be at most {MAX_TEXT_CHARS} characters.", field="text")
    return text.strip()


def clean_photo_urls(urls) -> list[str]:
    """http(s) URLs with a host, at most ``MAX_PHOTOS``."""
    urls = list(urls or [])
    if len(urls) > MAX_PHOTOS:
        raise InvalidInput(f"At most {MAX_PHOTOS} photos.", field="photoUrls")
    cleaned = []
    for url in urls:
        url = url.strip() if isinstance(url, str) else ""
        try:
            parts = urlsplit(url)
        except ValueError:
            parts = None
        if (
            parts is None
            or parts.scheme not in ("http", "https")
            or not parts.hostname
            or len(url) > MAX_URL_CHARS
            or any(c.isspace() for c in url)
        ):
            raise InvalidInput(f"{url!r} is not an http(s) URL of a photo.", field="photoUrls")
        cleaned.append(url)
    return cleaned


def submit_review(
    member: Member, line: OrderLineInfo, text: str, photo_urls=None, *, settings: dict
) -> Review:
    """Record a pending review of ``line`` by ``member`` (B2)."""
    text = clean_text(text)
    photos = clean_photo_urls(photo_urls)
    program = member.program
    if line.owner_id != member.member_id or line.channel_slug != program.channel_slug:
        # Someone else's line looks like no line at all: ids are not disclosed.
        raise NotFound("Order line not found among your orders.", field="orderLineId")
    if not settings["program_enabled"]:
        raise ProgramDisabled("The rewards program is off in this channel.")
    if not line.fulfilled:
        raise NotEligible(
            "Only products you received can be reviewed: this line is not fulfilled.",
            field="orderLineId",
        )
    if Review.objects.filter(order_line_id=line.line_id).exists():
        raise AlreadyExists("This order line has a review already.", field="orderLineId") from None
    try:
        with transaction.atomic():
            return Review.objects.create(
                program=program,
                member_id=member.member_id,
                order_id=line.order_id,
                order_line_id=line.line_id,
                product_id=line.product_id,
                text=text,
                photo_urls=photos,
                created_at=member.at,
            )
    except IntegrityError:  # the same line submitted at the same moment
        raise AlreadyExists("This order line has a review already.", field="orderLineId") from None


def moderate_review(
    review_id: int,
    action: str,
    *,
    settings: dict,
    note: str = "",
    actor: Actor = SYSTEM,
    now: datetime | None = None,
) -> Review:
    """Approve (awarding points) or reject a pending review; a decision is final.

    Nobody moderates their own review: approval credits points (I2).
    """
    if action not in dict(ReviewAction.CHOICES):
        raise InvalidInput(f"Unknown action {action!r}.", field="action")
    now = now or timezone.now()
    with transaction.atomic():
        review = locks.reviews().select_related("program").filter(id=review_id).first()
        if review is None:
            raise NotFound(f"Review {review_id} does not exist.", field="id")
        if actor.type == ActorType.STAFF and actor.id == str(review.member_id):
            raise PermissionDenied("Nobody moderates their own review.", field="id")
        if review.status != ReviewStatus.PENDING:
            raise Conflict(f"This review was {review.status} already.", field="id")
        if action == ReviewAction.APPROVE:
            review.status = ReviewStatus.APPROVED
            review.points = _award(review, settings, actor, now)
        else:
            review.status = ReviewStatus.REJECTED
        review.note = note or ""
        review.moderated_by = f"{actor.type}:{actor.id}" if actor.id else actor.type
        review.decided_at = now
        review.save(update_fields=["status", "points", "note", "moderated_by", "decided_at"])
        if review.status == ReviewStatus.APPROVED:
            review_approved_event(
                review.program,
                review.id,
                points=review.points,
                note=review.note,
                actor=actor,
                at=now,
            )
        else:
            review_rejected_event(review.program, review.id, note=review.note, actor=actor, at=now)
        return review


def _award(review: Review, settings: dict, actor: Actor, now: datetime) -> int:
    points = review_points(review.text, len(review.photo_urls), settings)
    if points <= 0 or review.member_id is None or not settings["program_enabled"]:
        return 0
    return credit_activity(
        review.program,
        review.member_id,
        points,
        key=f"review:{review.id}",
        source=LotSource.REVIEW,
        settings=settings,
        expires_in_days=settings["expiry_days_review"],
        reference=Reference(ReferenceType.REVIEW, str(review.id)),
        reason="Review approved",
        actor=actor,
        now=now,
    )
