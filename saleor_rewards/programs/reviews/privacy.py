"""The member's reviews (P1) and their erasure (P2): text, photo URLs and the
moderator's note are deleted, the member cut off. The row stays blank, because the
points it earned are in the ledger with its id as reference, and its order line
may be reviewed once only."""

from .models import Review

NAME = "reviews"


def export_member(member_id: int) -> dict:
    reviews = Review.objects.filter(member_id=member_id).select_related("program")
    return {
        "reviews": [
            {
                "id": review.id,
                "channel": review.program.channel_slug,
                "order_id": review.order_id,
                "order_line_id": review.order_line_id,
                "product_id": review.product_id,
                "text": review.text,
                "photo_urls": list(review.photo_urls or []),
                "status": review.status,
                "points": review.points,
                "created_at": review.created_at.isoformat(),
                "decided_at": review.decided_at.isoformat() if review.decided_at else None,
            }
            for review in reviews.order_by("id")
        ]
    }


def erase_member(member_id: int, *, email_hash: str | None) -> dict[str, int]:
    erased = Review.objects.filter(member_id=member_id).update(
        member_id=None, text="", photo_urls=[], note=""
    )
    return {"reviews": erased}
