import graphene

from ...ledger.errors import NotFound
from ...programs.reviews.models import Review
from ...programs.reviews.services import moderate_review
from ..permissions import MANAGE_USERS
from ..types.reviews import RewardsReview, RewardsReviewAction, decode_review_id
from .base import RewardsMutation


class RewardsReviewModerate(RewardsMutation):
    """Staff or App (MANAGE_USERS): approve (awarding points) or reject a review.
    Nobody moderates their own review."""

    class Arguments:
        id = graphene.ID(required=True)
        action = RewardsReviewAction(required=True)
        note = graphene.String(description="Shown to the customer with the decision.")

    review = graphene.Field(RewardsReview)

    @classmethod
    def perform(cls, root, info, *, id, action, note=None):
        context = info.context
        context.requestor.require_perm(MANAGE_USERS)
        review_id = decode_review_id(id)
        review = Review.objects.select_related("program").filter(id=review_id).first()
        if review is None:
            raise NotFound(f"Review {id} does not exist.", field="id")
        context.requestor.require_channel(review.program.channel_slug)
        review = moderate_review(
            review_id,
            action,
            settings=context.settings_for(review.program),
            note=note or "",
            actor=context.requestor.actor(),
        )
        return {"review": review}
