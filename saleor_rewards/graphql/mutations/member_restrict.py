import graphene

from ...programs.channel.restrictions import restrict_member
from .base import RewardsMutation
from .member_erase import privacy_target


class RewardsMemberRestrict(RewardsMutation):
    """Staff / Apps: restrict a member's processing, or lift it (P5, MANAGE_USERS, every
    channel): while restricted the member earns nothing, spends nothing and is sent no
    mail; their data is kept. A customer's request is recorded and executed by staff."""

    class Arguments:
        user_id = graphene.ID(required=True, description="Saleor User id.")
        restricted = graphene.Boolean(required=True)
        reason = graphene.String(required=True, description="Kept with the restriction.")

    restricted = graphene.Boolean()

    @classmethod
    def perform(cls, root, info, *, user_id, restricted, reason):
        context = info.context
        member_id = privacy_target(context, user_id, "restricts", must_exist=True)
        row = restrict_member(member_id, restricted, reason=reason, actor=context.requestor.actor())
        return {"restricted": row.restricted}
