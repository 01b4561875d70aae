import graphene

from ...ledger.errors import NotFound, PermissionDenied
from ...ledger.errors import RewardsError as DomainError
from ...programs.privacy.erasure import erase_member, release_held_points
from ...programs.referrals.emails import email_hash
from ..ids import decode_int_id
from ..permissions import MANAGE_USERS
from .base import RewardsMutation


def privacy_target(context, user_id: str, verb: str, *, must_exist: bool) -> int:
    """The member a restriction or erasure is about. Both act in every channel, so
    only staff with access to every channel may; nobody on themselves."""
    requestor = context.requestor
    requestor.require_perm(MANAGE_USERS)
    if requestor.channels is not None:
        raise PermissionDenied(
            "This applies to every channel: it needs access to every channel.", field="userId"
        )
    member_id = decode_int_id(user_id, "User", field="userId")
    if requestor.user_id is not None and requestor.user_id == member_id:
        raise PermissionDenied(f"Nobody {verb} themselves: ask another staff member.")
    if must_exist and not context.shop.channels.member_exists(member_id):
        raise NotFound(f"User {user_id} does not exist.", field="userId")
    return member_id


class RewardsMemberErase(RewardsMutation):
    """Staff / Apps: erase a member's personal rewards data (P2, MANAGE_USERS, every
    channel), as Saleor's customer deletion does. Ledger amounts stay, unlinked; texts,
    photos, invitations and codes go. Also for a customer Saleor deleted already."""

    class Arguments:
        user_id = graphene.ID(required=True, description="Saleor User id.")
        reason = graphene.String(
            required=True,
            description="Why (for the request's record); not stored with the erasure.",
        )

    erased = graphene.Boolean(description="True once the member's data is erased.")

    @classmethod
    def mutate(cls, root, info, **data):
        # The member's points held on checkouts go back first, each release in its
        # own transaction as S2 does (``release_held_points``): the erasure's own
        # transaction then takes its row locks in the order of ``locks.py``.
        try:
            member_id = privacy_target(info.context, data["user_id"], "erases", must_exist=False)
            release_held_points(member_id, cards=info.context.shop.gift_cards)
        except DomainError as error:
            return cls(errors=cls.errors_for(error))
        return super().mutate(root, info, **data)

    @classmethod
    def perform(cls, root, info, *, user_id, reason):
        context = info.context
        member_id = privacy_target(context, user_id, "erases", must_exist=False)
        email = context.shop.customers.member_emails([member_id]).get(member_id)
        erase_member(
            member_id,
            email_hash=email_hash(email) if email else None,
            actor=context.requestor.actor(),
            forget_codes=context.shop.tier_discounts.forget_codes,
            forget_member=context.shop.vouchers.forget_member,
        )
        return {"erased": True}
