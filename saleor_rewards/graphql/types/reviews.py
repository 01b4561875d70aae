"""GraphQL types of reviews (B2)."""

import graphene
from graphql_relay import to_global_id

from ...programs.reviews.models import Review, ReviewStatus
from ...programs.reviews.services import ReviewAction
from ..ids import decode_int_id
from ..pagination import CountableConnection, connection_from_queryset

RewardsReviewStatus = graphene.Enum(
    "RewardsReviewStatus", [(value.upper(), value) for value, _ in ReviewStatus.CHOICES]
)
RewardsReviewAction = graphene.Enum(
    "RewardsReviewAction", [(value.upper(), value) for value, _ in ReviewAction.CHOICES]
)
REVIEW_TYPE = "RewardsReview"


class RewardsReview(graphene.ObjectType):
    id = graphene.ID(required=True)
    channel = graphene.String(required=True)
    user_id = graphene.ID(description="Saleor's global id of the author.")
    status = graphene.Field(RewardsReviewStatus, required=True)
    text = graphene.String(required=True)
    photo_urls = graphene.List(graphene.NonNull(graphene.String), required=True)
    points = graphene.Int(
        required=True, description="Points the approval awarded, after the daily cap."
    )
    order_line_id = graphene.ID(required=True, description="Saleor's OrderLine id.")
    order_id = graphene.ID(required=True, description="Saleor's Order id.")
    product_id = graphene.ID(description="Saleor's Product id.")
    created_at = graphene.DateTime(required=True)
    decided_at = graphene.DateTime()
    note = graphene.String(required=True, description="The moderator's note.")

    @staticmethod
    def resolve_id(root: Review, info):
        return to_global_id(REVIEW_TYPE, root.id)

    @staticmethod
    def resolve_channel(root: Review, info):
        return root.program.channel_slug

    @staticmethod
    def resolve_user_id(root: Review, info):
        return to_global_id("User", root.member_id) if root.member_id else None

    @staticmethod
    def resolve_order_line_id(root: Review, info):
        return to_global_id("OrderLine", root.order_line_id)

    @staticmethod
    def resolve_order_id(root: Review, info):
        return to_global_id("Order", root.order_id)

    @staticmethod
    def resolve_product_id(root: Review, info):
        return to_global_id("Product", root.product_id) if root.product_id else None


class RewardsReviewConnection(CountableConnection):
    class Meta:
        node = RewardsReview


def review_connection(reviews, *, first=None, after=None):
    """A page of ``reviews``, newest first."""
    reviews = reviews.select_related("program").order_by("-id")
    return connection_from_queryset(RewardsReviewConnection, reviews, first=first, after=after)


def decode_review_id(global_id: str) -> int:
    return decode_int_id(global_id, REVIEW_TYPE, field="id")
