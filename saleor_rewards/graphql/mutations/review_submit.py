import graphene

from ...ledger.errors import NotFound
from ...programs.channel.members import Member
from ...programs.reviews.services import submit_review
from ..ids import decode_uuid_id
from ..types.reviews import RewardsReview
from .base import RewardsMutation


class RewardsReviewSubmit(RewardsMutation):
    """Customer: review a product received in one of your orders, once per line (B2)."""

    class Arguments:
        order_line_id = graphene.ID(required=True, description="Saleor OrderLine id.")
        text = graphene.String(required=True)
        photo_urls = graphene.List(
            graphene.NonNull(graphene.String), description="Up to 10 http(s) URLs."
        )

    review = graphene.Field(RewardsReview)

    @classmethod
    def perform(cls, root, info, *, order_line_id, text, photo_urls=None):
        context = info.context
        user_id = context.requestor.require_user()
        line_id = decode_uuid_id(order_line_id, "OrderLine", field="orderLineId")
        line = context.shop.order_lines.order_line(line_id)
        if line is None:
            raise NotFound("Order line not found among your orders.", field="orderLineId")
        program = context.program(line.channel_slug)
        review = submit_review(
            Member(program, user_id),
            line,
            text,
            photo_urls,
            settings=context.settings_for(program),
        )
        return {"review": review}
